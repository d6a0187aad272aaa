/**
 * A counting HTTP proxy (node:http only) between a client and the S3 server: it
 * forwards every request unchanged (Host included, so signatures still verify) and
 * counts them by method. bench/run.ts sends a few operations of each kind through it,
 * untimed, to report how many HTTP requests each layer sends per operation.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestCounter {
  /** `http://127.0.0.1:<port>`: use it as the endpoint. */
  endpoint: string;
  /** Requests forwarded since the last reset, by method (`PUT`, `GET`, ...). */
  counts(): Record<string, number>;
  reset(): void;
  close(): Promise<void>;
}

export async function startRequestCounter(upstream: string): Promise<RequestCounter> {
  const target = new URL(upstream);
  let counts: Record<string, number> = {};
  const server: Server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const method = incoming.method ?? 'GET';
    counts[method] = (counts[method] ?? 0) + 1;
    const forwarded = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    reset: () => {
      counts = {};
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
