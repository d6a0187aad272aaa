/**
 * A real browser for the upload tests: Debian's Chromium (scripts/install-chromium.sh)
 * driven by playwright-core, and an application origin for its pages.
 *
 * `appServer(routes)` serves, on a free loopback port, a page that imports the built
 * `stowage/browser` module (dist/src/browser, so `npm run build` first; npm test does
 * it) as `window.stowage`, plus JSON endpoints the test defines, as an Express or
 * Fastify app would. The object store listens on another port, so every upload is
 * cross-origin and passes through the store's CORS handling as in production.
 *
 * `requireBrowserOrSkip()` is undefined after a loud banner when no Chromium is
 * installed, and a failure with CI=true, as servers.ts does for S3 servers.
 */
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { suite as uvuSuite } from 'uvu';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BROWSER_MODULE_DIR = join(REPO_ROOT, 'dist', 'src', 'browser');
const LAUNCH_TIMEOUT_MS = 60_000;

/** A JSON endpoint of the test application: the parsed request body in, a JSON-able answer out. */
export type Route = (body: unknown) => Promise<unknown> | unknown;

export interface AppServer {
  /** `http://127.0.0.1:port` */
  origin: string;
  /** Endpoints can be added after start (`POST <path>`, JSON both ways). */
  routes: Map<string, Route>;
  close(): Promise<void>;
}

/** Chromium through playwright-core, or undefined (after the banner) when it is not installed. */
export async function requireBrowserOrSkip(suite: string): Promise<Browser | undefined> {
  const tried: string[] = [];
  const executablePath = await findChromium(tried);
  if (!executablePath) {
    reportMissingBrowser(suite, tried);
    const skipped = uvuSuite(`${suite}: no Chromium`);
    skipped.skip('needs Chromium (see the banner above)', () => {});
    skipped.run();
    return undefined;
  }
  return launchChromium(executablePath);
}

/** Headless Chromium at `executablePath` (else the one `scripts/install-chromium.sh` installs). */
export async function launchChromium(executablePath?: string): Promise<Browser> {
  const path = executablePath ?? (await findChromium([]));
  if (!path) throw new Error('no Chromium: run bash scripts/install-chromium.sh (or set STOWAGE_TEST_CHROMIUM)');
  const browser = await chromium.launch({
    executablePath: path,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    // Containers and CI machines often run as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  process.once('exit', () => void browser.close());
  return browser;
}

/** The operating-system process id of a launched Chromium (its browser process, asked over CDP). */
export async function browserProcessId(browser: Browser): Promise<number> {
  const session = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
      processInfo: Array<{ type: string; id: number }>;
    };
    const main = processInfo.find((process) => process.type === 'browser');
    if (!main) throw new Error('Chromium named no browser process');
    return main.id;
  } finally {
    await session.detach();
  }
}

