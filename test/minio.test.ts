/**
 * The MinIO driver against a real MinIO server (test/support/servers.ts finds or starts
 * one): the contract suite, then what django-minio-backend users rely on (public and
 * private buckets, external endpoints, initializeBuckets, policy hooks, upload URLs,
 * environment configuration) and the collision safety of large uploads.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { Client } from 'minio';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh, rejectsWith } from '../contracts/context.js';
import { failingStream, generatedStream, hashStream, storageContract } from '../contracts/index.js';
import { createMinioStorage, initializeBuckets, type MinioOptions } from '../drivers/minio/index.js';
import { type PolicyDocument, samePolicy } from '../src/buckets.js';
import { isStorageError } from '../src/errors.js';
import { PENDING_METADATA } from '../src/object-store.js';
import { createStorageFromEnv } from '../src/registry.js';
import {
  adminClient,
  minioConnection as connection,
  incompleteUploads,
  randomBucket,
  rawKeys,
  removeBucket,
  sharedReadPolicy,
} from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const MiB = 1024 * 1024;
/** The smallest part size, so that a 12 MiB stream is a three-part upload. */
const PART_SIZE = 5 * MiB;

const server = await requireServerOrSkip('s3', 'minio driver');

if (server) {
  const admin = adminClient(server);
  storageContract('minio', async ({ replaceExisting }) => {
    const bucket = randomBucket('contract');
    const storage = createMinioStorage({ ...connection(server), bucket, privateBuckets: [bucket], replaceExisting });
    await storage.initializeBuckets();
    return { storage, servesUrls: true, cleanup: () => removeBucket(admin, bucket) };
  });
  premises(server, admin);
  bucketsAndUrls(server, admin);
  writes(server, admin);
  configuration(server, admin);
}

