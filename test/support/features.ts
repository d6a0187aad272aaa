/**
 * What an S3 server honours of what stowage relies on, as one table per server (the gap
 * table its test file declares), and the probes that measure each entry with plain AWS SDK
 * requests, independent of the drivers. A server's test file asserts that its table is
 * what the probes measure, so a table cannot drift from the server it describes, and
 * registers the cases that need a missing feature as skipped there (never loosened).
 */
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCorsCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  type LifecycleRule,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { fetchFresh } from '../../contracts/context.js';
import { HOSTILE_NAMES } from '../../contracts/index.js';
import type { Capabilities } from '../../src/driver.js';
import { adminClient, randomBucket, removeBucket, sdkAdminClient } from './object-stores.js';
import type { S3ServerInfo } from './servers.js';

/** What a server honours; each entry is measured by the probe of the same name below. */
export interface ServerFeatures {
  /** `If-None-Match: *` on PutObject and on CompleteMultipartUpload refuses an existing key (412). */
  conditionalCreate: boolean;
  /** `If-Match: <etag>` on CompleteMultipartUpload refuses a key whose ETag changed (412). */
  ifMatchOnComplete: boolean;
  /** A POST-policy form upload (createUploadUrl) is accepted and stored. */
  postPolicy: boolean;
  /** The POST policy's conditions are enforced: a body over content-length-range, another Content-Type, refused. */
  postPolicyConditions: boolean;
  /** A bucket policy granting anonymous s3:GetObject is stored and lets anonymous GETs through (public buckets). */
  bucketPolicies: boolean;
  /** Such a policy grants GetObject only: anonymous ListObjects is still refused. */
  policyActions: boolean;
  /** A presigned URL with a tampered signature is refused. */
  signatures: boolean;
  /** A presigned URL is refused once its expiry has passed. */
  presignedExpiry: boolean;
  /** `response-content-disposition` on a presigned GET is answered as Content-Disposition (`url(name, { download })`). */
  responseOverrides: boolean;
  /** PutBucketCors is stored and a preflight from an allowed origin is answered with its headers. */
  cors: boolean;
  /** A lifecycle rule expiring objects (PutBucketLifecycleConfiguration) is stored and read back. */
  lifecycle: boolean;
  /** A lifecycle rule aborting incomplete multipart uploads is stored and read back. */
  abortIncompleteUploads: boolean;
  /** Keys are flat: `a` and `a/b` can both be stored (a POSIX-backed server has a file/directory clash). */
  flatKeys: boolean;
  /** `If-None-Match: *` creates `p` while `p/child` is stored (a directory of keys does not take the name). */
  prefixNamesFree: boolean;
  /** A prefix no longer listed (delimiter `/`) once its last key is deleted. */
  emptyPrefixesVanish: boolean;
  /** A key with a backslash (`a\\b.txt`) is listed as stored. */
  backslashKeys: boolean;
}

export type Feature = keyof ServerFeatures;

/** MinIO RELEASE.2025-09-07T16-13-09Z, as the same probes measured it (test/minio-features.test.ts). */
export const MINIO_FEATURES: ServerFeatures = {
  conditionalCreate: true,
  ifMatchOnComplete: true,
  postPolicy: true,
  postPolicyConditions: true,
  bucketPolicies: true,
  policyActions: true,
  signatures: true,
  presignedExpiry: true,
  responseOverrides: true,
  cors: false,
  lifecycle: true,
  abortIncompleteUploads: false,
  flatKeys: true,
  prefixNamesFree: true,
  emptyPrefixesVanish: true,
  backslashKeys: true,
};

/**
 * The contract suite's capability overrides for a server with `features`: no conditional
 * create without If-None-Match; names in a tree (the file/directory clash) on a server
 * whose keys are not flat.
 */
export function contractOverrides(features: ServerFeatures): Partial<Capabilities> {
  return {
    ...(features.conditionalCreate ? {} : { conditionalCreate: false }),
    ...(features.flatKeys ? {} : { hierarchical: true }),
  };
}

/** What the probes measured, and for each feature found missing, why (the error, if one was thrown). */
export interface Measured {
  features: ServerFeatures;
  why: Partial<Record<Feature, string>>;
}

/**
 * The contract cases registered as skipped on a server with `features`, by title, each
 * with the missing feature as the reason.
 */