/** Starts the application origin: the page at `/`, the module at `/browser/*.js`, `routes` as POST endpoints. */
export async function appServer(routes: Record<string, Route> = {}): Promise<AppServer> {
  const table = new Map(Object.entries(routes));
  const server = createServer((request, response) => {
    handle(table, request, response).catch((error: unknown) => {
      respond(response, 500, 'application/json', JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    routes: table,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A new page (in a context of its own) on the app's origin, with `window.stowage` loaded. */
export async function openPage(browser: Browser, app: AppServer): Promise<Page> {
  const context = await browser.newContext();
  // Functions passed to page.evaluate() come from tsx (esbuild's keepNames), which wraps
  // named functions in calls to its __name helper; the page needs the helper too.
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${app.origin}/`);
  await page.waitForFunction(() => 'stowage' in window);
  return page;
}

/** What the test page adds to `window` besides `stowage`. */
export interface PageHelpers {
  stowage: typeof import('../../src/browser/index.js');
  /** `size` bytes generated from `seed` (xorshift32): the same file again after a reload. */
  testFile(seed: number, size: number, type?: string): File;
  sha256Hex(blob: Blob): Promise<string>;
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>stowage browser uploads</title>
<script type="module">
  import * as stowage from '/browser/index.js';
  window.testFile = (seed, size, type = 'application/octet-stream') => {
    const words = new Uint32Array(Math.ceil(size / 4));
    let x = seed >>> 0 || 1;
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      words[i] = x >>> 0;
    }
    return new File([new Uint8Array(words.buffer, 0, size)], 'upload.bin', { type });
  };
  window.sha256Hex = async (blob) => {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  };
  window.stowage = stowage;
</script>
`;

async function handle(routes: Map<string, Route>, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://app').pathname;
  if (request.method === 'GET' && path === '/') return respond(response, 200, 'text/html', PAGE);
  if (request.method === 'GET' && path.startsWith('/browser/') && path.endsWith('.js')) {
    const file = normalize(join(BROWSER_MODULE_DIR, path.slice('/browser/'.length)));
    if (!file.startsWith(BROWSER_MODULE_DIR)) return respond(response, 404, 'text/plain', 'not found');
    try {
      return respond(response, 200, 'text/javascript', await readFile(file));
    } catch {
      return respond(response, 404, 'text/plain', `${path} not found: run npm run build`);
    }
  }
  const route = request.method === 'POST' ? routes.get(path) : undefined;
  if (!route) return respond(response, 404, 'text/plain', 'not found');
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  try {
    respond(response, 200, 'application/json', JSON.stringify((await route(body)) ?? null));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    respond(response, 400, 'application/json', JSON.stringify({ code, message }));
  }
}

function respond(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

/** The missing-browser banner on stderr, or thrown when `CI=true` so that CI cannot pass by skipping. */
function reportMissingBrowser(suite: string, tried: readonly string[]): void {
  const ci = process.env.CI === 'true';
  const rule = '='.repeat(100);
  const message = [
    rule,
    ci
      ? `FAILED (CI=true): ${suite} needs Chromium, and none is installed.`
      : `SKIPPED: ${suite} — no Chromium is installed, so these real-browser tests did NOT run.`,
    'Tried:',
    ...tried.map((attempt) => `  - ${attempt}`),
    'To run them:',
    '  bash scripts/install-chromium.sh   (Debian 12: installs the pinned chromium with apt)',
    '  or STOWAGE_TEST_CHROMIUM=/path/to/chromium npm test',
    rule,
  ].join('\n');
  if (ci) throw new Error(message);
  console.error(message);
}

async function findChromium(tried: string[]): Promise<string | undefined> {
  const explicit = process.env.STOWAGE_TEST_CHROMIUM;
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`STOWAGE_TEST_CHROMIUM=${explicit} is not an executable file`);
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) {
    const path = join(dir, 'chromium');
    if (await isExecutable(path)) return path;
  }
  tried.push('STOWAGE_TEST_CHROMIUM: not set', `chromium: not on PATH (${dirs.join(delimiter)})`);
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A request the store proxy saw. */
export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** performance.now() when the request arrived, and when its answer was sent. */
  started: number;
  ended?: number | undefined;
}

export interface StoreProxy {
  /** `http://127.0.0.1:port`: sign URLs for this endpoint (the Host header is passed through unchanged). */
  endpoint: string;
  /** Every request, in arrival order (CORS preflights included). */
  seen: SeenRequest[];
  /**
   * Answers the next `times` requests that `match` with `status` (an S3 XML error,
   * CORS headers included) instead of passing them on, after reading their body.
   */
  failNext(match: (request: SeenRequest) => boolean, status: number, times?: number): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the object store, to see which requests the page sends
 * and to answer some with a server error (503 SlowDown, as S3 does under load).
 */
export async function storeProxy(storeEndpoint: string): Promise<StoreProxy> {
  const store = new URL(storeEndpoint);
  const seen: SeenRequest[] = [];
  const failures: Array<{ match: (request: SeenRequest) => boolean; status: number; left: number }> = [];
  const server = createServer((request, response) => {
    const entry: SeenRequest = { method: request.method ?? 'GET', url: request.url ?? '/', started: performance.now() };
    seen.push(entry);
    response.once('finish', () => {
      entry.ended = performance.now();
    });
    const failure = failures.find((f) => f.left > 0 && f.match(entry));
    if (failure) {
      failure.left--;
      request.resume();
      request.once('end', () => {
        response.writeHead(failure.status, {
          'content-type': 'application/xml',
          'access-control-allow-origin': request.headers.origin ?? '*',
        });
        response.end(
          `<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>`,
        );
      });
      return;
    }
    const upstream = httpRequest(
      { host: store.hostname, port: store.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    failNext: (match, status, times = 1) => {
      failures.push({ match, status, left: times });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
