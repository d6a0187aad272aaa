/**
 * The security suite, run by test/security.test.ts on MinIO and by seaweedfs.test.ts and
 * versitygw.test.ts on those servers. Who may do what, for both object-store drivers on a
 * real server, asked over plain HTTP without credentials or with the URLs stowage hands out:
 *
 * - a public bucket (initializeBuckets' policy) lets anonymous users GetObject (and so
 *   HeadObject) and nothing else: no listing, no write, no delete, no multipart, no
 *   copy, no policy read or change;
 * - a private bucket refuses every anonymous request;
 * - a presigned GET is good for its one object and its one method: another method,
 *   another key or a longer expiry written into it is refused;
 * - an upload URL (POST policy) writes its one name only.
 *
 * A case needing what the server's gap table (test/support/features.ts) says it lacks is
 * registered as skipped.
 *
 * Expiry of presigned URLs and the upload URL's size and type limits are proven in
 * minio.test.ts and s3.test.ts; secrets in error messages in secrets.test.ts and
 * faults.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh } from '../../contracts/context.js';
import { createMinioStorage } from '../../drivers/minio/index.js';
import { createS3Storage } from '../../drivers/s3/index.js';
import type { Storage } from '../../src/storage.js';
import type { Feature, ServerFeatures } from './features.js';
import { adminClient, minioConnection, randomBucket, rawKeys, removeBucket, s3Connection } from './object-stores.js';
import type { S3ServerInfo } from './servers.js';

export type Kind = 'minio' | 's3';

/** One anonymous or tampered request, and what the server answered. */
interface Probe {
  what: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | FormData;
}

/** What the probes refused and allowed, for the figures line. */
export interface SecurityTally {
  refused: number;
  allowed: number;
  statuses: Map<string, number>;
}

export function newTally(): SecurityTally {
  return { refused: 0, allowed: 0, statuses: new Map() };
}

/**
 * Registers and runs the security suite for the `kind` driver on `server` (named `on`),
 * counting into `tally`. The cases that need a feature `features` lacks are registered
 * as skipped.
 */
