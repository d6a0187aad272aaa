/**
 * stowage/http over real sockets: nodeHandler (node:http) and fetchHandler (behind
 * @hono/node-server), on memory, fs and MinIO (proxy mode), and MinIO in redirect
 * mode; asked with fetch and with curl. Range bodies are compared byte for byte with
 * what was stored; conditional requests, methods, names (the hostile corpus among
 * them) and error statuses are checked on every target.
 */
import { randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedStream, mapLimit } from '../contracts/context.js';
import { HOSTILE_NAMES } from '../contracts/names.js';
import { createFileSystemStorage, FileSystemDriver } from '../drivers/fs/index.js';
import { createMemoryStorage } from '../drivers/memory/index.js';
import { createMinioStorage } from '../drivers/minio/index.js';
import type { ReadOptions, ReadResult } from '../src/driver.js';
import { isStorageError, StorageError } from '../src/errors.js';
import type { HandlerOptions } from '../src/http/index.js';
import { normalizeName } from '../src/names.js';
import { Storage } from '../src/storage.js';
import { encodeName } from '../src/utf8.js';
import { curl, type HandlerKind, rawGet, serveStorage } from './support/http.js';
import { adminClient, minioConnection, randomBucket, removeBucket } from './support/object-stores.js';
import { requireServerOrSkip } from './support/servers.js';

const PREFIX = '/media/';
const SIZE = 1000;

interface Target {
  storage: Storage;
  /** Origin of the handler's server; the storage's baseUrl is origin + PREFIX where it has one. */
  origin: string;
  close(): Promise<void>;
}

type TargetFactory = (kind: HandlerKind, options: Omit<HandlerOptions, 'prefix'>) => Promise<Target>;

/** A storage whose baseUrl is the server's own address, for drivers that need one. */
async function local(
  kind: HandlerKind,
  options: Omit<HandlerOptions, 'prefix'>,
  build: (baseUrl: string) => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
): Promise<Target> {
  const listening = await serveStorage(kind, undefined, { ...options, prefix: PREFIX });
  const built = await build(`${listening.origin}${PREFIX}`);
  const { storage } = built;
  listening.serve(storage);
  return {
    storage,
    origin: listening.origin,
    close: async () => {
      await listening.close();
      await built.cleanup();
    },
  };
}

const memory: TargetFactory = (kind, options) =>
  local(kind, options, async (baseUrl) => ({ storage: createMemoryStorage({ baseUrl }), cleanup: async () => {} }));

const fileSystem: TargetFactory = (kind, options) =>
  local(kind, options, async (baseUrl) => {
    const location = await mkdtemp(join(tmpdir(), 'stowage-http-'));
    return {
      storage: createFileSystemStorage({ location, baseUrl }),
      cleanup: () => rm(location, { recursive: true, force: true }),
    };
  });

const server = await requireServerOrSkip('s3', 'stowage/http on MinIO');
const minio: TargetFactory | undefined =
  server &&
  (async (kind, options) => {
    const bucket = randomBucket('http');
    const storage = createMinioStorage({ ...minioConnection(server), bucket, privateBuckets: [bucket] });
    await storage.initializeBuckets();
    const listening = await serveStorage(kind, storage, { ...options, prefix: PREFIX });
    return {
      storage,
      origin: listening.origin,
      close: async () => {
        await listening.close();
        await storage.close();
        await removeBucket(adminClient(server), bucket);
      },
    };
  });

for (const kind of ['node', 'fetch'] as const) {
  proxied(`memory, ${kind}Handler`, kind, memory);
  proxied(`fs, ${kind}Handler`, kind, fileSystem);
  if (minio) proxied(`minio, ${kind}Handler`, kind, minio);
  if (minio) redirected(`minio redirect, ${kind}Handler`, kind, minio);
}

