/**
 * toWriteBody on its own: every kind of content becomes a stream of Buffers in one pass,
 * a failing source becomes UNEXPECTED, a declared size is kept and enforced, and the
 * consumer's backpressure and destruction reach the source.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryDriver } from '../../drivers/memory/index.js';
import { toWriteBody } from '../../src/content.js';
import type { WriteBody } from '../../src/driver.js';
import { isStorageError } from '../../src/errors.js';
import { Storage } from '../../src/storage.js';

const test = suite('content to WriteBody');
const bytes = randomBytes(300 * 1024);

function streamOf(body: WriteBody): Readable {
  if (body.kind !== 'stream') throw new Error('expected a stream body');
  return body.stream;
}

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    assert.ok(Buffer.isBuffer(chunk), 'every chunk is a Buffer');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function failure(stream: Readable): Promise<unknown> {
  try {
    await read(stream);
  } catch (error) {
    return error;
  }
  throw new Error('the stream did not fail');
}

function chunked(data: Buffer, size = 64 * 1024): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function* generator(data: Buffer, failAfter?: number): AsyncGenerator<Uint8Array> {
  let sent = 0;
  for (const chunk of chunked(data)) {
    if (failAfter !== undefined && sent >= failAfter) throw new Error('source broke');
    sent += chunk.length;
    yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

test('every kind of content arrives whole, as Buffers, the chunks themselves (no copies)', async () => {
  const sources = {
    readable: () => Readable.from(chunked(bytes)),
    'web stream': () => Readable.toWeb(Readable.from(chunked(bytes))) as unknown as ReadableStream<Uint8Array>,
    'async iterable': () => generator(bytes),
    blob: () => new Blob([bytes]),
  };
  for (const [kind, make] of Object.entries(sources)) {
    const got = await read(streamOf(toWriteBody(make(), 'a.bin')));
    assert.ok(got.equals(bytes), kind);
  }
  const text = 'grüße, '.repeat(20000);
  const decoded = Readable.from([Buffer.from(text)]).setEncoding('utf8');
  assert.is((await read(streamOf(toWriteBody(decoded, 'a.txt')))).toString(), text, 'a stream with an encoding');
  const chunk = bytes.subarray(0, 1000);
  const passed: Buffer[] = await streamOf(toWriteBody(Readable.from([chunk]), 'a.bin')).toArray();
  assert.is(passed.length, 1);
  assert.is(passed[0]?.buffer, chunk.buffer, 'a Buffer chunk is handed on, not copied');
});

test('a failing source becomes UNEXPECTED, for every kind of stream', async () => {
  const broken = () => {
    let sent = 0;
    return new Readable({
      read() {
        if (sent >= 128 * 1024) {
          this.destroy(new Error('disk gone'));
          return;
        }
        this.push(bytes.subarray(sent, sent + 64 * 1024));
        sent += 64 * 1024;
      },
    });
  };
  const sources = {
    readable: broken,
    'web stream': () => Readable.toWeb(broken()) as unknown as ReadableStream<Uint8Array>,
    'async iterable': () => generator(bytes, 128 * 1024),
    'a stream yielding numbers': () => Readable.from([1, 2, 3]),
  };
  for (const [kind, make] of Object.entries(sources)) {
    const error = await failure(streamOf(toWriteBody(make(), 'broken.bin')));
    assert.ok(isStorageError(error, 'UNEXPECTED'), `${kind}: ${String(error)}`);
    assert.match((error as Error).message, /nothing was stored/);
  }
});

test('a source that fails before the body is read raises nothing until it is read', async () => {
  const body = toWriteBody(createReadStream(join(tmpdir(), 'stowage-no-such-dir', 'missing.bin')), 'a.bin');
  await new Promise((resolve) => setTimeout(resolve, 30));
  const error = await failure(streamOf(body));
  assert.ok(isStorageError(error, 'UNEXPECTED'), String(error));
  assert.match((error as Error).message, /ENOENT/);
});

test('a source that closes without ending fails instead of looking complete', async () => {
  const source = new Readable({ read() {} });
  source.push(bytes.subarray(0, 1000));
  const stream = streamOf(toWriteBody(source, 'cut.bin'));
  setImmediate(() => source.destroy());
  const error = await failure(stream);
  assert.ok(isStorageError(error, 'UNEXPECTED'), String(error));
});

test('size: declared, from a Blob or from a whole file; another length fails with INVALID_CONFIG', async () => {
  assert.is(streamOf(toWriteBody(Readable.from(chunked(bytes)), 'a.bin', bytes.length)).readable, true);
  assert.is((toWriteBody(Readable.from([]), 'a.bin', 0) as { size?: number }).size, 0);
  assert.is((toWriteBody(new Blob([bytes]), 'a.bin') as { size?: number }).size, bytes.length);
  const directory = mkdtempSync(join(tmpdir(), 'stowage-content-'));
  try {
    const file = join(directory, 'f.bin');
    writeFileSync(file, bytes);
    const whole = toWriteBody(createReadStream(file), 'a.bin');
    assert.is((whole as { size?: number }).size, bytes.length);
    assert.ok((await read(streamOf(whole))).equals(bytes));
    const part = toWriteBody(createReadStream(file, { start: 10 }), 'a.bin');
    assert.is((part as { size?: number }).size, undefined);
    streamOf(part).destroy();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  for (const size of [bytes.length - 1, bytes.length + 1]) {
    const error = await failure(streamOf(toWriteBody(Readable.from(chunked(bytes)), 'a.bin', size)));
    assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
  }
  for (const bad of [-1, 1.5, Number.NaN]) {
    assert.throws(
      () => toWriteBody('abc', 'a.bin', bad),
      (e: unknown) => isStorageError(e, 'INVALID_CONFIG'),
    );
  }
  assert.throws(
    () => toWriteBody('abc', 'a.bin', 4),
    (e: unknown) => isStorageError(e, 'INVALID_CONFIG'),
  );
});

test('the save option: a wrong size stores nothing', async () => {
  const storage = new Storage({ driver: new MemoryDriver() });
  assert.is(await storage.save('sized.bin', Readable.from(chunked(bytes)), { size: bytes.length }), 'sized.bin');
  try {
    await storage.save('short.bin', Readable.from(chunked(bytes)), { size: bytes.length + 10 });
    assert.unreachable('saved with a wrong size');
  } catch (error) {
    assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
  }
  assert.is(await storage.exists('short.bin'), false);
});

test('backpressure reaches the source, and destroying the body releases it', async () => {
  let produced = 0;
  const source = new Readable({
    highWaterMark: 64 * 1024,
    read() {
      produced += 64 * 1024;
      this.push(bytes.subarray(0, 64 * 1024));
    },
  });
  const stream = streamOf(toWriteBody(source, 'endless.bin'));
  stream.read(0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(produced <= 4 * 64 * 1024, `an unread body pulled ${produced} bytes from its source`);
  stream.destroy();
  await new Promise((resolve) => setImmediate(resolve));
  assert.is(source.destroyed, true);

  let returned = false;
  const iterable = {
    [Symbol.asyncIterator]: () => ({
      next: async () => ({ done: false, value: bytes.subarray(0, 1024) }),
      return: async () => {
        returned = true;
        return { done: true, value: undefined };
      },
    }),
  };
  const pulled = streamOf(toWriteBody(iterable as AsyncIterable<Uint8Array>, 'endless.bin'));
  pulled.read(0);
  await new Promise((resolve) => setTimeout(resolve, 20));
  pulled.destroy();
  assert.is(returned, true);
});

test.run();
