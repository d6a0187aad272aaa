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
  const body = await resumableBody(source, options({ end: data.length - 1 }));
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
  const body = await resumableBody(source, options({ policy: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }));
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
  const body = await resumableBody(
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

test('a small response is handed over as it is once it has arrived (a few turns of the loop allowed); one still on its way, a large one, and one that fails are wrapped', async () => {
  const small = randomBytes(4 * KiB);
  const large = randomBytes(1024 * KiB);
  /** How the next answer goes: whole, half then the rest when released, or half then a cut. */
  let mode: 'whole' | 'hold' | 'cut' = 'whole';
  let served = small;
  /** Sends the held-back half of the answer (set while one is held). */
  let release: (() => void) | undefined;
  const server = createServer((_request, response) => {
    const data = served;
    response.writeHead(200, { 'Content-Length': data.length });
    if (mode === 'whole') return void response.end(data);
    response.write(data.subarray(0, data.length / 2));
    if (mode === 'cut') return void setTimeout(() => response.socket?.destroy(), 20);
    release = () => response.end(data.subarray(data.length / 2));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  /** The response once `bytes` of its body are buffered (at most 5 s: a loaded machine parses late). */
  const fetchResponse = async (bytes: number) => {
    const request = get({ host: '127.0.0.1', port, agent: false }).on('error', () => {});
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    for (let waited = 0; response.readableLength < bytes && waited < 5_000; waited += 5) await sleep(5);
    return response;
  };
  try {
    const whole = await fetchResponse(small.length);
    const handed = await resumableBody(whole, options({ end: small.length - 1 }));
    assert.is(handed, whole, 'a small response that arrived is handed over as it is');
    assert.ok(Buffer.concat(await handed.toArray()).equals(small));

    mode = 'hold';
    // The rest sent at once is on loopback before the next turn of the loop, and read in
    // that turn's poll: handed over as it is, unless the machine delays the delivery (then
    // wrapped, which reads the same). Ten tries: without the turns, none is.
    let handedAsIs = 0;
    for (let i = 0; i < 10; i++) {
      const soon = await fetchResponse(small.length / 2);
      const waiting = resumableBody(soon, options({ end: small.length - 1 }));
      release?.();
      const came = await waiting;
      if (came === soon) handedAsIs++;
      assert.ok(Buffer.concat(await came.toArray()).equals(small));
    }
    assert.ok(handedAsIs > 0, 'the rest came within the turns: handed over as it is');

    const held = await fetchResponse(small.length / 2);
    const wrappedSmall = await resumableBody(held, options({ end: small.length - 1 }));
    assert.is.not(wrappedSmall, held, 'still on its way after the turns: wrapped');
    release?.();
    assert.ok(Buffer.concat(await wrappedSmall.toArray()).equals(small));

    served = large;
    const big = await fetchResponse(large.length / 4);
    const wrapped = await resumableBody(big, options({ end: large.length - 1 }));
    assert.is.not(wrapped, big, 'a body larger than the response buffer is wrapped at once');
    release?.();
    assert.ok(Buffer.concat(await wrapped.toArray()).equals(large));

    served = small;
    mode = 'cut';
    const cut = await fetchResponse(small.length / 2);
    const reopened: number[] = [];
    const resumed = await resumableBody(
      cut,
      options({
        end: small.length - 1,
        map: (error) => new StorageError('UNAVAILABLE', (error as Error).message, { retryable: true }),
        reopen: async (offset) => {
          reopened.push(offset);
          return Readable.from([small.subarray(offset)]);
        },
      }),
    );
    assert.is.not(resumed, cut, 'a small body cut on its way is wrapped');
    assert.ok(Buffer.concat(await resumed.toArray()).equals(small));
    assert.equal(reopened, [small.length / 2], 'asked for the rest');
  } finally {
    server.close();
  }
});

test('a small response that stalls on its way ends after the idle limit and is asked for again', async () => {
  const small = randomBytes(4 * KiB);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Length': small.length });
    response.write(small.subarray(0, 100));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    // The stalled answer is ended with an error, which reaches the request too (a transport listens there).
    const request = get({ host: '127.0.0.1', port, agent: false }).on('error', () => {});
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    const started = Date.now();
    const body = await resumableBody(
      response,
      options({ end: small.length - 1, reopen: async (offset) => Readable.from([small.subarray(offset)]) }),
    );
    const bytes = Buffer.concat(await body.toArray());
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= IDLE_MS, `gave up after ${elapsed} ms, before the limit`);
    assert.ok(bytes.equals(small));
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test.run();