export function contractSkips(features: ServerFeatures): Record<string, string> {
  const skips: Record<string, string> = {};
  // On a hierarchical server a directory taking the name is what the contract expects.
  if (features.flatKeys && !features.prefixNamesFree) {
    skips['saving "d" while "d/e" is stored: another name (or, replacing, ALREADY_EXISTS) on hierarchical stores'] =
      'If-None-Match refuses a name that is a directory of other keys (prefixNamesFree), so the name is taken';
  }
  if (!features.emptyPrefixesVanish) {
    skips['a source that fails half-way rejects and leaves nothing behind'] =
      'an emptied prefix stays listed as a directory (emptyPrefixesVanish)';
  }
  if (!features.backslashKeys) {
    skips[`${HOSTILE_COUNT} hostile names: stored and read back exactly, or INVALID_NAME`] =
      'a key with a backslash is not listed as stored (backslashKeys)';
  }
  return skips;
}

/** Measures every entry of ServerFeatures on `server`, in a bucket of its own that it removes. */
export async function probeFeatures(server: S3ServerInfo): Promise<Measured> {
  const client = sdkAdminClient(server);
  const bucket = randomBucket('probe');
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const probe: Probe = { client, bucket, server };
  try {
    const measured: Measured = { features: {} as ServerFeatures, why: {} };
    for (const [feature, measure] of Object.entries(PROBES) as [Feature, (p: Probe) => Promise<boolean>][]) {
      try {
        measured.features[feature] = await measure(probe);
        if (!measured.features[feature]) measured.why[feature] = 'not honoured';
      } catch (error) {
        measured.features[feature] = false;
        measured.why[feature] = `${(error as Error).name}: ${(error as Error).message}`;
      }
    }
    return measured;
  } finally {
    await removeBucket(adminClient(server), bucket).catch(() => {});
    client.destroy();
  }
}

interface Probe {
  client: S3Client;
  bucket: string;
  server: S3ServerInfo;
}

const PROBES: Record<Feature, (probe: Probe) => Promise<boolean>> = {
  conditionalCreate: async ({ client, bucket }) => {
    const key = `probe/conditional-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first', IfNoneMatch: '*' }));
    const put = await status(
      client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', IfNoneMatch: '*' })),
    );
    const complete = await status(multipart(client, bucket, key, { IfNoneMatch: '*' }));
    return put === 412 && complete === 412 && (await read(client, bucket, key)) === 'first';
  },
  ifMatchOnComplete: async ({ client, bucket }) => {
    const key = `probe/if-match-${random()}`;
    const { ETag } = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'first' }));
    const wrong = await status(multipart(client, bucket, key, { IfMatch: '"0123456789abcdef0123456789abcdef"' }));
    const right = await status(multipart(client, bucket, key, { IfMatch: ETag }));
    return wrong === 412 && right === 200;
  },
  postPolicy: async ({ client, bucket }) => {
    const key = `probe/post-${random()}`;
    const answer = await postUpload(client, bucket, key, 'hello', 'text/plain');
    return answer < 300 && (await read(client, bucket, key)) === 'hello';
  },
  postPolicyConditions: async ({ client, bucket }) => {
    const key = `probe/post-limited-${random()}`;
    const tooLarge = await postUpload(client, bucket, key, 'x'.repeat(11), 'text/plain');
    const wrongType = await postUpload(client, bucket, key, 'hello', 'image/png');
    return tooLarge >= 400 && wrongType >= 400 && (await status(read(client, bucket, key))) === 404;
  },
  bucketPolicies: async ({ client, bucket, server }) => {
    const key = `probe/public-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'public' }));
    const before = (await fetchFresh(`${server.endpoint}/${bucket}/${key}`)).status;
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(readPolicy(bucket)) }));
    const after = await fetchFresh(`${server.endpoint}/${bucket}/${key}`);
    return before === 403 && after.status === 200 && (await after.text()) === 'public';
  },
  policyActions: async ({ client, bucket, server }) => {
    await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(readPolicy(bucket)) }));
    return (await fetchFresh(`${server.endpoint}/${bucket}?list-type=2`)).status === 403;
  },
  signatures: async ({ client, bucket }) => {
    const key = `probe/signed-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'signed' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 60 });
    const tampered = url.replace(/X-Amz-Signature=([0-9a-f])/, (_, digit: string) => {
      return `X-Amz-Signature=${(Number.parseInt(digit, 16) ^ 1).toString(16)}`;
    });
    return (await fetchFresh(url)).status === 200 && (await fetchFresh(tampered)).status === 403;
  },
  presignedExpiry: async ({ client, bucket }) => {
    const key = `probe/expiring-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'soon gone' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, EXPIRY_WAIT_MS));
    return (await fetchFresh(url)).status === 403;
  },
  responseOverrides: async ({ client, bucket }) => {
    const key = `probe/download-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'pdf' }));
    const disposition = 'attachment; filename="report.pdf"';
    const command = new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition });
    const response = await fetchFresh(await getSignedUrl(client, command));
    return response.headers.get('content-disposition') === disposition;
  },
  cors: async ({ client, bucket, server }) => {
    const origin = 'http://app.example.test';
    const rule = { AllowedOrigins: [origin], AllowedMethods: ['PUT', 'POST'], AllowedHeaders: ['*'] };
    await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
    const preflight = await fetchFresh(`${server.endpoint}/${bucket}/probe/cors`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'PUT' },
    });
    const other = await fetchFresh(`${server.endpoint}/${bucket}/probe/cors`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example.test', 'access-control-request-method': 'PUT' },
    });
    await client.send(new DeleteBucketCorsCommand({ Bucket: bucket })).catch(() => {});
    return (
      preflight.status === 200 &&
      preflight.headers.get('access-control-allow-origin') === origin &&
      other.headers.get('access-control-allow-origin') !== 'http://evil.example.test'
    );
  },
  lifecycle: async ({ client, bucket }) => {
    const rule = await storeLifecycleRule(client, bucket, { Expiration: { Days: 1 } });
    return rule?.Expiration?.Days === 1;
  },
  flatKeys: async ({ client, bucket }) => {
    const parent = `probe/flat-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: parent, Body: 'file' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${parent}/child`, Body: 'child' }));
    return (
      (await read(client, bucket, parent)) === 'file' && (await read(client, bucket, `${parent}/child`)) === 'child'
    );
  },
  prefixNamesFree: async ({ client, bucket }) => {
    const parent = `probe/prefix-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${parent}/child`, Body: 'child' }));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: parent, Body: 'parent', IfNoneMatch: '*' }));
    return (await read(client, bucket, parent)) === 'parent';
  },
  emptyPrefixesVanish: async ({ client, bucket }) => {
    const prefix = `vanish-${random()}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/only`, Body: 'x' }));
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}/only` }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    return !(listed.CommonPrefixes ?? []).some((common) => common.Prefix === `${prefix}/`);
  },
  backslashKeys: async ({ client, bucket }) => {
    const key = `probe/back\\slash-${random()}.txt`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'probe/back' }));
    return (listed.Contents ?? []).some((object) => object.Key === key);
  },
  abortIncompleteUploads: async ({ client, bucket }) => {
    const rule = await storeLifecycleRule(client, bucket, {
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    });
    return rule?.AbortIncompleteMultipartUpload?.DaysAfterInitiation === 1;
  },
};

