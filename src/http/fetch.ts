/**
 * `fetchHandler`: `stowage/http` for servers built on the web's Request and Response
 * (Hono, Next.js route handlers, `Deno.serve`/`Bun.serve`-style servers).
 */
import type { Readable } from 'node:stream';
import type { Storage } from '../storage.js';
import { type HandlerOptions, respond } from './respond.js';

export type FetchHandler = (request: Request) => Promise<Response>;

/**
 * Serves `storage` under `options.prefix` (GET and HEAD, Range, ETag, 304, signed URLs);
 * requests outside the prefix get 404. The body is read only as fast as the client
 * takes it, and cancelling the response ends the read and releases the driver's stream.
 */
export function fetchHandler(storage: Storage, options: HandlerOptions): FetchHandler {
  return async (request) => {
    const url = new URL(request.url);
    // `url.pathname` has its dot segments resolved already; the raw path is checked
    // again by respond(), so use what the client sent after the authority.
    const target = request.url.slice(url.origin.length) || '/';
    const reply = await respond(
      storage,
      { method: request.method, target, header: (name) => request.headers.get(name) ?? undefined },
      options,
    );
    if (!reply)
      return new Response('Not found.\n', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    const { body } = reply;
    if (request.method === 'HEAD' || body === undefined || reply.status === 304) {
      if (body !== undefined && typeof body !== 'string') body.destroy();
      return new Response(null, { status: reply.status, headers: reply.headers });
    }
    return new Response(typeof body === 'string' ? body : pulled(body), {
      status: reply.status,
      headers: reply.headers,
    });
  };
}

/**
 * A web stream that reads `body` one chunk per pull, so nothing is read ahead of the
 * client; cancel() destroys `body` (the file descriptor or socket behind it).
 */
function pulled(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value as Uint8Array);
      },
      cancel() {
        body.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
