/**
 * Turns what users pass to `save` into the driver's `WriteBody`, and guesses content
 * types. Streams stay streams: nothing here reads a stream into memory.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { lookup } from 'mime-types';
import type { WriteBody } from './driver.js';
import { StorageError } from './errors.js';

/** Everything `Storage.save` accepts as content. */
export type Content =
  | string
  | Uint8Array
  | Blob
  | Readable
  | WebReadableStream<Uint8Array>
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>;

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Converts content to a WriteBody without copying bytes or buffering streams. */
export function toWriteBody(content: Content, name: string): WriteBody {
  if (typeof content === 'string') return { kind: 'bytes', data: Buffer.from(content, 'utf8') };
  if (content instanceof Uint8Array) return { kind: 'bytes', data: content };
  if (typeof Blob !== 'undefined' && content instanceof Blob) {
    const web = content.stream() as unknown as WebReadableStream<Uint8Array>;
    return { kind: 'stream', stream: guarded(Readable.fromWeb(web), name), size: content.size };
  }
  if (content instanceof Readable) return { kind: 'stream', stream: guarded(content, name) };
  if (isWebStream(content))
    return { kind: 'stream', stream: guarded(Readable.fromWeb(content as WebReadableStream), name) };
  if (isAsyncIterable(content)) return { kind: 'stream', stream: guarded(content, name) };
  throw new StorageError(
    'UNSUPPORTED',
    `Cannot save ${describe(content)}: pass a string, Buffer, Uint8Array, Blob, Node Readable, web ReadableStream or AsyncIterable<Uint8Array>.`,
    { operation: 'save', name },
  );
}

/**
 * The content type for `name` from its extension. Looks up the extension only:
 * mime-types' `contentType('a/b.txt')` would take any string with a slash for a type.
 */
export function guessContentType(name: string): string {
  const file = name.slice(name.lastIndexOf('/') + 1);
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return DEFAULT_CONTENT_TYPE;
  return lookup(file.slice(dot)) || DEFAULT_CONTENT_TYPE;
}

/**
 * Re-emits the source's chunks as Buffers (streams in object mode or with an encoding
 * yield strings, which drivers and memfs must not see), and turns a failure of the
 * source into a StorageError, so that drivers pass it through instead of mistaking it
 * for a storage fault (an ENOENT from the user's file stream is not a missing object).
 */
function guarded(source: AsyncIterable<unknown>, name: string): Readable {
  return Readable.from(toBuffers(source, name), { objectMode: false });
}

async function* toBuffers(source: AsyncIterable<unknown>, name: string): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of source) {
      const buffer = toBuffer(chunk);
      bytes += buffer.length;
      yield buffer;
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new StorageError(
      'UNEXPECTED',
      `Reading the content failed after ${bytes} bytes (${detail}); nothing was stored.`,
      { operation: 'save', name, cause: error },
    );
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`the content stream yielded ${describe(chunk)}; yield Uint8Array chunks`);
}

function isWebStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as { getReader?: unknown })?.getReader === 'function';
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object of type ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}
