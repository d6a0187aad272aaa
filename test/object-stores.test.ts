/**
 * One behaviour on both object-store drivers, where the MinIO and S3 drivers once
 * differed (each was its own S3 client): the bucket check on save, the once-per-process
 * consistency check, the timeouts, the retries, the option checks, URLs and copies.
 * Every case runs on both drivers; the request-level ones against a local stub server,
 * the others against the test S3 server (MinIO).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh, throwsWith } from '../contracts/context.js';
import { createMinioStorage, type MinioOptions } from '../drivers/minio/index.js';
import { createS3Storage, type S3Options } from '../drivers/s3/index.js';
import { createStorageFromEnv } from '../src/registry.js';
import type { Storage } from '../src/storage.js';
import { adminClient, minioConnection, randomBucket, removeBucket, s3Connection } from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

type Kind = 'minio' | 's3';
const KINDS: readonly Kind[] = ['minio', 's3'];
const SECRET = 'parity-secret-key-0123456789';
// Before any suite is queued (test/support/uvu-file.ts says why).
const server = await requireServerOrSkip('s3', 'object stores: bucket plan on both drivers');

/**
 * A storage of `kind` on `endpoint` (a URL, a stub), with `extra` options that both drivers
 * take. Conditional writes are trusted: a stub is not a server whose If-None-Match could
 * be probed (faults.test.ts probes MinIO).
 */
