import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StorageError } from '../../src/errors.js';
import { type ResumeOptions, resumableBody } from '../../src/object-store.js';

const test = suite('resumableBody: stalls and slow readers');

const IDLE_MS = 200;
const KiB = 1024;

/** The watchdog is unref'd (a real body's socket keeps the process alive): this stands in for the socket. */
const alive = setInterval(() => {}, 1000);
test.after(() => clearInterval(alive));

function options(overrides: Partial<ResumeOptions> = {}): ResumeOptions {
  return {
    policy: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    idleTimeoutMs: IDLE_MS,
    start: 0,
    end: Number.POSITIVE_INFINITY,
    reopen: async () => {
      throw new Error('no reopen expected');
    },
    map: (error) =>
      new StorageError('UNAVAILABLE', (error as Error).message, {
        retryable: (error as { code?: string }).code === 'ETIMEDOUT',
      }),
    ...overrides,
  };
}

test('a reader slower than the idle limit is never timed out', async () => {
  const data = randomBytes(2 * 1024 * KiB);
  const source = Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 64 * KiB) yield data.subarray(i, i + 64 * KiB);
    })(),
  );
  const body = resumableBody(source, options({ end: data.length - 1 }));
  const read: Buffer[] = [];
  let pauses = 0;
  for await (const chunk of body) {
    read.push(chunk as Buffer);
    // Three waits of 1.5 × the limit while the source has everything ready.
    if (pauses < 3) {
      pauses++;
      await sleep(IDLE_MS * 1.5);
    }
  }
  assert.is(pauses, 3);
  assert.ok(Buffer.concat(read).equals(data));
});

test('a source that stops while the reader waits ends after the idle limit, not before', async () => {
  const source = new PassThrough();
  const body = resumableBody(source, options({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }));
  source.write(randomBytes(10 * KiB));
  const started = Date.now();
  let error: unknown;
  try {
    for await (const _ of body) {
      // The first chunk arrives; then nothing.
    }
  } catch (caught) {
    error = caught;
  }
  const elapsed = Date.now() - started;
  assert.instance(error, StorageError);
  assert.match((error as Error).message, `no data for ${IDLE_MS} ms`);
  assert.ok(elapsed >= IDLE_MS, `ended after ${elapsed} ms, before the limit`);
  // At most 1.25 × the limit by design; the rest is slack for a loaded machine.
  assert.ok(elapsed < IDLE_MS * 4, `ended after ${elapsed} ms`);
});

test('after a stall the rest is asked for from the first missing byte', async () => {
  const data = randomBytes(300 * KiB);
  const first = new PassThrough();
  const offsets: number[] = [];
  const body = resumableBody(
    first,
    options({
      end: data.length - 1,
      reopen: async (offset) => {
        offsets.push(offset);
        return Readable.from([data.subarray(offset)]);
      },
    }),
  );
  first.write(data.subarray(0, 100 * KiB));
  const read: Buffer[] = [];
  for await (const chunk of body) read.push(chunk as Buffer);
  assert.equal(offsets, [100 * KiB]);
  assert.ok(Buffer.concat(read).equals(data));
  first.destroy();
});

test('a response that has arrived whole is handed over as it is; one still arriving is wrapped', async () => {
  const data = randomBytes(4 * KiB);
  const half = data.length / 2;
  let holdBack = false;
  /** Sends the held-back half of the answer (set while one is held). */
  let release: (() => void) | undefined;
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Length': data.length });
    if (!holdBack) return void response.end(data);
    // Half now, the rest when the test says: the body is still arriving when it is opened.
    response.write(data.subarray(0, half));
    release = () => response.end(data.subarray(half));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  /** The response once `bytes` of its body are buffered (at most 5 s: a loaded machine parses late). */
  const fetchBody = async (bytes: number) => {
    const [response] = (await once(get({ host: '127.0.0.1', port, agent: false }), 'response')) as [IncomingMessage];
    for (let waited = 0; response.readableLength < bytes && waited < 5_000; waited += 5) await sleep(5);
    return response;
  };
  try {
    const whole = await fetchBody(data.length);
    assert.ok(whole.complete);
    const handed = resumableBody(whole, options({ end: data.length - 1 }));
    assert.is(handed, whole);
    assert.ok(Buffer.concat(await handed.toArray()).equals(data));

    holdBack = true;
    const partial = await fetchBody(half);
    assert.is(partial.readableLength, half);
    assert.not.ok(partial.complete);
    const wrapped = resumableBody(partial, options({ end: data.length - 1 }));
    assert.is.not(wrapped, partial);
    release?.();
    assert.ok(Buffer.concat(await wrapped.toArray()).equals(data));
  } finally {
    server.close();
  }
});

test.run();