const HOSTILE_COUNT = HOSTILE_NAMES.length;

/** Past a presigned URL's one-second expiry, with room for clock granularity. */
const EXPIRY_WAIT_MS = 2_100;

function random(): string {
  return randomBytes(4).toString('hex');
}

function readPolicy(bucket: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}

/** The HTTP status a request ended with (200 when it succeeded). */
async function status(request: Promise<unknown>): Promise<number> {
  try {
    await request;
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
}

async function read(client: S3Client, bucket: string, key: string): Promise<string> {
  const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await answer.Body?.transformToString()) ?? '';
}

/** Stores one lifecycle rule with `action` on the bucket and reads the bucket's first rule back. */
async function storeLifecycleRule(client: S3Client, bucket: string, action: Partial<LifecycleRule>) {
  const rule: LifecycleRule = { ID: 'stowage-probe', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, ...action };
  await client.send(
    new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [rule] } }),
  );
  const stored = await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
  return stored.Rules?.[0];
}

/** A one-part multipart upload of `key`, completed with `conditions`. */
async function multipart(
  client: S3Client,
  bucket: string,
  key: string,
  conditions: { IfNoneMatch?: string; IfMatch?: string | undefined },
): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const { ETag } = await client.send(
    new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'multipart body' }),
  );
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] },
      ...conditions,
    }),
  );
}

/** POSTs `body` as `type` through a POST policy allowing text/plain up to 10 bytes; resolves with the status. */
async function postUpload(client: S3Client, bucket: string, key: string, body: string, type: string): Promise<number> {
  const { url, fields } = await createPresignedPost(client, {
    Bucket: bucket,
    Key: key,
    Conditions: [
      ['content-length-range', 0, 10],
      ['eq', '$Content-Type', 'text/plain'],
    ],
    Fields: { 'Content-Type': 'text/plain' },
    Expires: 60,
  });
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, name === 'Content-Type' ? type : value);
  form.append('file', new Blob([body], { type }), 'upload.txt');
  return (await fetchFresh(url, { method: 'POST', body: form })).status;
}
