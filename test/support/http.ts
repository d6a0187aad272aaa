/**
 * Real HTTP for the web tests: servers on free loopback ports for the Node and fetch
 * handlers, and curl as a second client (it sends paths as they are with
 * --path-as-is, where fetch would resolve dot segments first).
 */
import { execFile } from 'node:child_process';
import { createServer, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { getRequestListener } from '@hono/node-server';
import { fetchHandler, type HandlerOptions, nodeHandler } from '../../src/http/index.js';
import type { Storage } from '../../src/storage.js';

export interface Listening {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts `listener` on a free loopback port. */
export async function listen(listener: RequestListener): Promise<Listening> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Which handler a server runs: nodeHandler on node:http, or fetchHandler behind @hono/node-server. */
export type HandlerKind = 'node' | 'fetch';

/** A server that serves a storage set later (a storage's baseUrl needs the port first). */
export interface StorageListening extends Listening {
  serve(storage: Storage): void;
}

/** Serves `storage` (or, once `serve()` is called, another) at `options.prefix` with the handler of `kind`. */
export async function serveStorage(
  kind: HandlerKind,
  storage: Storage | undefined,
  options: HandlerOptions,
): Promise<StorageListening> {
  let listener: RequestListener | undefined;
  const serve = (served: Storage) => {
    listener =
      kind === 'node'
        ? (nodeHandler(served, options) as RequestListener)
        : getRequestListener(fetchHandler(served, options));
  };
  if (storage) serve(storage);
  const listening = await listen((req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503).end();
  });
  return { ...listening, serve };
}

export interface CurlResult {
  status: number;
  /** Headers of the last response, lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Runs curl with `args` (its URL among them) and returns the last response. Fails
 * loudly when curl is missing: these tests never skip.
 */
export async function curl(args: string[]): Promise<CurlResult> {
  const { stdout } = await promisify(execFile)(
    'curl',
    ['--silent', '--show-error', '--include', '--max-time', '60', ...args],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  // With --include (and -L) each response's head precedes the next; the last one is ours.
  let rest = stdout;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    const head = rest.subarray(0, end).toString('latin1');
    const lines = head.split('\r\n');
    const status = Number(lines[0]?.split(' ')[1]);
    const body = rest.subarray(end + 4);
    if (/^HTTP\/[\d.]+ \d{3}/.test(body.subarray(0, 16).toString('latin1')) && (status === 302 || status === 100)) {
      rest = body;
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status, headers, body };
  }
}

/** A GET of `path` exactly as given (node:http sends it unresolved, as curl --path-as-is does). */
export function rawGet(origin: string, path: string, headers: Record<string, string> = {}): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}/`, { path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) flat[name] = String(value);
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
