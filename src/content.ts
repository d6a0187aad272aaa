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
    return { kind: 'stream', stream: asBuffers(Readable.fromWeb(web)), size: content.size };
  }
  if (content instanceof Readable) return { kind: 'stream', stream: asBuffers(content) };
  if (isWebStream(content)) {
    return { kind: 'stream', stream: asBuffers(Readable.fromWeb(content as WebReadableStream)) };
  }
  if (isAsyncIterable(content)) {
    return { kind: 'stream', stream: Readable.from(toBuffers(content), { objectMode: false }) };
  }
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
 * Re-emits a stream's chunks as Buffers: streams in object mode or with an encoding
 * set yield strings, which drivers (and memfs) must not see.
 */
function asBuffers(stream: Readable): Readable {
  if (!stream.readableObjectMode && stream.readableEncoding === null) return stream;
  return Readable.from(toBuffers(stream), { objectMode: false });
}

async function* toBuffers(source: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (Buffer.isBuffer(chunk)) yield chunk;
    else if (typeof chunk === 'string') yield Buffer.from(chunk, 'utf8');
    else if (chunk instanceof Uint8Array) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else throw new TypeError(`a content stream yielded ${describe(chunk)}; yield Uint8Array chunks`);
  }
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
