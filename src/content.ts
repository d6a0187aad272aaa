/**
 * Turns what users pass to `save` into the driver's `WriteBody`, and guesses content
 * types. Streams stay streams: nothing here reads a stream into memory.
 */
import { ReadStream, statSync } from 'node:fs';
import { finished, Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { types } from 'mime-types';
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

/**
 * Converts content to a WriteBody without copying bytes or buffering streams. `size` is
 * the byte count the caller declares (the `size` save option); without it a Blob's size
 * or a file stream's file size stands in. A stream that then yields another count fails
 * before it ends, so that nothing is stored under a wrong length.
 */
export function toWriteBody(content: Content, name: string, size?: number): WriteBody {
  if (size !== undefined && !(Number.isSafeInteger(size) && size >= 0)) {
    throw new StorageError('INVALID_CONFIG', `size must be a non-negative integer of bytes; got ${size}.`, {
      operation: 'save',
      name,
    });
  }
  if (typeof content === 'string' || content instanceof Uint8Array) {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (size !== undefined && size !== data.byteLength) throw sizeMismatch(name, data.byteLength, size);
    return { kind: 'bytes', data };
  }
  if (typeof Blob !== 'undefined' && content instanceof Blob) {
    if (size !== undefined && size !== content.size) throw sizeMismatch(name, content.size, size);
    const blob = content;
    // A Blob reads again from its start (a file's too: fs.openAsBlob), so a failed upload can be sent again.
    const read = () => webSource(blob.stream() as unknown as ReadableStream<Uint8Array>);
    return guardedBody(read(), name, blob.size, read);
  }
  if (content instanceof Readable) return guardedBody(nodeSource(content), name, size ?? fileSize(content));
  if (isWebStream(content)) return guardedBody(webSource(content), name, size);
  if (isAsyncIterable(content)) return guardedBody(iterableSource(content), name, size);
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
  // mime-types' own table, without lookup()'s path.extname of 'x.' + the name on every save.
  return types[file.slice(dot + 1).toLowerCase()] ?? DEFAULT_CONTENT_TYPE;
}

/**
 * What a GuardedStream holds before it pauses its source: one file-stream chunk (64 KiB).
 * With Node 20's default (16 KiB) every such chunk would pause and resume the source.
 */
const GUARDED_HIGH_WATER_MARK = 64 * 1024;

/** `again`, when given, opens the same content anew (WriteBody's `reopen`). */
function guardedBody(source: Source, name: string, size: number | undefined, again?: () => Source): WriteBody {
  const reopen = again && (() => new GuardedStream(again(), name, size));
  return { kind: 'stream', stream: new GuardedStream(source, name, size), size, reopen };
}

/**
 * Where a GuardedStream takes its chunks from. A Node stream is followed by its events
 * (flowing, paused when the consumer is full): its async iterator would put an async
 * generator and a promise per chunk on the hot path. Web streams and other iterables
 * are pulled one chunk per `_read`.
 */
type Source =
  | { kind: 'node'; stream: Readable }
  | { kind: 'pull'; next(): Promise<IteratorResult<unknown>>; cancel(): void };

/**
 * The user's source as the Node stream of Buffers a driver reads: each chunk is handed
 * on as it is (strings from a stream with an encoding or in object mode become Buffers,
 * which drivers and memfs need), in one pass. A failure of the source becomes a
 * StorageError (UNEXPECTED), so that drivers pass it through instead of mistaking it for
 * a storage fault (an ENOENT from the user's file stream is not a missing object); so
 * does a count of bytes other than a declared size. Destroying this stream releases the
 * source.
 */
class GuardedStream extends Readable {
  readonly #source: Source;
  readonly #name: string;
  readonly #size: number | undefined;
  #bytes = 0;
  #pulling = false;
  /** Whether the consumer is waiting for a chunk (it called `_read` and was not yet given enough). */
  #wanted = false;
  /** A failure that happened while nobody was reading, raised at the next `_read`. */
  #failure: StorageError | undefined;

  constructor(source: Source, name: string, size: number | undefined) {
    super({ highWaterMark: GUARDED_HIGH_WATER_MARK });
    this.#source = source;
    this.#name = name;
    this.#size = size;
    if (source.kind === 'node') this.#follow(source.stream);
  }

  override _read(): void {
    this.#wanted = true;
    if (this.#failure) {
      this.destroy(this.#failure);
      return;
    }
    if (this.#source.kind === 'node') {
      this.#source.stream.resume();
      return;
    }
    if (!this.#pulling) this.#pull(this.#source);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#source.kind === 'node') this.#source.stream.destroy();
    else this.#source.cancel();
    callback(error);
  }

  #follow(stream: Readable): void {
    stream.pause();
    stream.on('data', (chunk: unknown) => {
      if (!this.#accept(chunk)) stream.pause();
    });
    finished(stream, (error) => {
      if (error) this.#fail(error);
      else this.#end();
    });
  }

  #pull(source: Extract<Source, { kind: 'pull' }>): void {
    this.#pulling = true;
    source.next().then(
      ({ done, value }) => {
        this.#pulling = false;
        if (this.destroyed) return;
        if (done) this.#end();
        else if (this.#accept(value)) this.#pull(source);
      },
      (error: unknown) => {
        this.#pulling = false;
        this.#fail(error);
      },
    );
  }

  /** Hands a chunk on; false when the consumer wants no more for now (or the stream failed). */
  #accept(chunk: unknown): boolean {
    if (this.destroyed) return false;
    let buffer: Buffer;
    try {
      buffer = toBuffer(chunk);
    } catch (error) {
      this.#fail(error);
      return false;
    }
    this.#bytes += buffer.length;
    if (this.#size !== undefined && this.#bytes > this.#size) {
      this.#raise(sizeMismatch(this.#name, `more than ${this.#size}`, this.#size));
      return false;
    }
    this.#wanted = this.push(buffer);
    return this.#wanted;
  }

  #end(): void {
    if (this.destroyed) return;
    if (this.#size !== undefined && this.#bytes !== this.#size) {
      this.#raise(sizeMismatch(this.#name, this.#bytes, this.#size));
      return;
    }
    this.push(null);
  }

  #fail(error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.#raise(
      new StorageError(
        'UNEXPECTED',
        `Reading the content failed after ${this.#bytes} bytes (${detail}); nothing was stored.`,
        {
          operation: 'save',
          name: this.#name,
          cause: error,
        },
      ),
    );
  }

  /**
   * Fails the stream now if its consumer is waiting, else at its next read: a body that a
   * driver never started reading (it failed first) must not emit an unhandled 'error'
   * because the source failed on its own, as a file stream that cannot open does.
   */
  #raise(error: StorageError): void {
    if (this.destroyed || this.#failure) return;
    if (this.#wanted) this.destroy(error);
    else this.#failure = error;
  }
}

