/**
 * `nodeHandler`: `stowage/http` for Node's `(req, res, next?)` servers — node:http,
 * Express, Koa (`ctx.req`, `ctx.res`) and Fastify (`reply.hijack()`, then the raw pair).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Storage } from '../storage.js';
import { type HandlerOptions, type HttpReply, respond } from './respond.js';

/** The handler's signature; `next` (Express's) is called for paths outside the prefix. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Serves `storage` under `options.prefix` (GET and HEAD, Range, ETag, 304, signed URLs).
 * The body is piped with backpressure, and a client that goes away ends the read and
 * releases the driver's stream. Paths outside the prefix go to `next()`, else 404.
 */
export function nodeHandler(storage: Storage, options: HandlerOptions): NodeHandler {
  return (req, res, next) => {
    // Express strips its mount path from `req.url`; `originalUrl` keeps it.
    const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const request = {
      method: req.method ?? 'GET',
      target,
      header: (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      },
    };
    respond(storage, request, options).then(
      (reply) => {
        if (reply) return write(reply, request.method, res);
        if (next) return next();
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found.\n');
      },
      // respond() turns every failure into a status; this is a last resort.
      (error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy(error instanceof Error ? error : undefined);
      },
    );
  };
}

async function write(reply: HttpReply, method: string, res: ServerResponse): Promise<void> {
  res.writeHead(reply.status, reply.headers);
  const { body } = reply;
  if (body === undefined || method === 'HEAD') {
    if (body !== undefined && typeof body !== 'string') body.destroy();
    res.end();
    return;
  }
  if (typeof body === 'string') {
    res.end(body);
    return;
  }
  try {
    // pipeline waits for the socket to drain, and destroys the body if the client leaves.
    await pipeline(body, res);
  } catch {
    // The client went away or the read failed midway: both streams are destroyed
    // already, and with the status sent there is nothing left to tell the client.
  }
}