function storageOn(kind: Kind, endpoint: string, bucket: string, extra: Record<string, unknown> = {}): Storage {
  if (kind === 'minio') {
    const options: MinioOptions = {
      endpoint,
      accessKey: 'parity-access',
      secretKey: SECRET,
      bucket,
      conditionalWrites: true,
      ...extra,
    } as MinioOptions;
    return createMinioStorage(options);
  }
  const options = {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'parity-access', secretAccessKey: SECRET },
    bucket,
    conditionalWrites: true,
    ...extra,
  } as S3Options;
  return createS3Storage(options);
}

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** A stub S3 server that records requests and answers with `respond`. */
async function startStub(
  respond: (request: Recorded) => { status: number; headers?: Record<string, string>; body?: string },
) {
  const requests: Recorded[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      requests.push(recorded);
      const { status, headers = {}, body } = respond(recorded);
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { endpoint, requests, close };
}

function xmlError(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>stub</Message></Error>`;
}

// ---------------------------------------------------------------------------------------
const requests = suite('object stores: one behaviour on both drivers (stub server)');

for (const kind of KINDS) {
  requests(
    `${kind}: a conditional write answered 409 ConditionalRequestConflict is retried under its own name`,
    async () => {
      let puts = 0;
      const stub = await startStub((r) => {
        if (r.method !== 'PUT') return { status: 200 };
        puts++;
        return puts === 1
          ? { status: 409, body: xmlError('ConditionalRequestConflict') }
          : { status: 200, headers: { etag: '"e"' } };
      });
      try {
        const storage = storageOn(kind, stub.endpoint, 'stub-bucket', { privateBuckets: ['stub-bucket'] });
        // S3 asks to retry a conflicting conditional write; it does not mean "name taken".
        assert.is(await storage.save('report.txt', 'x'), 'report.txt');
        assert.is(puts, 2);
      } finally {
        await stub.close();
      }
    },
  );

  requests(`${kind}: a copy pins its source version with x-amz-copy-source-if-match`, async () => {
    const stored = { etag: '"source-etag"', 'content-length': '6', 'last-modified': new Date().toUTCString() };
    const stub = await startStub((r) => {
      if (r.method === 'HEAD') return { status: 200, headers: stored };
      if (r.method === 'PUT' && r.headers['x-amz-copy-source'] !== undefined) {
        return { status: 200, body: '<CopyObjectResult><ETag>"source-etag"</ETag></CopyObjectResult>' };
      }
      return { status: 200, headers: { etag: '"e"' } };
    });
    try {
      const storage = storageOn(kind, stub.endpoint, 'stub-bucket', { privateBuckets: ['stub-bucket'] });
      assert.is(await storage.copy('from.txt', 'to.txt'), 'to.txt');
      const copy = stub.requests.find((r) => r.headers['x-amz-copy-source'] !== undefined);
      assert.is(copy?.headers['x-amz-copy-source-if-match'], '"source-etag"');
    } finally {
      await stub.close();
    }
  });

  requests(`${kind}: healthTimeoutMs bounds isAvailable() against a server that never answers`, async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const storage = storageOn(kind, endpoint, 'stub-bucket', {
        privateBuckets: ['stub-bucket'],
        healthTimeoutMs: 300,
      });
      const started = performance.now();
      const health = await storage.isAvailable();
      const elapsed = performance.now() - started;
      assert.is(health.available, false);
      assert.ok(elapsed < 1_900, `answered after ${Math.round(elapsed)} ms, not within the 300 ms asked for`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  requests(`${kind}: requestTimeoutMs: 0 means no timeout (option and environment variable)`, async () => {
    const stub = await startStub(() => ({ status: 200, headers: { etag: '"e"' } }));
    try {
      const storage = storageOn(kind, stub.endpoint, 'stub-bucket', {
        privateBuckets: ['stub-bucket'],
        requestTimeoutMs: 0,
      });
      assert.is(await storage.save('a.txt', 'x'), 'a.txt');
      const variable = kind === 'minio' ? 'MINIO_REQUEST_TIMEOUT_MS' : 'S3_REQUEST_TIMEOUT_MS';
      const fromEnv = await createStorageFromEnv({ ...envFor(kind, stub.endpoint), [variable]: '0' });
      assert.is(await fromEnv.save('b.txt', 'x'), 'b.txt');
    } finally {
      await stub.close();
    }
  });
}

/** The variables of a storage on the stub at `endpoint` (conditional writes trusted, as in storageOn). */
function envFor(kind: Kind, endpoint: string): Record<string, string> {
  if (kind === 'minio') {
    return {
      STORAGE_DRIVER: 'minio',
      MINIO_ENDPOINT: new URL(endpoint).host,
      MINIO_ACCESS_KEY: 'parity-access',
      MINIO_SECRET_KEY: SECRET,
      MINIO_DEFAULT_BUCKET: 'stub-bucket',
      MINIO_PRIVATE_BUCKETS: 'stub-bucket',
      MINIO_CONDITIONAL_WRITES: 'true',
    };
  }
  return {
    STORAGE_DRIVER: 's3',
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'parity-access',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_REGION: 'us-east-1',
    S3_BUCKET: 'stub-bucket',
    S3_PRIVATE_BUCKETS: 'stub-bucket',
    S3_CONDITIONAL_WRITES: 'true',
  };
}

requests.run();

// ---------------------------------------------------------------------------------------
const options = suite('object stores: options and URLs alike on both drivers (no server)');

for (const kind of KINDS) {
  options(`${kind}: replaceExisting is checked like every option (a string is INVALID_CONFIG)`, () => {
    throwsWith(
      () => storageOn(kind, 'http://127.0.0.1:9', 'media', { replaceExisting: 'false' }),
      'INVALID_CONFIG',
      `${kind} replaceExisting: 'false'`,
    );
    assert.is(storageOn(kind, 'http://127.0.0.1:9', 'media', { replaceExisting: true }).replaceExisting, true);
  });

  options(`${kind}: url(name, { download: false }) on a public bucket is the plain URL`, async () => {
    const storage = storageOn(kind, 'http://127.0.0.1:9', 'media', { publicBuckets: ['media'] });
    assert.is(await storage.url('a b.txt', { download: false }), 'http://127.0.0.1:9/media/a%20b.txt');
  });
}

options('the object-store core imports no SDK, no driver and not the facade', () => {
  const root = join(import.meta.dirname, '..');
  const core = [
    ...readdirSync(join(root, 'src/object-store')).map((file) => `src/object-store/${file}`),
    ...['object-store', 'parts', 'retry', 's3-errors', 'buckets'].map((file) => `src/${file}.ts`),
  ];
  for (const file of core) {
    const imports = [...readFileSync(join(root, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');
    for (const target of imports) {
      assert.not.match(
        target,
        /^(minio|@aws-sdk\/)|drivers\/|\/storage\.js$|\/registry\.js$/,
        `${file} imports ${target}`,
      );
    }
  }
});

options.run();

// ---------------------------------------------------------------------------------------
if (server) serverSuite(server);

function serverSuite(server: S3ServerInfo): void {
  const test = suite('object stores: bucket plan alike on both drivers (S3 server)');
  const admin = adminClient(server);
  const buckets: string[] = [];
  test.after(async () => {
    for (const bucket of buckets) await removeBucket(admin, bucket);
  });

  const on = (kind: Kind, bucket: string, extra: Record<string, unknown>): Storage =>
    kind === 'minio'
      ? createMinioStorage({ ...minioConnection(server), bucket, ...extra } as MinioOptions)
      : createS3Storage({ ...s3Connection(server), bucket, ...extra } as S3Options);

  for (const kind of KINDS) {
    test(`${kind}: bucketCheckOnSave creates a missing public bucket with its public policy`, async () => {
      const bucket = randomBucket(`check-${kind}`);
      buckets.push(bucket);
      const storage = on(kind, bucket, { publicBuckets: [bucket], bucketCheckOnSave: true });
      const name = await storage.save('hello.txt', 'public bytes');
      const response = await fetchFresh(await storage.url(name));
      assert.is(response.status, 200, 'the plain URL of a public bucket answers anonymously');
      assert.is(await response.text(), 'public bytes');
      await storage.close();
    });

    test(`${kind}: the consistency check runs again when the bucket plan differs (visibility)`, async () => {
      const bucket = randomBucket(`plan-${kind}`);
      buckets.push(bucket);
      const first = on(kind, bucket, { privateBuckets: [bucket], consistencyCheckOnStart: true });
      const name = await first.save('a.txt', 'bytes');
      assert.is((await fetchFresh(await first.url(name, { expiresIn: 60 }))).status, 200);
      // Same server, same bucket, now public: a check keyed on bucket names only would skip it.
      const second = on(kind, bucket, { publicBuckets: [bucket], consistencyCheckOnStart: true });
      assert.ok(await second.exists(name));
      const response = await fetchFresh(await second.url(name));
      assert.is(response.status, 200, 'the second plan made the bucket public');
      await first.close();
      await second.close();
    });
  }

  test.run();
}