function nodeSource(stream: Readable): Source {
  return { kind: 'node', stream };
}

function webSource(stream: ReadableStream<Uint8Array>): Source {
  const reader = stream.getReader();
  return {
    kind: 'pull',
    next: () => reader.read() as Promise<IteratorResult<unknown>>,
    cancel: () => {
      reader.cancel().catch(() => {});
    },
  };
}

function iterableSource(iterable: AsyncIterable<unknown>): Source {
  const iterator = iterable[Symbol.asyncIterator]();
  return {
    kind: 'pull',
    next: () => iterator.next(),
    cancel: () => {
      iterator.return?.()?.catch(() => {});
    },
  };
}

/**
 * The size of the file an fs.ReadStream reads whole (no start or end), when it can be
 * known now; the stream itself reports a missing file.
 */
function fileSize(stream: Readable): number | undefined {
  if (!(stream instanceof ReadStream)) return undefined;
  const { path, start, end, bytesRead } = stream as ReadStream & { start?: number; end?: number };
  if (start !== undefined || (end !== undefined && end !== Number.POSITIVE_INFINITY) || bytesRead > 0) return undefined;
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}

function sizeMismatch(name: string, actual: number | string, size: number): StorageError {
  return new StorageError(
    'INVALID_CONFIG',
    `The content is ${actual} bytes long, not the ${size} bytes its size says (the size option, a Blob's size or the file's size when save was called); nothing was stored.`,
    { operation: 'save', name },
  );
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
