/**
 * Pieces both object-store drivers (MinIO, S3) share: how a large upload reserves its
 * name, and reading the head of a stream to choose between one PUT and a multipart
 * upload without buffering the whole stream.
 *
 * Exclusive create: a single PUT carries `If-None-Match: *`, and when the name is
 * taken the driver retries under `nextName()` with the same bytes. A multipart upload
 * cannot be retried under another name once its stream is consumed, so it first
 * reserves the name with an empty conditional PUT marked `PENDING_METADATA`, uploads,
 * and completes over its own reservation. Drivers report a pending object as
 * NOT_FOUND, and remove the reservation when the upload fails.
 */
import { Readable } from 'node:stream';

/** User-metadata key (sent as `x-amz-meta-stowage-pending`) on a name reserved by an upload in progress. */
export const PENDING_METADATA = 'stowage-pending';

/** S3's smallest part (5 MiB), and a default part size that keeps memory bounded. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const DEFAULT_PART_SIZE = 16 * 1024 * 1024;
/** S3's largest part (5 GiB). */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

export interface StreamHead {
  /** The first bytes, at least `limit` unless the stream ended sooner. */
  head: Buffer;
  /** The whole stream again (head first) when it is longer than `limit`; undefined when `head` is all of it. */
  rest: Readable | undefined;
}

/**
 * Reads up to `limit` bytes (plus at most one chunk) from `stream`. Memory stays
 * bounded by `limit` whatever the stream's length.
 */
export async function readHead(stream: Readable, limit: number): Promise<StreamHead> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]();
  while (length <= limit) {
    const { value, done } = await iterator.next();
    if (done) return { head: Buffer.concat(chunks, length), rest: undefined };
    const chunk = value as Buffer;
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks, length);
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield head;
      for (;;) {
        const { value, done } = await iterator.next();
        if (done) return;
        yield value as Buffer;
      }
    } finally {
      // Destroying the replay early must release the source too.
      await iterator.return?.();
    }
  }
  return { head, rest: Readable.from(replay(), { objectMode: false }) };
}