function proxied(label: string, kind: HandlerKind, factory: TargetFactory): void {
  const test = suite<{ target: Target; bytes: Buffer; name: string; url: string }>(label);
  test.before(async (state) => {
    state.target = await factory(kind, {});
    state.bytes = randomBytes(SIZE);
    state.name = await state.target.storage.save('dir/report 1.bin', state.bytes);
    state.url = `${state.target.origin}${PREFIX}${encodeName(state.name)}`;
  });
  test.after(async ({ target }) => target?.close());

  test('GET and HEAD: the bytes and the headers that describe them', async ({ url, bytes, target, name }) => {
    const stat = await target.storage.stat(name);
    const get = await fetch(url);
    assert.is(get.status, 200);
    assert.equal(Buffer.from(await get.arrayBuffer()), bytes);
    assert.is(get.headers.get('content-length'), String(SIZE));
    assert.is(get.headers.get('content-type'), 'application/octet-stream');
    assert.is(get.headers.get('accept-ranges'), 'bytes');
    assert.is(get.headers.get('etag'), stat.etag ?? null);
    assert.ok(get.headers.get('etag'), 'an ETag');
    assert.is(get.headers.get('last-modified'), stat.lastModified.toUTCString());
    assert.is(get.headers.get('x-content-type-options'), 'nosniff');
    const head = await fetch(url, { method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers.get('content-length'), String(SIZE));
    assert.is(head.headers.get('etag'), get.headers.get('etag'));
    assert.is((await head.arrayBuffer()).byteLength, 0);
    const curled = await curl([url]);
    assert.is(curled.status, 200);
    assert.equal(curled.body, bytes);
  });

  test('Range: one range byte for byte (fetch and curl), 416 past the end, others served whole', async ({
    url,
    bytes,
  }) => {
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=10-99', 10, 99],
      ['bytes=990-5000', 990, SIZE - 1],
      ['bytes=500-', 500, SIZE - 1],
      ['bytes=-100', SIZE - 100, SIZE - 1],
      ['bytes=0-99,50-149', 0, 149],
    ];
    for (const [range, start, end] of cases) {
      const response = await fetch(url, { headers: { range } });
      assert.is(response.status, 206, range);
      assert.is(response.headers.get('content-range'), `bytes ${start}-${end}/${SIZE}`, range);
      assert.is(response.headers.get('content-length'), String(end - start + 1), range);
      assert.equal(Buffer.from(await response.arrayBuffer()), bytes.subarray(start, end + 1), range);
      const curled = await curl(['--header', `Range: ${range}`, url]);
      assert.is(curled.status, 206, `curl ${range}`);
      assert.equal(curled.body, bytes.subarray(start, end + 1), `curl ${range}`);
    }
    const beyond = await fetch(url, { headers: { range: `bytes=${SIZE}-` } });
    assert.is(beyond.status, 416);
    assert.is(beyond.headers.get('content-range'), `bytes */${SIZE}`);
    await beyond.arrayBuffer();
    for (const whole of ['bytes=0-9,500-509', 'bytes=abc', 'lines=1-2']) {
      const response = await fetch(url, { headers: { range: whole } });
      assert.is(response.status, 200, whole);
      assert.equal(Buffer.from(await response.arrayBuffer()), bytes, whole);
    }
    const head = await fetch(url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    assert.is(head.status, 206);
    assert.is(head.headers.get('content-length'), '10');
  });

  test('If-Range: the range while the validator matches, the whole file once it does not', async ({ url, bytes }) => {
    const { headers } = await fetch(url, { method: 'HEAD' });
    const etag = headers.get('etag') as string;
    const lastModified = headers.get('last-modified') as string;
    const ask = async (ifRange: string) => {
      const response = await fetch(url, { headers: { range: 'bytes=0-9', 'if-range': ifRange } });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    };
    assert.equal(await ask(etag), { status: 206, body: bytes.subarray(0, 10) });
    assert.equal(await ask(lastModified), { status: 206, body: bytes.subarray(0, 10) });
    assert.equal(await ask('"another-version"'), { status: 200, body: bytes });
    assert.equal(await ask(`W/${etag}`), { status: 200, body: bytes });
    assert.equal(await ask(new Date(Date.parse(lastModified) - 60_000).toUTCString()), { status: 200, body: bytes });
  });

  test('conditional requests: If-None-Match and If-Modified-Since → 304 without a body', async ({ url, bytes }) => {
    const { headers } = await fetch(url, { method: 'HEAD' });
    const etag = headers.get('etag') as string;
    const lastModified = headers.get('last-modified') as string;
    for (const condition of [
      { 'if-none-match': etag },
      { 'if-none-match': `W/${etag}` },
      { 'if-none-match': `"other", ${etag}` },
      { 'if-none-match': '*' },
      { 'if-modified-since': lastModified },
      { 'if-modified-since': new Date(Date.now() + 3_600_000).toUTCString() },
      { 'if-none-match': etag, 'cache-control': 'no-cache' },
    ] as Record<string, string>[]) {
      const response = await fetch(url, { headers: condition });
      assert.is(response.status, 304, JSON.stringify(condition));
      assert.is(response.headers.get('etag'), etag);
      assert.is((await response.arrayBuffer()).byteLength, 0);
    }
    for (const condition of [
      { 'if-none-match': '"other"' },
      { 'if-modified-since': new Date(Date.parse(lastModified) - 60_000).toUTCString() },
    ] as Record<string, string>[]) {
      const response = await fetch(url, { headers: condition });
      assert.is(response.status, 200, JSON.stringify(condition));
      assert.equal(Buffer.from(await response.arrayBuffer()), bytes);
    }
    const curled = await curl(['--header', `If-None-Match: ${etag}`, url]);
    assert.is(curled.status, 304);
    assert.is(curled.body.length, 0);
  });

  test('Content-Type, Cache-Control and Content-Disposition from the object; ?download', async ({ target }) => {
    const { storage, origin } = target;
    const metadata = storage.capabilities.metadata;
    const name = await storage.save(
      'docs/résumé final.pdf',
      'pdf',
      metadata ? { cacheControl: 'public, max-age=60', contentDisposition: 'inline; filename="shown.pdf"' } : {},
    );
    const url = `${origin}${PREFIX}${encodeName(name)}`;
    const plain = await fetch(url);
    assert.is(await plain.text(), 'pdf');
    assert.is(plain.headers.get('content-type'), 'application/pdf');
    assert.is(plain.headers.get('cache-control'), metadata ? 'public, max-age=60' : null);
    assert.is(plain.headers.get('content-disposition'), metadata ? 'inline; filename="shown.pdf"' : null);
    const download = await fetch(`${url}?download`);
    assert.is(await download.text(), 'pdf');
    assert.is(
      download.headers.get('content-disposition'),
      `attachment; filename="r?sum? final.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20final.pdf`,
    );
    const renamed = await fetch(`${url}?download=${encodeURIComponent('my copy.pdf')}`);
    await renamed.arrayBuffer();
    assert.is(renamed.headers.get('content-disposition'), 'attachment; filename="my copy.pdf"');
  });

  test('other methods → 405; missing files, directories and the mount point → 404; bad names → 400', async ({
    target,
    url,
  }) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(url, { method });
      assert.is(response.status, 405, method);
      assert.is(response.headers.get('allow'), 'GET, HEAD');
      await response.arrayBuffer();
    }
    assert.ok(await target.storage.exists('dir/report 1.bin'), 'DELETE deleted nothing');
    const status = async (path: string) => (await curl(['--path-as-is', `${target.origin}${path}`])).status;
    assert.is(await status(`${PREFIX}missing.txt`), 404);
    assert.is(await status(`${PREFIX}dir`), 404);
    assert.is(await status(`${PREFIX}dir/`), 404);
    assert.is(await status(PREFIX), 404);
    assert.is(await status(`${PREFIX}bad%zzpercent.txt`), 400);
    assert.is(await status(`${PREFIX}%ff.txt`), 400);
    // A fetch handler's Request has its dot segments resolved before the handler sees it.
    assert.is(await status(`${PREFIX}a/../dir/report%201.bin`), kind === 'node' ? 400 : 200);
    assert.is(await status(`${PREFIX}a/..%2fdir/report%201.bin`), 400);
    assert.is(await status(`${PREFIX}nul%00.txt`), 400);
  });

  test('the hostile-name corpus: each served as itself (fetch and curl) or refused', async ({ target }) => {
    const { storage, origin } = target;
    const outcomes = await mapLimit(HOSTILE_NAMES, 6, async (name) => {
      const label = JSON.stringify(name.slice(0, 60));
      const content = `content of ${label}`;
      let stored: string | undefined;
      try {
        stored = await storage.save(`hostile/${name}`, content);
      } catch (error) {
        assert.ok(isStorageError(error, 'INVALID_NAME'), `${label}: ${String(error)}`);
      }
      if (stored !== undefined) {
        const response = await fetch(await storage.url(stored));
        assert.is(response.status, 200, `${label} through url()`);
        assert.is(await response.text(), content, `${label} through url()`);
      }
      // The name as a path, sent as it is: each segment percent-encoded, and, where it
      // is printable ASCII, the raw characters (so `%2e%2e` arrives as such).
      const paths = [encodedPath(`hostile/${name}`)];
      if (/^[\x21-\x7e]*$/.test(name) && !/[#?]/.test(name)) paths.push(`hostile/${name}`);
      for (const path of paths) {
        if (path === undefined) continue;
        const answer = await rawGet(origin, `${PREFIX}${path}`);
        if (answer.status === 200) {
          const served = expectedAt(path);
          assert.ok(served !== undefined, `${label}: 200 for ${path}, which names no valid file`);
          assert.equal(answer.body, await (await storage.open(served)).bytes(), `${label}: what ${path} names`);
        } else {
          assert.ok([400, 404].includes(answer.status), `${label}: ${answer.status} for ${path}`);
        }
      }
      return stored === undefined ? 'refused' : 'served';
    });
    assert.ok(outcomes.includes('served') && outcomes.includes('refused'));
  });

  test.run();
}

/** Each segment percent-encoded; undefined when the name has no UTF-8 form. */
function encodedPath(name: string): string | undefined {
  try {
    return name.split('/').map(encodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

/** The stored name a path decodes to, when it decodes to a valid one. */
function expectedAt(path: string): string | undefined {
  try {
    return normalizeName(path.split('/').map(decodeURIComponent).join('/'));
  } catch {
    return undefined;
  }
}

function redirected(label: string, kind: HandlerKind, factory: TargetFactory): void {
  const test = suite<{ target: Target; bytes: Buffer; name: string; url: string }>(label);
  test.before(async (state) => {
    state.target = await factory(kind, { redirect: true });
    state.bytes = randomBytes(SIZE);
    state.name = await state.target.storage.save('dir/report 1.bin', state.bytes);
    state.url = `${state.target.origin}${PREFIX}${encodeName(state.name)}`;
  });
  test.after(async ({ target }) => target?.close());

  test('GET and HEAD → 302 to the presigned URL; following it gives the bytes and ranges', async ({ url, bytes }) => {
    for (const method of ['GET', 'HEAD']) {
      const response = await fetch(url, { method, redirect: 'manual' });
      assert.is(response.status, 302, method);
      const location = response.headers.get('location') ?? '';
      assert.match(location, /X-Amz-Signature=/);
      assert.ok(!location.startsWith(url), 'the object store, not this server');
    }
    const followed = await fetch(url);
    assert.is(followed.status, 200);
    assert.equal(Buffer.from(await followed.arrayBuffer()), bytes);
    const ranged = await fetch(url, { headers: { range: 'bytes=10-99' } });
    assert.is(ranged.status, 206);
    assert.equal(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(10, 100));
    const curled = await curl(['--location', '--range', '10-99', url]);
    assert.is(curled.status, 206);
    assert.equal(curled.body, bytes.subarray(10, 100));
  });

  test('?download asks the object store for an attachment; other methods → 405', async ({ url }) => {
    const download = await fetch(`${url}?download=copy.bin`);
    assert.is(download.status, 200);
    await download.arrayBuffer();
    assert.match(download.headers.get('content-disposition') ?? '', /attachment; filename="?copy\.bin/);
    const post = await fetch(url, { method: 'POST', redirect: 'manual' });
    assert.is(post.status, 405);
    await post.arrayBuffer();
  });

  test.run();
}

const errors = suite('error statuses: 503 with Retry-After, 500 without internals');
errors('UNAVAILABLE → 503 + Retry-After; anything else → 500 with a plain body', async () => {
  const location = await mkdtemp(join(tmpdir(), 'stowage-http-errors-'));
  await writeFile(join(location, 'x.txt'), 'x');
  const secret = `SECRET-${randomBytes(8).toString('hex')}`;
  try {
    for (const [failure, status] of [
      [() => new StorageError('UNAVAILABLE', 'the server is down'), 503],
      [() => new Error(`socket failed for key ${secret}`), 500],
      [() => new StorageError('PERMISSION_DENIED', `denied with ${secret}`), 500],
    ] as const) {
      const storage = createFileSystemStorage({ location });
      storage.driver.stat = async () => {
        throw failure();
      };
      const logged: string[] = [];
      for (const kind of ['node', 'fetch'] as const) {
        const listening = await serveStorage(kind, storage, {
          prefix: PREFIX,
          onError: (error) => logged.push(error.code),
        });
        try {
          const response = await fetch(`${listening.origin}${PREFIX}x.txt`, { method: 'HEAD' });
          assert.is(response.status, status, `${kind}: ${status}`);
          assert.is(response.headers.get('retry-after'), status === 503 ? '5' : null);
          const get = await fetch(`${listening.origin}${PREFIX}x.txt`, { headers: { range: 'bytes=0-0' } });
          const body = await get.text();
          assert.is(get.status, status);
          assert.not.match(body, secret);
          assert.not.match(body, /at |Error|stack|\//);
        } finally {
          await listening.close();
        }
      }
      assert.is(logged.length, 4, 'every failure reached onError');
    }
  } finally {
    await rm(location, { recursive: true, force: true });
  }
});
errors.run();

const BIG = 64 * 1024 * 1024;

/** An fs driver that keeps the streams its reads hand out, to see what the handler does with them. */
class WatchedDriver extends FileSystemDriver {
  readonly reads: ReadStream[] = [];
  override async read(name: string, options?: ReadOptions): Promise<ReadResult> {
    const result = await super.read(name, options);
    this.reads.push(result.body as ReadStream);
    return result;
  }
}

const streaming = suite('backpressure and aborted downloads (fs)');
for (const kind of ['node', 'fetch'] as const) {
  streaming(
    `${kind}Handler: a client that stops reading stops the read; one that leaves releases the file`,
    async () => {
      const location = await mkdtemp(join(tmpdir(), 'stowage-http-big-'));
      const driver = new WatchedDriver({ location });
      const storage = new Storage({ driver });
      const listening = await serveStorage(kind, storage, { prefix: PREFIX });
      try {
        await storage.save('big.bin', generatedStream(BIG).stream);
        const socket = connect(Number(new URL(listening.origin).port), '127.0.0.1');
        let received = 0;
        socket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > 1024 * 1024) socket.pause();
        });
        socket.write(`GET ${PREFIX}big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        const body = await until(() => driver.reads[0], 'the handler to open the file');
        // Wait until the read stops growing: the socket buffers are full and the handler waits.
        let last = -1;
        for (let stable = 0; stable < 3; ) {
          await sleep(300);
          stable = body.bytesRead === last ? stable + 1 : 0;
          last = body.bytesRead;
        }
        assert.ok(
          body.bytesRead < BIG / 4,
          `read ${body.bytesRead} of ${BIG} bytes for a client that took ${received}`,
        );
        assert.not.ok(body.destroyed, 'still open while the client is connected');
        socket.destroy();
        await until(() => body.closed || undefined, 'the file to be closed after the client left');
        assert.ok(body.destroyed);
        assert.ok(body.bytesRead < BIG, 'the read ended before the end of the file');
      } finally {
        await listening.close();
        await rm(location, { recursive: true, force: true });
      }
    },
  );
}
streaming.run();

async function until<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
