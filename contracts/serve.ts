/**
 * An HTTP server that serves a Storage with stowage/http's `nodeHandler`, so that URL
 * contract cases can fetch what `url()` returns for drivers that do not serve files
 * themselves (memory, and fs, in front of which an application mounts the handler).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type NodeHandler, nodeHandler } from '../src/http/index.js';
import type { Storage } from '../src/storage.js';

export interface StorageServer {
  /** The base URL to configure as the driver's `baseUrl`. */
  baseUrl: string;
  /** Which storage to serve; set once the storage exists (it needs `baseUrl` first). */
  serve(storage: Storage): void;
  close(): Promise<void>;
}

const PREFIX = '/media/';

/** Starts a server on a free loopback port; files are served under `/media/`. */
export async function startStorageServer(): Promise<StorageServer> {
  let handler: NodeHandler | undefined;
  const server: Server = createServer((request, response) => {
    if (handler) handler(request, response);
    else response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${PREFIX}`,
    serve: (storage) => {
      handler = nodeHandler(storage, { prefix: PREFIX });
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
