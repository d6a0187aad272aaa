import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { watchIdle, watchRequest } from '../../src/watchdog.js';

const test = suite('watchdog: idle limits over real sockets');

const IDLE_MS = 200;

/** What the server does with each request; replaced per case. */
let handle: (req: IncomingMessage, res: import('node:http').ServerResponse) => void = () => {};
let server: Server;
let port = 0;

test.before(async () => {
  server = createServer((req, res) => handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
test.after(async () => {
  server.closeAllConnections();
  server.close();
});

/** Sends one request through the watch; resolves with the answer's status, or rejects with the request's error. */
function send(method: string, body?: (req: import('node:http').ClientRequest) => Promise<void>) {
  const req = request({ host: '127.0.0.1', port, method, path: '/', agent: false });
  const answered = watchRequest(req, IDLE_MS);
  const result = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', (response) => {
      answered();
      resolve(response);
    });
    req.once('error', reject);
  });
  if (body) void body(req).catch(() => {});
  else req.end();
  return result;
}

test('a server that never answers: the request ends with ETIMEDOUT between 1× and 1.25× the limit (plus slack)', async () => {
  handle = () => {};
  const started = Date.now();
  const error = await send('GET').then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  const elapsed = Date.now() - started;
  assert.is(error?.code, 'ETIMEDOUT');
  assert.match(error?.message ?? '', /requestTimeoutMs/);
  assert.ok(elapsed >= IDLE_MS, `gave up after ${elapsed} ms, before the limit`);
  assert.ok(elapsed < IDLE_MS * 1.25 + 1_000, `${elapsed} ms`);
});

test('an upload that keeps sending is not idle, however long it takes', async () => {
  let received = 0;
  handle = (req, res) => {
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    req.on('end', () => res.end('ok'));
  };
  // Four times the limit in all, never a limit without a byte.
  const response = await send('PUT', async (req) => {
    for (let i = 0; i < 40; i++) {
      req.write(Buffer.alloc(1024, i));
      await sleep(IDLE_MS / 10);
    }
    req.end();
  });
  assert.is(response.statusCode, 200);
  assert.is(received, 40 * 1024);
  response.resume();
});

test('an upload that stops sending times out', async () => {
  handle = (req) => req.resume();
  const error = await send('PUT', async (req) => {
    req.write(Buffer.alloc(1024));
  }).then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );
  assert.is(error?.code, 'ETIMEDOUT');
});

test('once the answer has come, a body read slowly is not the request watch’s business', async () => {
  handle = (_req, res) => {
    res.writeHead(200, { 'content-length': '2' });
    res.write('a');
    setTimeout(() => res.end('b'), IDLE_MS * 3);
  };
  const response = await send('GET');
  const chunks: string[] = [];
  response.setEncoding('utf8');
  for await (const chunk of response) chunks.push(chunk as string);
  assert.is(chunks.join(''), 'ab');
});

test('watchIdle: progress that does not count yet (undefined) never times out, and null ends the watch', async () => {
  let fired = 0;
  let state: number | undefined | null;
  const stop = watchIdle(
    IDLE_MS,
    () => state,
    () => fired++,
  );
  await sleep(IDLE_MS * 2);
  assert.is(fired, 0, 'undefined: not counting');
  state = 7;
  await sleep(IDLE_MS * 1.25 + 200);
  assert.is(fired, 1, 'a still number for the whole limit: idle, once');
  stop();
  let ended = 0;
  watchIdle(
    IDLE_MS,
    () => (ended++ === 0 ? 1 : null),
    () => fired++,
  );
  await sleep(IDLE_MS * 2);
  assert.is(fired, 1, 'null: the watch ended without firing');
  assert.is(ended, 2, 'looked at until it said null, then no more');
});

test('a limit of 0 watches nothing', async () => {
  let fired = 0;
  watchIdle(
    0,
    () => 1,
    () => fired++,
  );
  await sleep(100);
  assert.is(fired, 0);
});

test.run();