/** The server behaviour the driver's design rests on (drivers/minio/upload.ts), checked on the pinned release. */
function premises(server: S3ServerInfo, admin: Client): void {
  const test = suite('minio: server premises');
  const bucket = randomBucket('premises');
  test.before(() => admin.makeBucket(bucket, server.region));
  test.after(() => removeBucket(admin, bucket));

  test('a PUT with If-None-Match: * on a taken name is refused with 412', async () => {
    await admin.putObject(bucket, 'taken', Buffer.from('first'));
    const error = await admin
      .makeRequestAsync(
        { method: 'PUT', bucketName: bucket, objectName: 'taken', headers: { 'If-None-Match': '*' } },
        'x',
      )
      .catch((caught: unknown) => caught);
    assert.is((error as { code?: string }).code, 'PreconditionFailed');
  });

  test('CompleteMultipartUpload honours If-Match (the reservation check)', async () => {
    const put = await admin.putObject(bucket, 'reserved', Buffer.alloc(0));
    const uploadId = await admin.initiateNewMultipartUpload(bucket, 'reserved', {});
    const part = await admin.uploadPart(
      { bucketName: bucket, objectName: 'reserved', uploadID: uploadId, partNumber: 1, headers: {} },
      Buffer.from('part'),
    );
    const body = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.etag}</ETag></Part></CompleteMultipartUpload>`;
    const complete = (ifMatch: string) =>
      admin.makeRequestAsync(
        {
          method: 'POST',
          bucketName: bucket,
          objectName: 'reserved',
          query: `uploadId=${uploadId}`,
          headers: { 'If-Match': ifMatch },
        },
        body,
      );
    const refused = await complete('"0123456789abcdef0123456789abcdef"').catch((caught: unknown) => caught);
    assert.is((refused as { code?: string }).code, 'PreconditionFailed');
    (await complete(`"${put.etag}"`)).resume();
    assert.is((await admin.statObject(bucket, 'reserved')).size, 4);
  });

  test('CopyObject ignores If-None-Match on the target (why copies reserve their name)', async () => {
    await admin.putObject(bucket, 'source', Buffer.from('source'));
    await admin.putObject(bucket, 'target', Buffer.from('target!'));
    const response = await admin.makeRequestAsync({
      method: 'PUT',
      bucketName: bucket,
      objectName: 'target',
      headers: { 'x-amz-copy-source': `/${bucket}/source`, 'If-None-Match': '*' },
    });
    response.resume();
    assert.is((await admin.statObject(bucket, 'target')).size, 'source'.length);
  });

  test.run();
}

function bucketsAndUrls(server: S3ServerInfo, admin: Client): void {
  const test = suite('minio: buckets, policies, URLs');
  const privateBucket = randomBucket('private');
  const publicBucket = randomBucket('public');
  const created = [privateBucket, publicBucket];
  const settings: MinioOptions = {
    ...connection(server),
    bucket: privateBucket,
    privateBuckets: [privateBucket],
    publicBuckets: [publicBucket],
  };
  const privateStorage = createMinioStorage(settings);
  const publicStorage = createMinioStorage({ ...settings, bucket: publicBucket });

  test.before(async () => {
    await initializeBuckets(settings);
  });
  test.after(async () => {
    for (const bucket of created) await removeBucket(admin, bucket);
  });

  test('a public URL is plain and fetched anonymously; a private object is refused anonymously', async () => {
    const name = await publicStorage.save('pics/a photo+1 é.txt', 'public bytes');
    const url = await publicStorage.url(name);
    assert.not.match(url, /X-Amz-/);
    assert.is(url, `${server.endpoint}/${publicBucket}/pics/a%20photo%2B1%20%C3%A9.txt`);
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'public bytes');
    const secret = await privateStorage.save('secret.txt', 'private bytes');
    assert.is((await fetchFresh(`${server.endpoint}/${privateBucket}/${secret}`)).status, 403);
    assert.is(await (await fetchFresh(await privateStorage.url(secret))).text(), 'private bytes');
  });

  test('anonymous listing of a public bucket is refused unless allowAnonymousList', async () => {
    assert.is((await fetchFresh(`${server.endpoint}/${publicBucket}?list-type=2`)).status, 403);
    const listed = randomBucket('listed');
    created.push(listed);
    await initializeBuckets({
      ...connection(server),
      bucket: listed,
      publicBuckets: [listed],
      allowAnonymousList: true,
    });
    assert.is((await fetchFresh(`${server.endpoint}/${listed}?list-type=2`)).status, 200);
  });

  test('a URL signed for an external endpoint (localhost vs 127.0.0.1) is fetched', async () => {
    // The other name of the loopback address the server is on: a binary listens on
    // 127.0.0.1, testcontainers reports `localhost`.
    const { hostname } = new URL(server.endpoint);
    assert.ok(['127.0.0.1', 'localhost'].includes(hostname), `the test server is not on loopback: ${hostname}`);
    const other = hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    const external = server.endpoint.replace(hostname, other);
    const storage = createMinioStorage({ ...settings, externalEndpoint: new URL(external).host });
    const name = await storage.save('external file.txt', 'via localhost');
    const url = await storage.url(name, { expiresIn: 60 });
    assert.ok(url.startsWith(`${external}/${privateBucket}/external%20file.txt?`), url);
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'via localhost');
    // Signed for the other name, the same URL is refused on the server's own: the host is part of the signature.
    assert.is((await fetchFresh(url.replace(`//${other}`, `//${hostname}`))).status, 403);
    const pub = createMinioStorage({ ...settings, bucket: publicBucket, externalEndpoint: new URL(external).host });
    assert.ok((await pub.url('x.txt')).startsWith(`${external}/${publicBucket}/`));
  });

  test('presigning sends no request (offline, region set)', async () => {
    const proxy = await startCountingProxy(server.endpoint);
    try {
      const storage = createMinioStorage({ ...settings, endpoint: proxy.host, externalEndpoint: '127.0.0.1:1' });
      const name = await storage.save('offline.txt', 'x');
      const before = proxy.count();
      const url = await storage.url(name, { expiresIn: 60, download: 'offline.txt' });
      await storage.url(name);
      assert.is(proxy.count(), before, 'requests while presigning');
      // An upload URL reserves its name first (one conditional PUT); the policy itself is signed offline.
      await storage.createUploadUrl('upload.txt', { contentType: 'text/plain', maxSize: 10 });
      assert.is(proxy.count(), before + 1, 'requests for an upload URL: its reservation only');
      assert.ok(url.startsWith(`http://127.0.0.1:1/${privateBucket}/offline.txt?`), url);
    } finally {
      await proxy.close();
    }
  });

  test('an expired presigned URL is refused', async () => {
    const name = await privateStorage.save('expiring.txt', 'soon gone');
    const url = await privateStorage.url(name, { expiresIn: 1 });
    assert.is((await fetchFresh(url)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.is((await fetchFresh(url)).status, 403);
  });

  test('url(name, { download }) makes the server send Content-Disposition', async () => {
    const name = await privateStorage.save('download/report 1.pdf', 'pdf');
    const response = await fetchFresh(await privateStorage.url(name, { download: 'my report é.pdf' }));
    assert.is(response.status, 200);
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="my report _.pdf"/);
  });

  test('initializeBuckets twice: the second report changes nothing; a bucket made private loses its policy', async () => {
    const { rules, ...again } = await initializeBuckets(settings);
    assert.equal(again, {
      created: [],
      policySet: [],
      policyRemoved: [],
      unchanged: [privateBucket, publicBucket].sort(),
    });
    assert.equal(
      rules.filter((rule) => rule.status === 'set'),
      [],
      'no bucket rule written again',
    );
    const flip = randomBucket('flip');
    created.push(flip);
    assert.equal((await initializeBuckets({ ...connection(server), bucket: flip, publicBuckets: [flip] })).policySet, [
      flip,
    ]);
    const storage = createMinioStorage({ ...connection(server), bucket: flip, privateBuckets: [flip] });
    const name = await storage.save('was-public.txt', 'x');
    assert.is((await fetchFresh(`${server.endpoint}/${flip}/${name}`)).status, 200);
    assert.equal((await storage.initializeBuckets()).policyRemoved, [flip]);
    assert.is((await fetchFresh(`${server.endpoint}/${flip}/${name}`)).status, 403);
  });

  test('a policy hook is applied and read back from the server', async () => {
    const bucket = randomBucket('hook');
    created.push(bucket);
    const policy = sharedReadPolicy(bucket, 'shared/');
    const options: MinioOptions = {
      ...connection(server),
      bucket,
      privateBuckets: [bucket],
      policyHooks: [[bucket, policy]],
    };
    const { rules: _, ...report } = await initializeBuckets(options);
    assert.equal(report, { created: [bucket], policySet: [bucket], policyRemoved: [], unchanged: [] });
    const stored = JSON.parse(await admin.getBucketPolicy(bucket)) as PolicyDocument;
    assert.ok(samePolicy(stored, policy), JSON.stringify(stored));
    const storage = createMinioStorage(options);
    const shared = await storage.save('shared/a.txt', 'shared');
    const hidden = await storage.save('other/a.txt', 'hidden');
    assert.is((await fetchFresh(`${server.endpoint}/${bucket}/${shared}`)).status, 200);
    assert.is((await fetchFresh(`${server.endpoint}/${bucket}/${hidden}`)).status, 403);
  });

  test('upload URL: the server accepts a right upload, refuses a too large one and another type', async () => {
    const upload = await privateStorage.createUploadUrl('uploads/form.txt', {
      contentType: 'text/plain',
      maxSize: 10,
      expiresIn: 60,
    });
    assert.is(upload.method, 'POST');
    const post = (body: string, type: string) => {
      const form = new FormData();
      for (const [key, value] of Object.entries(upload.fields ?? {})) form.append(key, value);
      if (type !== upload.fields?.['Content-Type']) form.set('Content-Type', type);
      form.append('file', new Blob([body], { type }), 'form.txt');
      return fetchFresh(upload.url, { method: 'POST', body: form });
    };
    assert.is((await post('0123456789A', 'text/plain')).status, 400, 'too large');
    assert.is((await post('ok', 'image/png')).status, 403, 'wrong content type');
    assert.is(await privateStorage.exists('uploads/form.txt'), false);
    assert.ok((await post('ok', 'text/plain')).status < 300, 'right upload');
    assert.is(await (await privateStorage.open('uploads/form.txt')).text(), 'ok');
  });

  test('a missing bucket is INVALID_CONFIG, never "no such file"; bucketCheckOnSave creates it once', async () => {
    const bucket = randomBucket('missing');
    created.push(bucket);
    const proxy = await startCountingProxy(server.endpoint);
    try {
      const plain = createMinioStorage({ ...connection(server), bucket, publicBuckets: [bucket] });
      await rejectsWith(plain.exists('a.txt'), 'INVALID_CONFIG', 'exists');
      await rejectsWith(plain.open('a.txt'), 'INVALID_CONFIG', 'open');
      await rejectsWith(plain.save('a.txt', 'x'), 'INVALID_CONFIG', 'save');
      const checking = createMinioStorage({
        ...connection(server),
        endpoint: proxy.host,
        bucket,
        publicBuckets: [bucket],
        bucketCheckOnSave: true,
      });
      await Promise.all([checking.save('a.txt', 'one'), checking.save('b.txt', 'two')]);
      await checking.save('c.txt', 'three');
      assert.is(
        proxy.count((line) => line === `HEAD /${bucket}`),
        1,
        'bucket checks',
      );
      assert.is(await (await fetchFresh(`${server.endpoint}/${bucket}/a.txt`)).text(), 'one', 'public policy set');
    } finally {
      await proxy.close();
    }
  });

  test('consistencyCheckOnStart runs initializeBuckets once per process', async () => {
    const bucket = randomBucket('start');
    created.push(bucket);
    const proxy = await startCountingProxy(server.endpoint);
    try {
      const options = { ...connection(server), endpoint: proxy.host, bucket, publicBuckets: [bucket] };
      const first = createMinioStorage({ ...options, consistencyCheckOnStart: true });
      const second = createMinioStorage({ ...options, consistencyCheckOnStart: true });
      await Promise.all([first.save('a.txt', 'a'), second.save('b.txt', 'b'), first.exists('a.txt')]);
      await second.listdir('');
      assert.is(
        proxy.count((line) => line === `PUT /${bucket}`),
        1,
        'bucket created once',
      );
      assert.is(
        proxy.count((line) => line === `HEAD /${bucket}`),
        1,
        'checked once',
      );
    } finally {
      await proxy.close();
    }
  });

  test('isAvailable asks /minio/health/live', async () => {
    const health = await privateStorage.isAvailable();
    assert.is(health.available, true);
    assert.is(health.status, 200);
    const down = await createMinioStorage({ ...settings, endpoint: '127.0.0.1:1' }).isAvailable();
    assert.is(down.available, false);
    assert.is(down.status, undefined);
  });

  test.run();
}