export function securitySuite(
  kind: Kind,
  server: S3ServerInfo,
  options: { on: string; features: ServerFeatures; tally: SecurityTally },
): void {
  const { on, features, tally } = options;
  const test = suite(`${kind}: who may do what on ${on}`);
  const when = (...needed: Feature[]) => (needed.every((feature) => features[feature]) ? test : test.skip);
  const admin = adminClient(server);
  const publicBucket = randomBucket(`sec-${kind}-public`);
  const privateBucket = randomBucket(`sec-${kind}-private`);
  const build = (bucket: string): Storage => {
    const buckets = { bucket, publicBuckets: [publicBucket], privateBuckets: [privateBucket] };
    return kind === 'minio'
      ? createMinioStorage({ ...minioConnection(server), ...buckets })
      : createS3Storage({ ...s3Connection(server), ...buckets });
  };
  const publicStorage = build(publicBucket);
  const privateStorage = build(privateBucket);

  test.before(async () => {
    await publicStorage.initializeBuckets();
  });
  test.after(async () => {
    await publicStorage.close();
    await privateStorage.close();
    await removeBucket(admin, publicBucket);
    await removeBucket(admin, privateBucket);
  });

  /** Sends `probe` without credentials; resolves with the status (see `refusal`). */
  async function send(probe: Probe): Promise<number> {
    const response = await fetchFresh(`${server.endpoint}${probe.path}`, {
      method: probe.method,
      headers: probe.headers,
      body: probe.body,
    });
    const body = await response.text();
    // DeleteObjects answers 200 and refuses per key: <Error><Code>AccessDenied</Code>, no <Deleted>.
    if (probe.what === 'DeleteObjects' && response.status === 200) {
      return body.includes('<Code>AccessDenied</Code>') && !body.includes('<Deleted>') ? 403 : 200;
    }
    return response.status;
  }

  /** Asserts that every probe is refused (403, or 400 for a malformed anonymous form) and changed nothing. */
  async function refused(bucket: string, probes: Probe[]): Promise<void> {
    const before = await rawKeys(admin, bucket, '');
    for (const probe of probes) {
      const status = await send(probe);
      assert.ok(status === 403 || status === 400, `${probe.what}: answered ${status}, expected a refusal`);
      tally.refused++;
      tally.statuses.set(`${probe.what} ${status}`, status);
    }
    assert.equal(await rawKeys(admin, bucket, ''), before, 'the refused requests changed nothing');
  }

  /** The anonymous requests that must be refused on `bucket`, around the existing `key`. */
  function forbidden(bucket: string, key: string): Probe[] {
    const object = `/${bucket}/${key}`;
    return [
      { what: 'ListObjectsV2', method: 'GET', path: `/${bucket}?list-type=2` },
      { what: 'ListObjects (v1)', method: 'GET', path: `/${bucket}/` },
      { what: 'ListMultipartUploads', method: 'GET', path: `/${bucket}?uploads` },
      { what: 'GetBucketPolicy', method: 'GET', path: `/${bucket}?policy` },
      { what: 'PutBucketPolicy', method: 'PUT', path: `/${bucket}?policy`, body: '{"Version":"2012-10-17"}' },
      { what: 'DeleteBucketPolicy', method: 'DELETE', path: `/${bucket}?policy` },
      { what: 'DeleteBucket', method: 'DELETE', path: `/${bucket}` },
      { what: 'PutObject (new key)', method: 'PUT', path: `/${bucket}/anonymous.txt`, body: 'anonymous' },
      { what: 'PutObject (over an object)', method: 'PUT', path: object, body: 'overwritten' },
      { what: 'DeleteObject', method: 'DELETE', path: object },
      deleteObjects(bucket, key),
      { what: 'CreateMultipartUpload', method: 'POST', path: `/${bucket}/multipart.bin?uploads` },
      {
        what: 'CopyObject',
        method: 'PUT',
        path: `/${bucket}/copy.txt`,
        headers: { 'x-amz-copy-source': object },
      },
      { what: 'POST form upload without a policy', method: 'POST', path: `/${bucket}`, body: anonymousForm() },
      { what: 'PutObjectTagging', method: 'PUT', path: `${object}?tagging`, body: '<Tagging><TagSet/></Tagging>' },
    ];
  }

  when('bucketPolicies', 'policyActions')(
    'a public bucket lets anonymous users GetObject (and HEAD) and nothing else',
    async () => {
      const bytes = randomBytes(1024);
      const key = await publicStorage.save('open/file.bin', bytes);
      const get = await fetchFresh(`${server.endpoint}/${publicBucket}/${key}`);
      assert.is(get.status, 200, 'anonymous GetObject');
      assert.ok(Buffer.from(await get.arrayBuffer()).equals(bytes));
      assert.is(await send({ what: 'HeadObject', method: 'HEAD', path: `/${publicBucket}/${key}` }), 200);
      tally.allowed += 2;
      await refused(publicBucket, forbidden(publicBucket, key));
      assert.ok((await (await publicStorage.open(key)).bytes()).equals(bytes), 'the object is untouched');
    },
  );

  test('a private bucket refuses every anonymous request', async () => {
    const key = await privateStorage.save('closed/file.bin', randomBytes(1024));
    await refused(privateBucket, [
      { what: 'GetObject', method: 'GET', path: `/${privateBucket}/${key}` },
      { what: 'HeadObject', method: 'HEAD', path: `/${privateBucket}/${key}` },
      ...forbidden(privateBucket, key),
    ]);
  });

  when('signatures')('a presigned GET is good for its object and its method only; tampering is refused', async () => {
    const key = await privateStorage.save('signed/file.txt', 'signed bytes');
    const other = await privateStorage.save('signed/other.txt', 'other bytes');
    const url = new URL(await privateStorage.url(key, { expiresIn: 60 }));
    assert.not.ok(url.href.includes(server.secretKey), 'the URL carries no secret key');
    assert.is(await (await fetchFresh(url)).text(), 'signed bytes');
    tally.allowed++;
    const path = `${url.pathname}${url.search}`;
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const anotherKey = path.replace('signed/file.txt', 'signed/other.txt');
    assert.is.not(anotherKey, path);
    // Flip the signature's first hex digit, so the tampered URL always differs (a fixed
    // replacement such as "00" is the signature itself in one run of 256).
    const anotherSignature = path.replace(
      /X-Amz-Signature=([0-9a-f])/,
      (_, digit: string) => `X-Amz-Signature=${(Number.parseInt(digit, 16) ^ 1).toString(16)}`,
    );
    assert.is.not(anotherSignature, path);
    await refused(privateBucket, [
      { what: 'the URL with PUT', method: 'PUT', path, body: 'overwritten' },
      { what: 'the URL with DELETE', method: 'DELETE', path },
      { what: 'the URL for another key', method: 'GET', path: anotherKey },
      { what: 'the URL with a longer expiry', method: 'GET', path: `${longer.pathname}${longer.search}` },
      {
        what: 'the URL with another signature',
        method: 'GET',
        path: anotherSignature,
      },
    ]);
    assert.is(await (await privateStorage.open(other)).text(), 'other bytes');
  });

  when('postPolicy', 'postPolicyConditions')('an upload URL writes its one name only', async () => {
    const upload = await privateStorage.createUploadUrl('uploads/mine.txt', {
      contentType: 'text/plain',
      maxSize: 100,
    });
    assert.not.ok(JSON.stringify(upload).includes(server.secretKey), 'the upload URL carries no secret key');
    const form = (key: string) => {
      const data = new FormData();
      for (const [name, value] of Object.entries(upload.fields ?? {})) data.append(name, name === 'key' ? key : value);
      data.append('file', new Blob(['uploaded'], { type: 'text/plain' }), 'mine.txt');
      return data;
    };
    const path = new URL(upload.url).pathname;
    await refused(privateBucket, [
      { what: 'the upload form for another name', method: 'POST', path, body: form('uploads/theirs.txt') },
      { what: 'the upload form for a name outside', method: 'POST', path, body: form('../escape.txt') },
    ]);
    const response = await fetchFresh(upload.url, { method: 'POST', body: form('uploads/mine.txt') });
    assert.ok(response.status < 300, `the right upload: ${response.status}`);
    tally.allowed++;
    assert.is(await (await privateStorage.open('uploads/mine.txt')).text(), 'uploaded');
  });

  test.run();
}

