/**
 * The MinIO driver's error mapping and transport against a stub HTTP server that
 * answers what a real server rarely does on demand: throttling, 5xx, hanging, dropped
 * connections, 200 answers with an error inside. Behaviour is tested against MinIO in
 * minio.test.ts; this file needs no server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../contracts/context.js';
import { createMinioStorage, type MinioOptions } from '../drivers/minio/index.js';
import { isStorageError } from '../src/errors.js';
import { scrub } from '../src/s3-errors.js';

const SECRET = 'stub-secret-DoNotShow-7e1f';
const BUCKET = 'stub-bucket';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Stub {
  endpoint: string;
  /** Answers the next requests with `handler` (the default answers 200 with an empty body). */
  use(handler: Handler): void;
  requests: string[];
  close(): Promise<void>;
}

async function startStub(): Promise<Stub> {
  let current: Handler = (_req, res) => res.end();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    use: (handler) => {
      current = handler;
    },
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function xmlError(status: number, code: string, headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/xml', ...headers });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>stub</Message></Error>`);
  };
}

const test = suite('minio: error mapping and transport (stub server)');
let stub: Stub;
let options: MinioOptions;

test.before(async () => {
  stub = await startStub();
  options = {
    endpoint: stub.endpoint,
    accessKey: 'stub-access',
    secretKey: SECRET,
    bucket: BUCKET,
    privateBuckets: [BUCKET],
    requestTimeoutMs: 300,
    // A stub, not a server whose If-None-Match could be probed (faults.test.ts probes MinIO).
    conditionalWrites: true,
  };
});
test.after(() => stub.close());

test('throttling and server faults are UNAVAILABLE and retryable', async () => {
  const storage = createMinioStorage(options);
  for (const [status, code] of [
    [503, 'SlowDown'],
    [500, 'InternalError'],
    [502, 'BadGateway'],
  ] as const) {
    stub.use(xmlError(status, code));
    const error = await rejectsWith(storage.open('a.txt'), 'UNAVAILABLE', `${status}`);
    assert.ok(isStorageError(error) && error.retryable, `${status} retryable`);
  }
});

test('a 5xx answer keeps what MinIO named: a cluster short of quorum, a node still starting', async () => {
  // minio-js throws on a 5xx without reading its body; the transport reads it (client.ts).
  const storage = createMinioStorage({ ...options, maxAttempts: 1 });
  stub.use(xmlError(503, 'SlowDownWrite'));
  const write = await rejectsWith(storage.save('a.txt', 'x'), 'UNAVAILABLE', 'SlowDownWrite');
  assert.match(write.message, /write quorum.*\(SlowDownWrite, HTTP 503\)/);
  stub.use(xmlError(503, 'SlowDownRead'));
  const read = await rejectsWith(storage.open('a.txt'), 'UNAVAILABLE', 'SlowDownRead');
  assert.match(read.message, /read quorum.*\(SlowDownRead, HTTP 503\)/);
  stub.use((_req, res) => {
    res.writeHead(503, { 'x-minio-error-code': 'XMinioServerNotInitialized' }).end();
  });
  const head = await rejectsWith(storage.exists('a.txt'), 'UNAVAILABLE', 'HEAD while starting');
  assert.match(head.message, /still starting.*\(XMinioServerNotInitialized, HTTP 503\)/);
  // The connection is free again: the next request on it gets its answer.
  stub.use((_req, res) => {
    res.writeHead(404, { 'x-minio-error-code': 'NoSuchKey' }).end();
  });
  assert.is(await storage.exists('a.txt'), false);
  await storage.close();
});

test('with several endpoints, one that cannot serve now (a node starting, one short of quorum) is moved past', async () => {
  const other = await startStub();
  const storage = createMinioStorage({ ...options, endpoints: [other.endpoint], maxAttempts: 2 });
  const missing: Handler = (_req, res) => {
    res.writeHead(404, { 'x-minio-error-code': 'NoSuchKey' }).end();
  };
  const refusing =
    (code: string): Handler =>
    (_req, res) => {
      res.writeHead(503, { 'x-minio-error-code': code }).end();
    };
  try {
    // The endpoint in use answers 503 with the code; the next answers: attempt 2 goes there.
    for (const [code, inUse, next] of [
      ['XMinioServerNotInitialized', stub, other],
      ['SlowDownRead', other, stub],
      ['SlowDownWrite', stub, other],
    ] as const) {
      inUse.use(refusing(code));
      next.use(missing);
      const asked = next.requests.length;
      assert.is(await storage.exists('a.txt'), false, `${code}: answered by the next endpoint`);
      assert.is(next.requests.length, asked + 1, `${code}: one request to the next endpoint`);
    }
  } finally {
    await storage.close();
    await other.close();
    stub.use((_req, res) => res.end());
  }
});

