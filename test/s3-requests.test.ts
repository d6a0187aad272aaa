/**
 * The S3 driver at the request level, against a local HTTP spy server that records
 * every request and answers what each test scripts: the error mapping (status, S3
 * code, HEAD without a body, network errors), and which checksum headers and
 * presigned-URL parameters each checksum setting produces. No S3 server needed.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith, throwsWith } from '../contracts/context.js';
import { createS3Storage, mapS3Error, type S3Options } from '../drivers/s3/index.js';
import { isStorageError } from '../src/errors.js';
import { crc32Base64 } from '../src/object-store/aws-chunked.js';
import { createStorageFromEnv } from '../src/registry.js';

const SECRET = 'spy-secret-key-do-not-print-0123456789';

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

type Responder = (request: Recorded) => {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Drop the connection instead of answering (the request was processed, the answer lost). */
  drop?: boolean;
};

/** An HTTP server that records requests and answers with `respond`. */
class Spy {
  readonly requests: Recorded[] = [];
  respond: Responder = () => ({ status: 200 });
  #server: Server | undefined;
  endpoint = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  reset(respond: Responder): void {
    this.requests.length = 0;
    this.respond = respond;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.requests.push(recorded);
    const { status, headers = {}, body, drop } = this.respond(recorded);
    if (drop) {
      req.socket.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/xml', ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}

const spy = new Spy();

function storage(extra: Partial<S3Options> = {}) {
  return createS3Storage({
    bucket: 'spy-bucket',
    endpoint: spy.endpoint,
    credentials: { accessKeyId: 'AKIDSPY', secretAccessKey: SECRET },
    // A spy, not a server whose If-None-Match could be probed (faults.test.ts probes MinIO).
    conditionalWrites: true,
    ...extra,
  });
}

function s3Error(code: string, message = 'scripted'): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>1</RequestId></Error>`;
}

const OK_PUT = { status: 200, headers: { etag: '"abc"' } };

// ---------------------------------------------------------------------------------------
const errors = suite('s3 requests: error mapping');
errors.before(() => spy.start());
errors.after(() => spy.stop());

errors('HeadObject 404 without a body is NOT_FOUND once HeadBucket confirms the bucket', async () => {
  spy.reset((r) => ({ status: /^\/spy-bucket\/[^?]+/.test(r.url) ? 404 : 200 }));
  const s = storage();
  assert.is(await s.exists('missing.txt'), false);
  await rejectsWith(s.stat('missing.txt'), 'NOT_FOUND', 'stat');
  assert.equal(
    spy.requests.slice(0, 2).map((r) => `${r.method} ${r.url.split('?')[0]}`),
    ['HEAD /spy-bucket/missing.txt', 'HEAD /spy-bucket/'],
  );
});

errors('a missing bucket is INVALID_CONFIG, never "the object does not exist"', async () => {
  spy.reset(() => ({ status: 404 }));
  const s = storage();
  await rejectsWith(s.exists('a.txt'), 'INVALID_CONFIG', 'exists on a missing bucket');
  spy.reset(() => ({ status: 404, body: s3Error('NoSuchBucket') }));
  await rejectsWith(s.open('a.txt'), 'INVALID_CONFIG', 'open on a missing bucket');
  await rejectsWith(s.listdir(''), 'INVALID_CONFIG', 'listdir on a missing bucket');
  await rejectsWith(s.delete('a.txt'), 'INVALID_CONFIG', 'delete on a missing bucket');
});

errors('GetObject NoSuchKey is NOT_FOUND; AccessDenied is PERMISSION_DENIED', async () => {
  const s = storage();
  spy.reset(() => ({ status: 404, body: s3Error('NoSuchKey') }));
  await rejectsWith(s.open('a.txt'), 'NOT_FOUND', 'NoSuchKey');
  spy.reset(() => ({ status: 403, body: s3Error('AccessDenied') }));
  await rejectsWith(s.open('a.txt'), 'PERMISSION_DENIED', 'AccessDenied');
  spy.reset(() => ({ status: 403 }));
  await rejectsWith(s.stat('a.txt'), 'PERMISSION_DENIED', 'HEAD 403 without a body');
});

errors('a 416 on a range read is an empty body, as on fs and memory', async () => {
  spy.reset((r) =>
    r.method === 'HEAD'
      ? { status: 200, headers: { 'content-length': '5', 'last-modified': new Date().toUTCString(), etag: '"e"' } }
      : { status: 416, body: s3Error('InvalidRange') },
  );
  const file = await storage().open('a.txt', { range: { start: 10 } });
  assert.is(file.size, 5);
  assert.is((await file.bytes()).length, 0);
  assert.is(spy.requests[0]?.headers.range, 'bytes=10-');
});

errors('503 SlowDown is UNAVAILABLE and retryable; 501 is UNSUPPORTED', async () => {
  const s = storage();
  spy.reset(() => ({ status: 503, body: s3Error('SlowDown') }));
  const slow = await rejectsWith(s.open('a.txt'), 'UNAVAILABLE', 'SlowDown');
  assert.ok(isStorageError(slow) && slow.retryable);
  spy.reset(() => ({ status: 501, body: s3Error('NotImplemented') }));
  await rejectsWith(s.save('a.txt', 'x'), 'UNSUPPORTED', 'NotImplemented');
});

errors('412 on a conditional PUT moves on to the next name', async () => {
  let puts = 0;
  spy.reset((r) => {
    if (r.method !== 'PUT') return { status: 200 };
    puts++;
    return puts === 1 ? { status: 412, body: s3Error('PreconditionFailed') } : OK_PUT;
  });
  const name = await storage().save('dir/report.txt', 'x');
  assert.match(name, /^dir\/report_[A-Za-z0-9]{7}\.txt$/);
  const put = spy.requests.filter((r) => r.method === 'PUT');
  assert.is(put.length, 2);
  assert.ok(
    put.every((r) => r.headers['if-none-match'] === '*'),
    'every create is conditional',
  );
});

errors('replaceExisting sends no condition; conditionalWrites: false checks first', async () => {
  spy.reset((r) => (r.method === 'HEAD' ? { status: 404 } : OK_PUT));
  await storage({ replaceExisting: true }).save('a.txt', 'x');
  assert.is(spy.requests.at(-1)?.headers['if-none-match'], undefined);
  spy.requests.length = 0;
  const fallback = storage({ conditionalWrites: false });
  assert.is(fallback.capabilities.conditionalCreate, false);
  await fallback.save('a.txt', 'x');
  assert.equal(
    spy.requests.map((r) => r.method),
    ['HEAD', 'PUT'],
  );
  assert.is(spy.requests[1]?.headers['if-none-match'], undefined);
});

errors('a copy whose answer was lost, retried into 412, is recognised by its ETag, not reported as lost', async () => {
  let copies = 0;
  const stored = { etag: '"source-etag"', 'content-length': '6', 'last-modified': new Date().toUTCString() };
  spy.reset((r) => {
    if (r.method === 'HEAD' && r.url.startsWith('/spy-bucket/from.txt')) return { status: 200, headers: stored };
    if (r.method === 'PUT' && r.headers['x-amz-copy-source'] === undefined) {
      return { status: 200, headers: { etag: '"reservation"' } };
    }
    if (r.method === 'PUT') {
      copies++;
      // The first copy lands but its answer is lost; the retry finds the reservation gone.
      return copies === 1 ? { status: 0, drop: true } : { status: 412, body: s3Error('PreconditionFailed') };
    }
    if (r.method === 'HEAD') return { status: 200, headers: stored };
    return { status: 200 };
  });
  assert.is(await storage().copy('from.txt', 'to.txt'), 'to.txt');
  assert.is(copies, 2, 'the copy was retried once');
});

errors('network errors are UNAVAILABLE, retryable, and name the endpoint', async () => {
  const s = createS3Storage({
    bucket: 'spy-bucket',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET },
  });
  const error = await rejectsWith(s.stat('a.txt'), 'UNAVAILABLE', 'refused');
  assert.ok(isStorageError(error) && error.retryable);
  assert.ok(error.message.includes('http://127.0.0.1:1'), 'names the endpoint');
  const health = await s.isAvailable();
  assert.is(health.available, false);
  assert.is(health.status, undefined);
});

errors('no message, inspect() or JSON of the storage contains the secret or a signature', async () => {
  spy.reset(() => ({
    status: 403,
    body: s3Error('SignatureDoesNotMatch', `X-Amz-Signature=${'ab'.repeat(32)} ${SECRET}`),
  }));
  const s = storage();
  const error = await rejectsWith(s.open('a.txt'), 'PERMISSION_DENIED', 'bad signature');
  for (const text of [error.message, JSON.stringify(error), inspect(s, { depth: 10 }), JSON.stringify(s)]) {
    assert.not.ok(text.includes(SECRET), text);
    assert.not.ok(text.includes('ab'.repeat(32)), text);
  }
  const direct = mapS3Error(
    { name: 'AccessDenied', message: SECRET, $metadata: { httpStatusCode: 403 } },
    { secrets: [SECRET] },
  );
  assert.not.ok(direct.message.includes(SECRET));
});

errors('mapS3Error: codes from name, Code and status', () => {
  const cases: Array<[object, string]> = [
    [{ name: 'NotFound', $metadata: { httpStatusCode: 404 } }, 'NOT_FOUND'],
    [{ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }, 'NOT_FOUND'],
    [{ name: 'NoSuchBucket', Code: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }, 'INVALID_CONFIG'],
    [{ name: 'Unknown', $metadata: { httpStatusCode: 403 } }, 'PERMISSION_DENIED'],
    [{ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }, 'PRECONDITION_FAILED'],
    [{ name: 'ConditionalRequestConflict', $metadata: { httpStatusCode: 409 } }, 'PRECONDITION_FAILED'],
    [{ name: 'InternalError', $metadata: { httpStatusCode: 500 } }, 'UNAVAILABLE'],
    [{ name: 'Error', code: 'ECONNRESET', $metadata: {} }, 'UNAVAILABLE'],
    [{ name: 'TimeoutError', $metadata: {} }, 'UNAVAILABLE'],
    [{ name: 'CredentialsProviderError', $metadata: {} }, 'INVALID_CONFIG'],
    [{ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }, 'UNEXPECTED'],
  ];
  for (const [error, code] of cases) assert.is(mapS3Error(error).code, code, JSON.stringify(error));
});

errors.run();

// ---------------------------------------------------------------------------------------
const checksums = suite('s3 requests: checksum settings');
checksums.before(() => spy.start());
checksums.after(() => spy.stop());

/** Answers like S3 does to a multipart upload and to PUTs. */
const s3Like: Responder = (r) => {
  if (r.method === 'POST' && r.url.includes('uploads')) {
    return {
      status: 200,
      body: '<InitiateMultipartUploadResult><Bucket>spy-bucket</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>',
    };
  }
  if (r.method === 'POST') {
    return { status: 200, body: '<CompleteMultipartUploadResult><ETag>"x"</ETag></CompleteMultipartUploadResult>' };
  }
  // S3 answers a part sent with a checksum with that checksum: it checked it.
  const sent = r.headers['x-amz-checksum-crc32'];
  if (r.url.includes('partNumber') && typeof sent === 'string') {
    return { status: 200, headers: { ...OK_PUT.headers, 'x-amz-checksum-crc32': sent } };
  }
  return OK_PUT;
};

/** A server that takes parts without checking (or echoing) their checksums. */
const unchecked: Responder = (r) => {
  const answer = s3Like(r);
  if (!r.url.includes('partNumber')) return answer;
  return OK_PUT;
};

function partNumber(r: Recorded): string {
  return /partNumber=(\d+)/.exec(r.url)?.[1] ?? '?';
}

function checksumHeaders(r: Recorded): string[] {
  return Object.keys(r.headers).filter(
    (h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm' || h === 'x-amz-trailer',
  );
}

const MiB = 1024 * 1024;

function stream(size: number): Readable {
  return Readable.from([Buffer.alloc(size / 2, 1), Buffer.alloc(size / 2, 2)]);
}

checksums(
  'custom endpoint default (WHEN_REQUIRED): a CRC32 and an unsigned payload on parts only, none in presigned PUTs',
  async () => {
    spy.reset(s3Like);
    const s = storage({ partSize: 5 * MiB });
    assert.equal((s.driver.toJSON() as { checksums: unknown }).checksums, {
      request: 'WHEN_REQUIRED',
      response: 'WHEN_REQUIRED',
    });
    await s.save('small.bin', 'hello');
    await s.save('streamed.bin', stream(12 * MiB));
    for (const r of spy.requests.filter((x) => x.method === 'PUT')) {
      const part = r.url.includes('partNumber');
      // Parts carry stowage's own CRC32 (zlib) instead of a SHA-256 of the payload; a single PUT its Content-MD5.
      assert.equal(checksumHeaders(r), part ? ['x-amz-checksum-crc32'] : [], `${r.method} ${r.url}`);
      if (part) {
        assert.is(r.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD', r.url);
        assert.is(r.headers['x-amz-checksum-crc32'], crc32Base64(r.body), r.url);
      }
      assert.not.ok(String(r.headers['content-encoding'] ?? '').includes('aws-chunked'), r.url);
    }
    const complete = spy.requests.find((r) => r.method === 'POST' && r.url.includes('uploadId='));
    assert.is((String(complete?.body).match(/<ChecksumCRC32>/g) ?? []).length, 3);
    const url = await getSignedUrl(
      s.driver.presignClient,
      new PutObjectCommand({ Bucket: 'spy-bucket', Key: 'p.txt' }),
    );
    assert.not.match(url, /x-amz-checksum|x-amz-sdk-checksum-algorithm/i);
  },
);

checksums(
  'WHEN_SUPPORTED (the AWS default): CRC on every part and an empty-body CRC signed into presigned PUTs',
  async () => {
    spy.reset(s3Like);
    const s = storage({ partSize: 5 * MiB, requestChecksumCalculation: 'WHEN_SUPPORTED' });
    await s.save('streamed.bin', stream(12 * MiB));
    // In part order: parts go two at a time, so part 3 may arrive before part 2.
    const partNumber = (r: Recorded) => Number(new URL(r.url, spy.endpoint).searchParams.get('partNumber'));
    const parts = spy.requests
      .filter((r) => r.method === 'PUT' && r.url.includes('partNumber'))
      .sort((a, b) => partNumber(a) - partNumber(b));
    assert.is(parts.length, 3);
    for (const part of parts) assert.ok(checksumHeaders(part).length > 0, `part ${part.url} carries a checksum`);
    // The upload announces CRC32 and the completion lists each part's, as S3 requires.
    const create = spy.requests.find((r) => r.method === 'POST' && r.url.includes('uploads'));
    assert.is(create?.headers['x-amz-checksum-algorithm'], 'CRC32');
    const complete = spy.requests.find((r) => r.method === 'POST' && r.url.includes('uploadId='));
    const listed = [...String(complete?.body).matchAll(/<ChecksumCRC32>([^<]*)<\/ChecksumCRC32>/g)].map((m) => m[1]);
    assert.equal(
      listed,
      parts.map((part) => part.headers['x-amz-checksum-crc32']),
    );
    const url = await getSignedUrl(
      s.driver.presignClient,
      new PutObjectCommand({ Bucket: 'spy-bucket', Key: 'p.txt' }),
    );
    // aws-sdk-js-v3#6810: the CRC32 of an empty body, which real uploads cannot match.
    assert.match(url, /x-amz-checksum-crc32=AAAAAA%3D%3D/i);
  },
);

checksums(
  'a server that does not echo part checksums gets the part again with its Content-MD5, and the later parts',
  async () => {
    spy.reset(unchecked);
    const s = storage({ partSize: 5 * MiB });
    await s.save('unchecked.bin', stream(12 * MiB));
    const parts = spy.requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber'));
    for (const number of ['1', '2', '3']) {
      const last = parts.filter((r) => partNumber(r) === number).at(-1);
      assert.ok(last?.headers['content-md5'] !== undefined, `part ${number} ends with its Content-MD5`);
      assert.is(last?.headers['x-amz-checksum-crc32'], undefined, `part ${number}`);
    }
    // Parts 1 and 2 may both have gone with a CRC32 (two in flight); part 3 goes after the answers, once.
    assert.is(parts.filter((r) => partNumber(r) === '3').length, 1);
    // Signed again: the SDK hashes the payload of a part that carries no checksum of its own.
    for (const r of parts.filter((x) => x.headers['content-md5'] !== undefined)) {
      assert.is.not(r.headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
    }
  },
);

/** The payload and trailer of an aws-chunked body. */
function unchunk(body: Buffer): { data: Buffer; trailer: string } {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.subarray(at, eol).toString(), 16);
    at = eol + 2;
    if (size === 0) return { data: Buffer.concat(chunks), trailer: body.subarray(at).toString() };
    chunks.push(body.subarray(at, at + size));
    at += size + 2;
  }
}

/** Answers like S3: a streamed PUT with that trailer's checksum (checked). */
const s3Streamed: Responder = (r) => {
  if (r.method === 'PUT' && r.headers['x-amz-trailer'] === 'x-amz-checksum-crc32') {
    const checksum = /x-amz-checksum-crc32:(\S+)/.exec(unchunk(r.body).trailer)?.[1] ?? '';
    return { status: 200, headers: { etag: '"streamed"', 'x-amz-checksum-crc32': checksum } };
  }
  return s3Like(r);
};

for (const mode of ['WHEN_REQUIRED', 'WHEN_SUPPORTED'] as const) {
  checksums(
    `${mode}: a body of known length over a part goes in one streamed PUT, its CRC32 in the trailer`,
    async () => {
      spy.reset(s3Streamed);
      const s = storage({ partSize: 5 * MiB, requestChecksumCalculation: mode });
      const bytes = Buffer.alloc(12 * MiB, 7);
      assert.is(await s.save('known.bin', new Blob([bytes])), 'known.bin');
      assert.not.ok(
        spy.requests.some((r) => r.method === 'POST' || r.url.includes('partNumber')),
        'no multipart',
      );
      const [reservation, put, ...rest] = spy.requests;
      assert.is(reservation?.headers['if-none-match'], '*');
      assert.is(put?.headers['if-match'], '"abc"', 'replaces only its reservation');
      assert.is(put?.headers['content-encoding'], 'aws-chunked');
      assert.is(put?.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      assert.is(put?.headers['x-amz-decoded-content-length'], String(bytes.length));
      assert.equal(checksumHeaders(put as Recorded), ['x-amz-trailer'], 'the SDK added no checksum of its own');
      const { data, trailer } = unchunk(put?.body ?? Buffer.alloc(0));
      assert.ok(data.equals(bytes));
      assert.is(trailer, `x-amz-checksum-crc32:${crc32Base64(bytes)}\r\n\r\n`);
      assert.equal(rest, []);
    },
  );
}

checksums(
  'a server that stores a streamed PUT without echoing its CRC32 is checked by reading back: other bytes are deleted',
  async () => {
    const stored = Buffer.alloc(12 * MiB, 9);
    spy.reset((r) => {
      if (r.method === 'GET') return { status: 200, headers: { etag: '"abc"' }, body: stored.toString('latin1') };
      return r.method === 'DELETE' ? { status: 204 } : s3Like(r);
    });
    const s = storage({ partSize: 5 * MiB });
    await rejectsWith(s.save('unchecked.bin', new Blob([Buffer.alloc(12 * MiB, 8)])), 'UNAVAILABLE');
    const methods = spy.requests.map((r) => r.method);
    assert.ok(methods.includes('GET'), 'read back');
    const deleted = spy.requests.filter((r) => r.method === 'DELETE');
    assert.ok(deleted.length >= 1, 'the stored object removed');
    // Later saves of this driver go in parts with their Content-MD5.
    spy.reset(unchecked);
    await s.save('later.bin', new Blob([Buffer.alloc(12 * MiB, 8)]));
    assert.ok(spy.requests.some((r) => r.url.includes('partNumber') && r.headers['content-md5'] !== undefined));
    assert.not.ok(spy.requests.some((r) => r.headers['x-amz-trailer'] !== undefined));
  },
);

checksums('AWS (no endpoint) keeps the SDK default, WHEN_SUPPORTED', () => {
  const s = createS3Storage({
    bucket: 'spy-bucket',
    region: 'eu-west-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
  assert.equal((s.driver.toJSON() as { checksums: unknown }).checksums, {
    request: 'WHEN_SUPPORTED',
    response: 'WHEN_SUPPORTED',
  });
});

checksums.run();

// ---------------------------------------------------------------------------------------
const config = suite('s3 configuration');

config('bad options are INVALID_CONFIG before any request', () => {
  const base = { bucket: 'media', endpoint: 'http://127.0.0.1:9' };
  const bad: Array<[string, object]> = [
    ['unknown key', { ...base, bucketName: 'x' }],
    ['no bucket', { endpoint: base.endpoint }],
    ['invalid bucket name', { ...base, bucket: 'Media_Files' }],
    ['expiry 0', { ...base, urlExpirySeconds: 0 }],
    ['expiry over 7 days', { ...base, urlExpirySeconds: 7 * 24 * 3600 + 1 }],
    ['part size under 5 MiB', { ...base, partSize: 1024 }],
    ['endpoint without scheme', { ...base, endpoint: '127.0.0.1:9000' }],
    ['external endpoint with a query', { ...base, externalEndpoint: 'https://cdn.example.com/s3?x=1' }],
    ['checksum mode', { ...base, requestChecksumCalculation: 'ALWAYS' }],
    ['bucket public and private', { ...base, publicBuckets: ['media'], privateBuckets: ['media'] }],
  ];
  for (const [label, options] of bad) throwsWith(() => createS3Storage(options as S3Options), 'INVALID_CONFIG', label);
});

config('environment: S3_BUCKET required, key pairs whole, every variable validated', async () => {
  const env = { STORAGE_DRIVER: 's3', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' };
  await rejectsWith(createStorageFromEnv(env), 'INVALID_CONFIG', 'no S3_BUCKET');
  await rejectsWith(
    createStorageFromEnv({ ...env, S3_BUCKET: 'media', AWS_ACCESS_KEY_ID: 'AKID' }),
    'INVALID_CONFIG',
    'access key without secret',
  );
  await rejectsWith(
    createStorageFromEnv({ ...env, S3_BUCKET: 'media', S3_URL_EXPIRY_SECONDS: 'forever' }),
    'INVALID_CONFIG',
    'expiry not a number',
  );
  await rejectsWith(
    createStorageFromEnv({ ...env, S3_BUCKET: 'media', S3_POLICY_HOOKS: '{"not":"a list"}' }),
    'INVALID_CONFIG',
    'policy hooks',
  );
  await rejectsWith(createStorageFromEnv(env, 'static'), 'INVALID_CONFIG', 'static alias without S3_STATIC_BUCKET');
  const storage = await createStorageFromEnv({
    ...env,
    S3_BUCKET: 'media',
    S3_PUBLIC_BUCKETS: 'media',
    S3_EXTERNAL_ENDPOINT: 'https://cdn.example.com/s3/',
    AWS_ACCESS_KEY_ID: 'AKID',
    AWS_SECRET_ACCESS_KEY: SECRET,
  });
  assert.is(await storage.url('a b.txt'), 'https://cdn.example.com/s3/media/a%20b.txt');
  const signed = new URL(await storage.url('a b.txt', { expiresIn: 60 }));
  assert.is(signed.pathname, '/s3/media/a%20b.txt');
  assert.is(signed.searchParams.get('X-Amz-Expires'), '60');
  assert.not.ok(inspect(storage).includes(SECRET));
  await storage.close();
});

config('customDomain serves public objects; AWS URLs are virtual-hosted', async () => {
  const cdn = createS3Storage({
    bucket: 'media',
    region: 'eu-west-1',
    publicBuckets: ['media'],
    customDomain: 'cdn.example.com',
  });
  assert.is(await cdn.url('x/ä.png'), 'https://cdn.example.com/x/%C3%A4.png');
  const aws = createS3Storage({ bucket: 'media', region: 'eu-west-1', publicBuckets: ['media'] });
  assert.is(await aws.url('x.png'), 'https://media.s3.eu-west-1.amazonaws.com/x.png');
});

config.run();
