/**
 * A tiny HTTP server that answers GET `<base>/<percent-encoded name>` from a Storage,
 * so that URL contract cases can fetch what `url()` returns for drivers that do not
 * serve files themselves (memory, and fs in front of which an app puts a web server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { isStorageError } from '../src/errors.js';
import type { Storage } from '../src/storage.js';

export interface StorageServer {
  /** The base URL to configure as the driver's `baseUrl`. */
  baseUrl: string;
  /** Which storage to serve; set once the storage exists (it needs `baseUrl` first). */
  serve(storage: Storage): void;
  close(): Promise<void>;
}

/** Starts a server on a free loopback port; files are served under `/media/`. */
export async function startStorageServer(): Promise<StorageServer> {
  let storage: Storage | undefined;
  const server: Server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' || !path.startsWith('/media/') || !storage) {
      response.writeHead(404).end();
      return;
    }
    try {
      const name = path.slice('/media/'.length).split('/').map(decodeURIComponent).join('/');
      const file = await storage.open(name);
      response.writeHead(200, {
        'content-type': file.contentType ?? 'application/octet-stream',
        'content-length': file.size,
      });
      await pipeline(file.stream(), response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(isStorageError(error, 'NOT_FOUND') ? 404 : 400);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/media/`,
    serve: (served) => {
      storage = served;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