function writes(server: S3ServerInfo, admin: Client): void {
  const test = suite('minio: large writes, reservations, location');
  const bucket = randomBucket('writes');
  const options: MinioOptions = { ...connection(server), bucket, privateBuckets: [bucket], partSize: PART_SIZE };
  const storage = createMinioStorage(options);
  test.before(() => storage.initializeBuckets().then(() => undefined));
  test.after(() => removeBucket(admin, bucket));

  test('two large saves of one name racing: two names, each with its own bytes, no upload left', async () => {
    const sources = [generatedStream(12 * MiB), generatedStream(12 * MiB)];
    const names = await Promise.all(sources.map((source) => storage.save('race/big.bin', source.stream)));
    assert.is(new Set(names).size, 2, names.join(', '));
    assert.ok(names.includes('race/big.bin'));
    for (const [index, name] of names.entries()) {
      const stored = await hashStream((await storage.open(name)).stream());
      assert.is(stored.size, 12 * MiB);
      assert.is(stored.sha256, sources[index]?.digest(), name);
    }
    assert.equal(await incompleteUploads(admin, bucket), []);
  });

  test('a large save onto a taken name keeps the original', async () => {
    const original = await storage.save('taken/big.bin', 'original');
    const source = generatedStream(6 * MiB);
    const stored = await storage.save('taken/big.bin', source.stream);
    assert.is.not(stored, original);
    assert.is(await (await storage.open(original)).text(), 'original');
    assert.is((await hashStream((await storage.open(stored)).stream())).sha256, source.digest());
  });

  test('a large source failing after the first part leaves no object, reservation or upload', async () => {
    const source = Readable.from(
      (async function* () {
        yield randomBytes(PART_SIZE + 1);
        yield randomBytes(MiB);
        throw new Error('the source broke off');
      })(),
    );
    await rejectsWith(storage.save('broken/big.bin', source), 'UNEXPECTED', 'save');
    await rejectsWith(storage.save('broken/small.bin', failingStream(100)), 'UNEXPECTED', 'small save');
    const keys = await rawKeys(admin, bucket, 'broken/');
    assert.equal(keys, []);
    assert.equal(await incompleteUploads(admin, bucket), []);
  });

  test('a name reserved by an upload in progress is invisible: NOT_FOUND, not listed, not taken over', async () => {
    await admin.putObject(bucket, 'pending/file.bin', Buffer.alloc(0), 0, { [PENDING_METADATA]: 'someone' });
    assert.is(await storage.exists('pending/file.bin'), false);
    await rejectsWith(storage.open('pending/file.bin'), 'NOT_FOUND', 'open');
    assert.equal(await storage.listdir('pending'), { directories: [], files: [] });
    const stored = await storage.save('pending/file.bin', 'mine');
    assert.is.not(stored, 'pending/file.bin');
  });

  test('keys that look like numbers list as written (minio-js would turn 007 into 7)', async () => {
    for (const name of ['num/007', 'num/0x10', 'num/1e3', 'num/true']) await storage.save(name, name);
    assert.equal((await storage.listdir('num')).files, ['007', '0x10', '1e3', 'true']);
  });

  test('location keeps two storages apart in one bucket', async () => {
    const left = createMinioStorage({ ...options, location: 'apps/left' });
    const right = createMinioStorage({ ...options, location: 'apps/right/' });
    await left.save('same.txt', 'left');
    await right.save('same.txt', 'right');
    assert.is(await (await left.open('same.txt')).text(), 'left');
    assert.equal(await right.listdir(''), { directories: [], files: ['same.txt'] });
    assert.ok((await left.url('same.txt')).includes(`/${bucket}/apps/left/same.txt?`));
    assert.equal(await rawKeys(admin, bucket, 'apps/'), ['apps/left/same.txt', 'apps/right/same.txt']);
  });

  test('metadata keys that are also header names stay user metadata', async () => {
    const name = await storage.save('meta.txt', 'm', { metadata: { 'cache-control': 'user value', colour: 'blue' } });
    const stat = await storage.stat(name);
    assert.equal(stat.metadata, { 'cache-control': 'user value', colour: 'blue' });
    assert.is(stat.cacheControl, undefined);
    await rejectsWith(
      storage.save('meta2.txt', 'm', { metadata: { [PENDING_METADATA]: 'x' } }),
      'INVALID_CONFIG',
      'marker',
    );
  });

  test.run();
}