test('S3 codes: AccessDenied, NoSuchKey, NoSuchBucket (never NOT_FOUND), InvalidAccessKeyId', async () => {
  const storage = createMinioStorage(options);
  stub.use(xmlError(403, 'AccessDenied'));
  await rejectsWith(storage.open('a.txt'), 'PERMISSION_DENIED', 'AccessDenied');
  stub.use(xmlError(403, 'InvalidAccessKeyId'));
  await rejectsWith(storage.save('a.txt', 'x'), 'PERMISSION_DENIED', 'InvalidAccessKeyId');
  stub.use(xmlError(404, 'NoSuchKey'));
  await rejectsWith(storage.open('a.txt'), 'NOT_FOUND', 'NoSuchKey');
  stub.use(xmlError(404, 'NoSuchBucket'));
  await rejectsWith(storage.open('a.txt'), 'INVALID_CONFIG', 'NoSuchBucket on GET');
  await rejectsWith(storage.save('a.txt', 'x'), 'INVALID_CONFIG', 'NoSuchBucket on PUT');
  await rejectsWith(storage.listdir(''), 'INVALID_CONFIG', 'NoSuchBucket on list');
});

test('HEAD has no body: MinIO names a missing bucket in x-minio-error-code', async () => {
  const storage = createMinioStorage(options);
  stub.use((_req, res) => {
    res.writeHead(404, { 'x-minio-error-code': 'NoSuchBucket' }).end();
  });
  await rejectsWith(storage.exists('a.txt'), 'INVALID_CONFIG', 'exists on a missing bucket');
  stub.use((_req, res) => {
    res.writeHead(404, { 'x-minio-error-code': 'NoSuchKey' }).end();
  });
  assert.is(await storage.exists('a.txt'), false);
});

test('a server that does not answer: UNAVAILABLE after requestTimeoutMs', async () => {
  const storage = createMinioStorage(options);
  stub.use(() => {});
  const started = Date.now();
  const error = await rejectsWith(storage.stat('a.txt'), 'UNAVAILABLE', 'hanging');
  assert.ok(Date.now() - started < 3_000, `${Date.now() - started} ms`);
  assert.ok(isStorageError(error) && error.retryable);
});

test('a streamed PUT whose connection closes after the whole body went out, with no answer, fails (never hangs)', async () => {
  const storage = createMinioStorage({ ...options, partSize: 5 * 1024 * 1024, maxAttempts: 1 });
  const bytes = Buffer.alloc(6 * 1024 * 1024, 7);
  let streamed = 0;
  stub.use((req, res) => {
    if (req.method === 'PUT' && req.headers['x-amz-content-sha256'] === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
      // Read it all, then drop the connection without a word.
      streamed++;
      req.on('end', () => req.socket.destroy());
      return;
    }
    if (req.method === 'PUT') return void res.writeHead(200, { ETag: '"reserved"' }).end();
    if (req.method === 'HEAD' || req.method === 'GET')
      return void res.writeHead(404, { 'x-minio-error-code': 'NoSuchKey' }).end();
    res.writeHead(204).end();
  });
  const started = Date.now();
  // Before the fix the save waited forever: a time limit turns that into a failure here.
  let limit: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    limit = setTimeout(() => reject(new Error('the save still waits after 10 s')), 10_000);
  });
  const error = await rejectsWith(
    Promise.race([storage.save('streamed.bin', Readable.from([bytes]), { size: bytes.length }), hung]),
    'UNAVAILABLE',
    'streamed PUT without an answer',
  ).finally(() => clearTimeout(limit));
  assert.is(streamed, 1, 'the streamed PUT was sent');
  assert.ok(isStorageError(error) && error.retryable);
  // Promptly: within a few of the stub's 300 ms idle limits even on a loaded machine.
  assert.ok(Date.now() - started < 3_000, `${Date.now() - started} ms`);
});

test('a dropped connection and a refused one are UNAVAILABLE naming the endpoint', async () => {
  stub.use((req) => req.socket.destroy());
  const error = await rejectsWith(createMinioStorage(options).stat('a.txt'), 'UNAVAILABLE', 'dropped');
  assert.ok(error.message.includes(stub.endpoint), error.message);
  const refused = await rejectsWith(
    createMinioStorage({ ...options, endpoint: '127.0.0.1:1' }).stat('a.txt'),
    'UNAVAILABLE',
    'refused',
  );
  assert.ok(refused.message.includes('127.0.0.1:1'), refused.message);
});

