/**
 * Helpers for tests against a real S3 server (test/support/servers.ts): driver options
 * for both object-store drivers, random bucket names, and an admin view of the server
 * that sees what stowage hides (reservations, incomplete multipart uploads).
 */
import { randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { Client } from 'minio';
import { createMinioStorage, createMinioTransport, type MinioOptions } from '../../drivers/minio/index.js';
import { decodeEntities, elements, text } from '../../drivers/minio/xml.js';
import { createS3Storage, type S3Options } from '../../drivers/s3/index.js';
import type { PolicyDocument } from '../../src/buckets.js';
import { isPending } from '../../src/object-store.js';
import type { Storage } from '../../src/storage.js';
import type { S3ServerInfo } from './servers.js';

/** The MinIO driver's connection options for `server` (or for `endpoint`, e.g. a proxy in front of it). */
export function minioConnection(
  server: S3ServerInfo,
  endpoint = server.endpoint,
): Pick<MinioOptions, 'endpoint' | 'accessKey' | 'secretKey' | 'region'> {
  return { endpoint, accessKey: server.accessKey, secretKey: server.secretKey, region: server.region };
}

/** Settings both object-store drivers take alike. */
export interface SharedOptions {
  bucket: string;
  privateBuckets?: string[] | undefined;
  externalEndpoint?: string | undefined;
  consistencyCheckOnStart?: boolean | undefined;
  /** The page origins `initializeBuckets` gives a CORS rule (where the server keeps one). */
  corsOrigins?: string[] | undefined;
}

/** A storage on `server` with the MinIO or the S3 driver. */
export function objectStorage(driver: 'minio' | 's3', server: S3ServerInfo, options: SharedOptions): Storage {
  return driver === 'minio'
    ? createMinioStorage({ ...minioConnection(server), ...options })
    : createS3Storage({ ...s3Connection(server), ...options });
}

/** The S3 driver's connection options for `server` (or for `endpoint`, a URL). */
export function s3Connection(
  server: S3ServerInfo,
  endpoint = server.endpoint,
): Pick<S3Options, 'endpoint' | 'region' | 'credentials'> {
  return {
    endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  };
}

/**
 * The environment an application sets for `driver` against `server`: the media bucket
 * private, the static bucket public (as createStorageFromEnv and the CLI read them).
 */
export function driverEnv(
  driver: 'minio' | 's3',
  server: S3ServerInfo,
  buckets: { media: string; statics: string },
): Record<string, string> {
  if (driver === 's3') {
    return {
      STORAGE_DRIVER: 's3',
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: server.accessKey,
      AWS_SECRET_ACCESS_KEY: server.secretKey,
      AWS_REGION: server.region,
      S3_BUCKET: buckets.media,
      S3_STATIC_BUCKET: buckets.statics,
      S3_PRIVATE_BUCKETS: buckets.media,
    };
  }
  const endpoint = new URL(server.endpoint);
  return {
    STORAGE_DRIVER: 'minio',
    MINIO_ENDPOINT: endpoint.host,
    MINIO_USE_HTTPS: String(endpoint.protocol === 'https:'),
    MINIO_ACCESS_KEY: server.accessKey,
    MINIO_SECRET_KEY: server.secretKey,
    MINIO_REGION: server.region,
    MINIO_DEFAULT_BUCKET: buckets.media,
    MINIO_STATIC_FILES_BUCKET: buckets.statics,
    MINIO_PRIVATE_BUCKETS: buckets.media,
  };
}

/** A policy hook for the tests: anonymous GetObject under `prefix` only. */
export function sharedReadPolicy(bucket: string, prefix: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: ['*'] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${bucket}/${prefix}*`],
      },
    ],
  };
}

/** A bucket name of this run: `stowage-<label>-<random>`. */
export function randomBucket(label: string): string {
  return `stowage-${label}-${randomBytes(4).toString('hex')}`;
}

/** A minio-js client straight to the server (no stowage in between). */
export function adminClient(server: S3ServerInfo): Client {
  const url = new URL(server.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: server.region,
    transport: createMinioTransport({ useHttps: url.protocol === 'https:' }),
  });
}

/** An AWS SDK client straight to the server, for checks independent of both drivers. */
export function sdkAdminClient(server: S3ServerInfo): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Deletes a bucket with everything in it: MinIO's force delete (as `mc rb --force`), and on
 * a server that ignores it (SeaweedFS, versitygw answer BucketNotEmpty) every object and
 * incomplete upload first.
 */
export async function removeBucket(admin: Client, bucket: string): Promise<void> {
  try {
    const response = await admin.makeRequestAsync(
      { method: 'DELETE', bucketName: bucket, headers: { 'x-minio-force-delete': 'true' } },
      '',
      [204],
    );
    response.resume();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'NoSuchBucket') return;
    if (code !== 'BucketNotEmpty') throw error;
    await emptyBucket(admin, bucket);
    await admin.removeBucket(bucket);
  }
}

async function emptyBucket(admin: Client, bucket: string): Promise<void> {
  for (const key of await incompleteUploads(admin, bucket)) await admin.removeIncompleteUpload(bucket, key);
  // Listed without encoding-type=url, which minio-js asks for and decodes even where the
  // server did not encode (versitygw), so that every key comes back as stored.
  let token: string | undefined;
  do {
    const query = `list-type=2${token === undefined ? '' : `&continuation-token=${encodeURIComponent(token)}`}`;
    const response = await admin.makeRequestAsync({ method: 'GET', bucketName: bucket, query }, '', [200]);
    let xml = '';
    for await (const chunk of response) xml += chunk;
    for (const contents of elements(xml, 'Contents')) {
      await admin.removeObject(bucket, decodeEntities(text(contents, 'Key') ?? ''));
    }
    token = text(xml, 'IsTruncated') === 'true' ? text(xml, 'NextContinuationToken') : undefined;
  } while (token !== undefined);
}

/** Every key under `prefix`, reservations included (ListObjectsV2, fewer than 1000 keys). */
export async function rawKeys(admin: Client, bucket: string, prefix: string): Promise<string[]> {
  const result = await admin.listObjectsV2Query(bucket, prefix, '', '', 1000, '');
  return result.objects.map((item) => String((item as { name?: string }).name)).sort();
}

/** The keys of the bucket's incomplete multipart uploads. */
export async function incompleteUploads(admin: Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const upload of admin.listIncompleteUploads(bucket, prefix, true)) keys.push(String(upload.key));
  return keys;
}

/** The keys under `prefix` that are names reserved by uploads in progress (the pending marker). */
export async function reservations(admin: Client, bucket: string, prefix: string): Promise<string[]> {
  const pending: string[] = [];
  for (const key of await rawKeys(admin, bucket, prefix)) {
    const stat = await admin.statObject(bucket, key);
    const metadata = Object.fromEntries(
      Object.entries(stat.metaData ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    if (isPending(metadata)) pending.push(key);
  }
  return pending;
}
