/**
 * The S3 driver against two independent S3 implementations: MinIO and moto's server.
 * The contract suite runs on both; then the S3-specific tests (buckets, policies, URLs,
 * checksums, multipart races). What moto lacks is declared in MOTO_FEATURES below and
 * the tests that need it are registered as skipped there, never loosened.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh, rejectsWith } from '../contracts/context.js';
import { AWKWARD_NAMES, failingStream, storageContract } from '../contracts/index.js';
import { createS3Storage, initializeBuckets, type S3Options } from '../drivers/s3/index.js';
import type { PolicyDocument } from '../src/buckets.js';
import { samePolicy } from '../src/buckets.js';
import type { Capabilities } from '../src/driver.js';
import { isPending } from '../src/object-store.js';
import { createStorageFromEnv } from '../src/registry.js';
import { sharedReadPolicy } from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const MiB = 1024 * 1024;
/** The smallest part size, so that a 12 MiB stream is a three-part upload. */
const PART_SIZE = 5 * MiB;

/** What an S3 implementation enforces, beyond what the contract suite needs. */
interface ServerFeatures {
  /** Verifies signatures and expiry of presigned URLs. */
  checksSignatures: boolean;
  /** Enforces POST-policy conditions (content-length-range, Content-Type). */
  enforcesPostPolicy: boolean;
  /** Enforces bucket policies action by action (GetObject granted does not grant ListBucket). */
  enforcesPolicyActions: boolean;
  /** Honours If-Match on CompleteMultipartUpload. */
  ifMatchOnComplete: boolean;
  /** Decides a conditional write atomically, so of two racing creates of one key only one wins. */
  atomicConditionalWrites: boolean;
  /** Honours response-content-disposition on presigned GETs (`url(name, { download })`). */
  responseOverrides: boolean;
}

const MINIO_FEATURES: ServerFeatures = {
  checksSignatures: true,
  enforcesPostPolicy: true,
  enforcesPolicyActions: true,
  ifMatchOnComplete: true,
  atomicConditionalWrites: true,
  responseOverrides: true,
};

/**
 * moto 5.2.1's server, found by experiment: it honours If-None-Match on PutObject,
 * CopyObject and CompleteMultipartUpload, stores bucket policies and refuses anonymous
 * reads without one, but does not verify signatures (expired or forged presigned URLs
 * work), ignores POST-policy conditions, allows anonymous listing whenever a policy
 * exists, ignores If-Match on CompleteMultipartUpload, and ignores response-* overrides
 * on presigned GETs (so `download` sends no Content-Disposition). Its If-None-Match is
 * not atomic: PutObject looks the key up, then stores, with no lock, in a threaded
 * server (moto/s3/responses.py), so two racing creates can both succeed (seen once in
 * a loaded run: two racing 12 MiB saves of one name both got that name). Neither server honours
 * If-None-Match / If-Match on CopyObject, which is why copies reserve their name.
 */
const MOTO_FEATURES: ServerFeatures = {
  checksSignatures: false,
  enforcesPostPolicy: false,
  enforcesPolicyActions: false,
  ifMatchOnComplete: false,
  atomicConditionalWrites: false,
  responseOverrides: false,
};

/**
 * Capability overrides for the contract on moto: its conditional writes are not atomic
 * (MOTO_FEATURES), so the contract saves one name sequentially there instead of racing
 * (`conditionalCreate: false`); the driver still sends If-None-Match. moto ignores
 * response-content-disposition, so the contract's download header check is off there
 * (`honoursDownload: false`).
 */
const MOTO_OVERRIDES: Partial<Capabilities> = { conditionalCreate: false };

const minio = await requireServerOrSkip('s3', 's3 on minio');
const moto = await requireServerOrSkip('moto', 's3 on moto');

if (minio) {
  storageContract('s3 on minio', contractFactory(minio, MINIO_FEATURES));
  s3Extras('s3 on minio', minio, MINIO_FEATURES);
}
if (moto) {
  storageContract('s3 on moto', contractFactory(moto, MOTO_FEATURES), MOTO_OVERRIDES);
  s3Extras('s3 on moto', moto, MOTO_FEATURES);
}

function connection(server: S3ServerInfo): Pick<S3Options, 'endpoint' | 'region' | 'credentials'> {
  return {
    endpoint: server.endpoint,
    region: server.region,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  };
}

function randomBucket(label: string): string {
  return `stowage-${label}-${randomBytes(5).toString('hex')}`;
}

function contractFactory(server: S3ServerInfo, features: ServerFeatures) {
  return async ({ replaceExisting }: { replaceExisting: boolean }) => {
    const options: S3Options = { ...connection(server), bucket: randomBucket('contract'), replaceExisting };
    await initializeBuckets(options);
    const storage = createS3Storage(options);
    return {
      storage,
      servesUrls: true,
      honoursDownload: features.responseOverrides,
      cleanup: async () => {
        await removeBucket(storage.driver.client, options.bucket);
        await storage.close();
      },
    };
  };
}