test('after a 412 that drops the connection (as MinIO does), the next request gets a fresh socket', async () => {
  const storage = createMinioStorage(options);
  let answered = 0;
  stub.use((req, res) => {
    answered++;
    if (req.method === 'PUT' && answered === 1) {
      // MinIO answers 412 and closes the connection a moment later, without
      // Connection: close (it writes the error twice; drivers/minio/client.ts).
      const body = '<Error><Code>PreconditionFailed</Code><Message>x</Message></Error>';
      const head = `HTTP/1.1 412 Precondition Failed\r\nContent-Type: application/xml\r\nContent-Length: ${body.length}\r\n\r\n`;
      const socket = req.socket;
      socket.write(head + body);
      setTimeout(() => socket.destroy(), 50);
      return;
    }
    res.writeHead(200, { ETag: '"abc"' }).end();
  });
  const stored = await storage.save('taken.txt', 'x');
  assert.match(stored, /^taken_[A-Za-z0-9]{7}\.txt$/);
});

test('a 200 answer with an <Error> inside (CopyObject, CompleteMultipartUpload) is an error', async () => {
  const storage = createMinioStorage({ ...options, replaceExisting: true });
  stub.use((req, res) => {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Length': '3', ETag: '"e"', 'Last-Modified': new Date().toUTCString() }).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/xml' });
    res.end('<?xml version="1.0"?>\n<Error><Code>InternalError</Code><Message>copy failed</Message></Error>');
  });
  const error = await rejectsWith(storage.copy('a.txt', 'b.txt'), 'UNAVAILABLE', 'copy');
  assert.ok(isStorageError(error) && error.retryable);
});

test('isAvailable: only 200 from /minio/health/live and /minio/health/cluster is available (403 is not "up")', async () => {
  const storage = createMinioStorage(options);
  stub.use((req, res) => res.writeHead(req.url?.startsWith('/minio/health/') ? 200 : 500).end());
  assert.equal((await storage.isAvailable()).available, true);
  stub.use((req, res) => res.writeHead(req.url === '/minio/health/live' ? 200 : 503).end());
  const noQuorum = await storage.isAvailable();
  assert.is(noQuorum.available, false, 'live, but without write quorum');
  assert.is(noQuorum.status, 503);
  assert.match(noQuorum.details, /cannot write/);
  stub.use((_req, res) => res.writeHead(403).end());
  const refused = await storage.isAvailable();
  assert.is(refused.available, false);
  assert.is(refused.status, 403);
  stub.use(() => {});
  const silent = await storage.isAvailable();
  assert.is(silent.available, false);
  assert.ok(silent.latencyMs < 3_000, `${silent.latencyMs} ms`);
});

test("a POSIX-backed server's file/directory clash (versitygw 409s) reads as the fs driver's", async () => {
  const storage = createMinioStorage(options);
  stub.use((req, res) => {
    if (req.method === 'PUT') return xmlError(409, 'ObjectParentIsFile')(req, res);
    res.writeHead(req.url === `/${BUCKET}/clash/a` ? 200 : 404, { 'Content-Length': '0', ETag: '"e"' }).end();
  });
  const error = await rejectsWith(storage.save('clash/a/b', 'x'), 'ALREADY_EXISTS', 'under a file');
  assert.match(error.message, '"clash/a" is a file');
  let puts = 0;
  stub.use((req, res) => {
    if (req.method === 'PUT' && puts++ === 0) return xmlError(409, 'ExistingObjectIsDirectory')(req, res);
    res.writeHead(200, { ETag: '"e"' }).end();
  });
  assert.match(await storage.save('d', 'x'), /^d_[A-Za-z0-9]{7}$/, 'a directory takes its name as a file would');
  stub.use(xmlError(409, 'ExistingObjectIsDirectory'));
  const replacing = createMinioStorage({ ...options, replaceExisting: true });
  const refused = await rejectsWith(replacing.save('d', 'x'), 'ALREADY_EXISTS', 'replacing a directory');
  assert.match(refused.message, 'directory');
});

test('messages never carry the secret key, a signature or a query string', async () => {
  const storage = createMinioStorage(options);
  stub.use(xmlError(403, 'SignatureDoesNotMatch'));
  const error = await rejectsWith(storage.open('a.txt'), 'PERMISSION_DENIED', 'signature');
  for (const shown of [error.message, inspect(error, { depth: 10, showHidden: true }), JSON.stringify(error)]) {
    assert.not.ok(shown.includes(SECRET), shown);
  }
  const text = scrub(
    `GET http://h:9000/b/k?X-Amz-Signature=abc123&X-Amz-Credential=AKIA fails; Signature=deadbeef ${SECRET}`,
    [SECRET],
  );
  assert.not.match(text, /abc123|deadbeef|AKIA|X-Amz-Credential=/);
  assert.not.ok(text.includes(SECRET));
  assert.ok(text.includes('http://h:9000/b/k'), text);
});

test.run();