function configuration(server: S3ServerInfo, admin: Client): void {
  const test = suite('minio: configuration');
  const bucket = randomBucket('env');
  const env = {
    STORAGE_DRIVER: 'minio',
    MINIO_ENDPOINT: new URL(server.endpoint).host,
    MINIO_ACCESS_KEY: server.accessKey,
    MINIO_SECRET_KEY: server.secretKey,
    MINIO_DEFAULT_BUCKET: bucket,
    MINIO_PRIVATE_BUCKETS: bucket,
    MINIO_URL_EXPIRY_HOURS: '0.5',
    MINIO_BUCKET_CHECK_ON_SAVE: 'true',
    MINIO_MULTIPART_PART_SIZE: String(PART_SIZE),
  };
  test.after(() => removeBucket(admin, bucket));

  test('STORAGE_DRIVER=minio with the MINIO_* variables is all createStorageFromEnv needs', async () => {
    const storage = await createStorageFromEnv(env);
    assert.is(storage.driver.name, 'minio');
    const name = await storage.save('from-env.txt', 'configured by env');
    assert.is(await (await storage.open(name)).text(), 'configured by env');
    assert.match(await storage.url(name), /X-Amz-Expires=1800&/);
  });

  test('a bad variable is INVALID_CONFIG naming it', async () => {
    const bad: Record<string, string> = {
      MINIO_ENDPOINT: 'http://minio:9000/path',
      MINIO_USE_HTTPS: 'maybe',
      MINIO_URL_EXPIRY_HOURS: '169',
      MINIO_PUBLIC_BUCKETS: 'Not_A_Bucket',
      MINIO_MULTIPART_PART_SIZE: '1024',
      MINIO_POLICY_HOOKS: '[["bucket"]]',
      MINIO_EXTERNAL_ENDPOINT: 'ftp://cdn.example.com',
      MINIO_LOCATION: '../up',
    };
    for (const [variable, value] of Object.entries(bad)) {
      const error = await rejectsWith(createStorageFromEnv({ ...env, [variable]: value }), 'INVALID_CONFIG', variable);
      assert.ok(error.message.includes(variable), `${variable}: ${error.message}`);
    }
    for (const variable of ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']) {
      const error = await rejectsWith(
        createStorageFromEnv({ ...env, [variable]: undefined }),
        'INVALID_CONFIG',
        variable,
      );
      assert.ok(error.message.includes(variable), error.message);
    }
    const both = await rejectsWith(
      createStorageFromEnv({ ...env, MINIO_PUBLIC_BUCKETS: bucket }),
      'INVALID_CONFIG',
      'both lists',
    );
    assert.match(both.message, /MINIO_PUBLIC_BUCKETS/);
  });

  test('bad options are INVALID_CONFIG: unknown keys, URL expiry beyond 7 days or under 1 s, wrong types', () => {
    const base = { ...connection(server), bucket };
    for (const options of [
      { ...base, bucketName: 'typo' },
      { ...base, urlExpirySeconds: 7 * 24 * 3600 + 1 },
      { ...base, urlExpirySeconds: 0 },
      { ...base, partSize: 1024 },
      { ...base, useHttps: 'yes' },
      { ...base, publicBuckets: [bucket], privateBuckets: [bucket] },
      { ...base, secretKey: undefined },
    ]) {
      try {
        createMinioStorage(options as MinioOptions);
        assert.unreachable(JSON.stringify(Object.keys(options)));
      } catch (error) {
        assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
      }
    }
  });

  test('a ready client (created with a region) is used for traffic and signing', async () => {
    const client = adminClient(server);
    const storage = createMinioStorage({ client, endpoint: server.endpoint, bucket, bucketCheckOnSave: true });
    assert.is(storage.driver.client, client);
    const name = await storage.save('own-client.txt', 'through my client');
    assert.is(await (await fetchFresh(await storage.url(name, { expiresIn: 60 }))).text(), 'through my client');
    const url = new URL(server.endpoint);
    const regionless = new Client({
      endPoint: url.hostname,
      port: Number(url.port),
      useSSL: false,
      accessKey: 'a',
      secretKey: 'b',
    });
    try {
      createMinioStorage({ client: regionless, endpoint: server.endpoint, bucket });
      assert.unreachable('a client without a region would ask the server while presigning');
    } catch (error) {
      assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
    }
  });

  test('the secret key never shows: inspect, JSON, messages', async () => {
    const secretKey = `not-the-key-${randomBytes(8).toString('hex')}`;
    const storage = createMinioStorage({ ...connection(server), secretKey, bucket });
    for (const shown of [inspect(storage, { depth: 10, showHidden: true }), JSON.stringify(storage)]) {
      assert.not.ok(shown.includes(secretKey), shown);
    }
    const failures = [() => storage.save('a.txt', 'x'), () => storage.open('a.txt'), () => storage.initializeBuckets()];
    for (const failure of failures) {
      const error = await rejectsWith(failure(), 'PERMISSION_DENIED', 'wrong secret key');
      for (const shown of [error.message, inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)]) {
        assert.not.ok(shown.includes(secretKey), shown);
      }
    }
    const url = await storage.url('a.txt');
    assert.not.ok(url.includes(secretKey));
  });

  test.run();
}

interface CountingProxy {
  /** `127.0.0.1:<port>`, to use as an endpoint. */
  host: string;
  /** How many requests went through, or how many of those whose `METHOD /path?query` matches. */
  count(match?: (line: string) => boolean): number;
  close(): Promise<void>;
}

/** An HTTP proxy in front of the server that records each request line (`METHOD /path?query`). */
async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const lines: string[] = [];
  const proxy: Server = createServer((req, res) => {
    lines.push(`${req.method} ${req.url ?? ''}`);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    count: (match) => (match ? lines.filter(match).length : lines.length),
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