/** The S3-specific tests for one server. */
function s3Extras(label: string, server: S3ServerInfo, features: ServerFeatures): void {
  const base = connection(server);
  const privateBucket = randomBucket('private');
  const publicBucket = randomBucket('public');
  const created: string[] = [privateBucket, publicBucket];
  const settings: S3Options = {
    ...base,
    bucket: privateBucket,
    publicBuckets: [publicBucket],
    partSize: PART_SIZE,
  };
  const privateStorage = createS3Storage(settings);
  const publicStorage = createS3Storage({ ...settings, bucket: publicBucket });
  const client = privateStorage.driver.client;
  const test = suite(`${label}: buckets, policies, URLs`);
  const when = (feature: keyof ServerFeatures) => (features[feature] ? test : test.skip);

  test.before(async () => {
    await initializeBuckets(settings);
  });
  test.after(async () => {
    for (const bucket of created) await removeBucket(client, bucket).catch(() => {});
    await privateStorage.close();
    await publicStorage.close();
  });

  test('a public URL is fetched anonymously; a private object is refused', async () => {
    const name = await publicStorage.save('pics/a photo+1.txt', 'public bytes');
    const url = await publicStorage.url(name);
    assert.not.match(url, /X-Amz-Signature/);
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'public bytes');
    const secret = await privateStorage.save('secret.txt', 'private bytes');
    const direct = `${server.endpoint}/${privateBucket}/${secret}`;
    assert.is((await fetchFresh(direct)).status, 403, 'anonymous read of a private object');
    const signed = await fetchFresh(await privateStorage.url(secret));
    assert.is(await signed.text(), 'private bytes');
  });

  test('signed and public URLs of awkward names fetch the exact bytes', async () => {
    for (const awkward of AWKWARD_NAMES.filter((n) => !n.startsWith('.'))) {
      for (const storage of [privateStorage, publicStorage]) {
        const bytes = randomBytes(64);
        const name = await storage.save(`awkward/${awkward}`, bytes);
        const response = await fetchFresh(await storage.url(name));
        assert.is(response.status, 200, `${storage.driver.bucket}: ${awkward}`);
        assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes), awkward);
      }
    }
  });

  when('responseOverrides')('url(name, { download }) makes the server send Content-Disposition', async () => {
    const name = await privateStorage.save('download/report 1.pdf', 'pdf');
    const response = await fetchFresh(await privateStorage.url(name, { download: 'my report.pdf' }));
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="my report.pdf"/);
  });

  when('enforcesPolicyActions')('anonymous listing of a public bucket is refused', async () => {
    assert.is((await fetchFresh(`${server.endpoint}/${publicBucket}?list-type=2`)).status, 403);
  });

  test('a presigned URL made for another external endpoint is signed for it and works', async () => {
    const external = server.endpoint.replace('127.0.0.1', 'localhost');
    const storage = createS3Storage({ ...settings, externalEndpoint: external });
    const name = await storage.save('external.txt', 'via localhost');
    const url = await storage.url(name, { expiresIn: 60 });
    assert.ok(url.startsWith(`${external}/`), url);
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'via localhost');
    await storage.close();
  });

  test('an external endpoint with a path prefix works through a proxy that strips it', async () => {
    const proxy = await startPrefixProxy('/s3', server.endpoint);
    try {
      const storage = createS3Storage({ ...settings, externalEndpoint: `${proxy.url}/s3` });
      const name = await storage.save('prefixed/file 1.txt', 'behind a proxy');
      const url = await storage.url(name);
      assert.ok(url.startsWith(`${proxy.url}/s3/${privateBucket}/`), url);
      assert.is(await (await fetchFresh(url)).text(), 'behind a proxy');
      const pub = createS3Storage({ ...settings, bucket: publicBucket, externalEndpoint: `${proxy.url}/s3` });
      const publicName = await pub.save('prefixed.txt', 'public via proxy');
      assert.is(await (await fetchFresh(await pub.url(publicName))).text(), 'public via proxy');
      await storage.close();
      await pub.close();
    } finally {
      await proxy.close();
    }
  });

  when('checksSignatures')('an expired presigned URL is refused', async () => {
    const name = await privateStorage.save('expiring.txt', 'soon gone');
    const url = await privateStorage.url(name, { expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.is((await fetchFresh(url)).status, 403);
  });

  test('initializeBuckets is idempotent, and makes a formerly public bucket private', async () => {
    const again = await initializeBuckets(settings);
    assert.equal(again.created, []);
    assert.equal(again.policySet, []);
    assert.equal(again.unchanged.sort(), [privateBucket, publicBucket].sort());
    const bucket = randomBucket('flip');
    created.push(bucket);
    const first = await initializeBuckets({ ...base, bucket, publicBuckets: [bucket] });
    assert.equal(first.created, [bucket]);
    assert.equal(first.policySet, [bucket]);
    const flipped = await initializeBuckets({ ...base, bucket, privateBuckets: [bucket] });
    assert.equal(flipped.policyRemoved, [bucket]);
    const storage = createS3Storage({ ...base, bucket });
    const name = await storage.save('now-private.txt', 'x');
    assert.is((await fetchFresh(`${server.endpoint}/${bucket}/${name}`)).status, 403);
    await storage.close();
  });

  test('a policy hook is applied and read back from the server', async () => {
    const bucket = randomBucket('hook');
    created.push(bucket);
    const policy = sharedReadPolicy(bucket, 'shared/');
    const report = await initializeBuckets({ ...base, bucket, policyHooks: [[bucket, policy]] });
    assert.equal(report.policySet, [bucket]);
    const stored = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    assert.ok(samePolicy(JSON.parse(stored.Policy ?? '{}') as PolicyDocument, policy), stored.Policy);
    const storage = createS3Storage({ ...base, bucket });
    const name = await storage.save('shared/open.txt', 'shared');
    assert.is((await fetchFresh(`${server.endpoint}/${bucket}/${name}`)).status, 200);
    assert.equal((await initializeBuckets({ ...base, bucket, policyHooks: [[bucket, policy]] })).unchanged, [bucket]);
    await storage.close();
  });

  test('an upload URL accepts the right upload', async () => {
    const upload = await privateStorage.createUploadUrl('uploads/ok.txt', { contentType: 'text/plain', maxSize: 10 });
    assert.is((await postForm(upload, 'hello', 'text/plain')).status < 300, true);
    assert.is(await (await privateStorage.open('uploads/ok.txt')).text(), 'hello');
  });

  when('enforcesPostPolicy')('an upload URL is refused for a body too large or of another type', async () => {
    const upload = await privateStorage.createUploadUrl('uploads/limited.txt', {
      contentType: 'text/plain',
      maxSize: 10,
    });
    assert.ok((await postForm(upload, 'x'.repeat(11), 'text/plain')).status >= 400, 'too large');
    assert.ok((await postForm(upload, 'hello', 'image/png')).status >= 400, 'wrong type');
    assert.is(await privateStorage.exists('uploads/limited.txt'), false);
  });

  for (const mode of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
    test(`checksums ${mode}: a streamed multipart PUT and a presigned PUT round-trip`, async () => {
      const storage = createS3Storage({ ...settings, requestChecksumCalculation: mode });
      const bytes = randomBytes(12 * MiB);
      const name = await storage.save(`checksums/${mode}.bin`, Readable.from(chunks(bytes, MiB)));
      assert.ok((await (await storage.open(name)).bytes()).equals(bytes), 'streamed bytes');
      const key = `checksums/${mode}-presigned.txt`;
      const url = await getSignedUrl(
        storage.driver.presignClient,
        new PutObjectCommand({ Bucket: privateBucket, Key: key }),
      );
      assert.is(/x-amz-checksum-crc32/i.test(url), mode === 'WHEN_SUPPORTED', 'empty-body CRC signed in');
      const put = await fetchFresh(url, { method: 'PUT', body: 'presigned body' });
      if (mode === 'WHEN_REQUIRED') {
        assert.is(put.status, 200);
        assert.is(await (await storage.open(key)).text(), 'presigned body');
      } else if (put.status === 200) {
        // MinIO and moto ignore the signed CRC; AWS and R2 refuse it (aws-sdk-js-v3#6810).
        assert.is(await (await storage.open(key)).text(), 'presigned body');
      }
      await storage.close();
    });
  }

  when('atomicConditionalWrites')(
    'two large saves of one name race: distinct names, intact bytes, no parts or reservations left',
    async () => {
      const a = randomBytes(12 * MiB);
      const b = randomBytes(12 * MiB);
      const names = await Promise.all(
        [a, b].map((bytes) => privateStorage.save('race/big.bin', Readable.from(chunks(bytes, MiB)))),
      );
      assert.is(new Set(names).size, 2);
      for (const [i, bytes] of [a, b].entries()) {
        assert.ok((await (await privateStorage.open(names[i] as string)).bytes()).equals(bytes), names[i]);
      }
      await assertNothingLeft(client, privateBucket, 'race/', 2);
    },
  );

  when('ifMatchOnComplete')('a multipart upload that loses its reservation aborts and leaves no parts', async () => {
    const replacing = createS3Storage({ ...settings, replaceExisting: true });
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* slow(): AsyncGenerator<Buffer> {
      yield randomBytes(6 * MiB);
      await gate;
      yield randomBytes(6 * MiB);
    }
    const saving = privateStorage.save('lost/race.bin', Readable.from(slow()));
    saving.catch(() => {});
    await waitFor(() => objectExists(client, privateBucket, 'lost/race.bin'));
    await replacing.save('lost/race.bin', 'the other writer');
    release();
    await rejectsWith(saving, 'ALREADY_EXISTS', 'the loser');
    assert.is(await (await privateStorage.open('lost/race.bin')).text(), 'the other writer');
    await assertNothingLeft(client, privateBucket, 'lost/', 1);
    await replacing.close();
  });

  test('a large source that fails half-way leaves no parts and no reservation', async () => {
    await rejectsWith(privateStorage.save('broken/big.bin', failingStream(12 * MiB)), 'UNEXPECTED', 'broken');
    await assertNothingLeft(client, privateBucket, 'broken/', 0);
  });

  test('a missing bucket: exists() rejects, isAvailable() says so; bucketCheckOnSave creates it once', async () => {
    const bucket = randomBucket('missing');
    created.push(bucket);
    const storage = createS3Storage({ ...base, bucket });
    await rejectsWith(storage.exists('a.txt'), 'INVALID_CONFIG', 'exists on a missing bucket');
    const health = await storage.isAvailable();
    assert.is(health.available, false);
    assert.is(health.status, 404);
    const checking = createS3Storage({ ...base, bucket, bucketCheckOnSave: true });
    assert.is(await checking.save('first.txt', '1'), 'first.txt');
    assert.is(await checking.save('second.txt', '2'), 'second.txt');
    const healthy = await storage.isAvailable();
    assert.is(healthy.available, true);
    assert.is(healthy.status, 200);
    assert.ok(healthy.latencyMs >= 0);
    await storage.close();
    await checking.close();
  });

  test('consistencyCheckOnStart initializes the buckets before the first operation', async () => {
    const bucket = randomBucket('start');
    created.push(bucket);
    const storage = createS3Storage({ ...base, bucket, publicBuckets: [bucket], consistencyCheckOnStart: true });
    assert.is(await storage.exists('nothing.txt'), false);
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    const stored = await client.send(new GetBucketPolicyCommand({ Bucket: bucket }));
    assert.ok(stored.Policy?.includes('s3:GetObject'));
    await storage.close();
  });

  test('STORAGE_DRIVER=s3 with the environment variables is all createStorageFromEnv needs', async () => {
    const storage = await createStorageFromEnv({
      STORAGE_DRIVER: 's3',
      S3_BUCKET: publicBucket,
      S3_PUBLIC_BUCKETS: publicBucket,
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_REGION: server.region,
      AWS_ACCESS_KEY_ID: server.accessKey,
      AWS_SECRET_ACCESS_KEY: server.secretKey,
      S3_URL_EXPIRY_SECONDS: '600',
    });
    const name = await storage.save('env/hello.txt', 'from env');
    assert.is(await (await fetchFresh(await storage.url(name))).text(), 'from env');
    assert.not.ok(JSON.stringify(storage).includes(server.secretKey));
    await storage.close();
  });

  test.run();
}

/** Asserts no multipart upload, no reservation and exactly `objects` objects under `prefix`. */
async function assertNothingLeft(client: S3Client, bucket: string, prefix: string, objects: number): Promise<void> {
  const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  assert.equal(uploads.Uploads ?? [], [], 'no multipart upload left');
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const keys = (listed.Contents ?? []).map((object) => object.Key as string);
  assert.is(keys.length, objects, `objects under ${prefix}: ${keys.join(', ')}`);
  for (const key of keys) {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    assert.not.ok(isPending(head.Metadata), `${key} is a leftover reservation`);
  }
}

async function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function* chunks(bytes: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function postForm(
  upload: { url: string; fields?: Record<string, string> | undefined },
  body: string,
  type: string,
): Promise<Response> {
  const form = new FormData();
  for (const [key, value] of Object.entries(upload.fields ?? {}))
    form.append(key, key === 'Content-Type' ? type : value);
  form.append('file', new Blob([body], { type }), 'upload.txt');
  return fetchFresh(upload.url, { method: 'POST', body: form });
}

/** Deletes every object, upload and the bucket itself. */
async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * A reverse proxy on 127.0.0.1 that strips `prefix` and forwards to `target`, keeping
 * the Host header (which the URLs were signed for), as a CDN or nginx would.
 */
async function startPrefixProxy(prefix: string, target: string): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const path = req.url?.startsWith(`${prefix}/`) ? req.url.slice(prefix.length) : undefined;
    if (path === undefined) {
      res.writeHead(404).end();
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