/** Prints what `tally` counted, as `[reliability] <label>: ...` lines. */
export function reportSecurity(label: string, tally: SecurityTally): void {
  const test = suite(`${label}: figures`);
  test('print', () => {
    const badRequests = [...tally.statuses].filter(([, status]) => status === 400).map(([what]) => what);
    console.log(
      `[reliability] ${label}: refused with 400 rather than 403: ${[...new Set(badRequests)].join('; ') || 'none'}`,
    );
    console.log(
      `[reliability] ${label}: ${tally.refused} anonymous or tampered requests refused (changing nothing), ${tally.allowed} allowed (anonymous GetObject/HeadObject on public buckets, the presigned GET and the upload form as issued)`,
    );
  });
  test.run();
}

/** DeleteObjects of `key`, with the Content-MD5 it requires (else it is refused as malformed before authorisation). */
function deleteObjects(bucket: string, key: string): Probe {
  const body = `<Delete><Object><Key>${key}</Key></Object></Delete>`;
  const md5 = createHash('md5').update(body).digest('base64');
  return { what: 'DeleteObjects', method: 'POST', path: `/${bucket}?delete`, body, headers: { 'Content-MD5': md5 } };
}

/** A POST form upload with no policy and no signature. */
function anonymousForm(): FormData {
  const data = new FormData();
  data.append('key', 'anonymous-form.txt');
  data.append('file', new Blob(['anonymous']), 'anonymous-form.txt');
  return data;
}
