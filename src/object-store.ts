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
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { configError } from './env.js';
import type { StorageError } from './errors.js';
import { backoffDelay, type RetryPolicy, sleep } from './retry.js';
import type { ErrorFacts } from './s3-errors.js';
import { encodeName } from './utf8.js';
import { type Unwatch, watchIdle } from './watchdog.js';

/** User-metadata key (sent as `x-amz-meta-stowage-pending`) on a name reserved by an upload in progress. */
export const PENDING_METADATA = 'stowage-pending';
/**
 * User-metadata key (`x-amz-meta-stowage-write`) carrying a random token of the save that
 * stored an object: after an answer was lost, the save asks the server whether the object
 * under the name is its own, which neither the bytes nor the ETag can tell (two saves may
 * store the same bytes).
 */
export const WRITE_METADATA = 'stowage-write';
/** The metadata keys stowage sets itself: refused in a save's metadata, left out of what a stat reports. */
export const RESERVED_METADATA: readonly string[] = [PENDING_METADATA, WRITE_METADATA];

/** S3's smallest part (5 MiB), and a default part size that keeps memory bounded. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
// 8 MiB: two parts in flight keep a 1 GiB upload within 64 MiB of memory at full
// speed (docs/benchmarks.md); 16 MiB parts measured +81 MiB (MinIO) and +164 MiB (S3).
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** S3's largest part (5 GiB). */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

export type StreamHead =
  /** The stream ended within `limit`: `head` is all of it, in one Buffer. */
  | { head: Buffer; rest: undefined }
  /**
   * The stream is longer than `limit`: `rest` is the whole stream again, its first
   * chunks replayed as they were read. They are not joined into one Buffer: a multipart
   * upload copies them into its own part buffers anyway (src/parts.ts), and a joined
   * copy of the first part would be one more allocation of partSize to collect.
   */
  | { head: undefined; rest: StreamRest };

/** The chunks of a stream, read once; `destroy()` releases the stream when they are not all wanted. */
export interface StreamRest extends AsyncIterable<Buffer> {
  destroy(): void;
}

/**
 * Reads up to `limit` bytes (plus at most one chunk) from `stream`. Memory stays
 * bounded by `limit` whatever the stream's length.
 */
export async function readHead(stream: Readable, limit: number): Promise<StreamHead> {
  const chunks: Buffer[] = [];
  let length = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  while (length <= limit) {
    const { value, done } = await iterator.next();
    if (done) return { head: Buffer.concat(chunks, length), rest: undefined };
    chunks.push(value);
    length += value.length;
  }
  // A plain iterator over the source's own, not a stream around it: no chunk is copied
  // or buffered again on its way to the part buffers.
  const rest: AsyncIterator<Buffer> = {
    // Handed over one by one and forgotten, so that each can be collected once used.
    next: () => {
      const held = chunks.shift();
      return held === undefined ? iterator.next() : Promise.resolve({ value: held, done: false });
    },
    return: async () => {
      chunks.length = 0;
      stream.destroy();
      return { value: undefined, done: true };
    },
  };
  return { head: undefined, rest: { [Symbol.asyncIterator]: () => rest, destroy: () => void rest.return?.() } };
}

/** How a body read resumes after a fault (see `resumableBody`). */
export interface ResumeOptions {
  policy: RetryPolicy;
  /** Milliseconds without a byte, while the reader waits for one, before the read counts as stalled; 0 for none. */
  idleTimeoutMs: number;
  /** The object offset of the body's first byte. */
  start: number;
  /** The object offset of the body's last byte (inclusive). */
  end: number;
  /** Requests the object again from `offset` to `end`, of the same version (If-Match on its ETag). */
  reopen(offset: number): Promise<Readable>;
  /** The StorageError for a failure of the body or of `reopen` (its `retryable` decides). */
  map(error: unknown): StorageError;
}

/**
 * A GET body that survives a connection cut or stalled half-way: on a retryable
 * failure it asks for the rest (a Range from the first missing byte, If-Match on the
 * ETag so that two versions are never spliced), up to `policy.maxAttempts` times in a
 * row without progress. A stall counts only while the reader waits for data, so a
 * slow reader is never timed out. Destroying the body releases the connection.
 *
 * A response that has arrived whole is handed over as it is: no cut or stall can touch it
 * any more. A small one (it fits in its buffer) is given a few turns of the event loop to
 * arrive, since its body is usually a socket read behind its headers; one still on its way
 * after them, or that fails on the way, gets the wrapper. At 4 KiB the wrapper (a
 * Readable, its listeners, the watch) was 2 % of an open+read's client CPU, and waiting
 * with stream listeners instead cost as much again in a process where other clients'
 * streams run too.
 */
export async function resumableBody(first: Readable, options: ResumeOptions): Promise<Readable> {
  const length = options.end - options.start + 1;
  if (arrived(first, length)) return first;
  // Only a response itself says when it has arrived (a checksum-validating stream around one does not).
  const response = typeof (first as Readable & { complete?: boolean }).complete === 'boolean';
  if (!response || length >= first.readableHighWaterMark) return new ResumingBody(first, options);
  let failure: Error | undefined;
  const failed = (error: Error) => {
    failure = error;
  };
  first.once('error', failed);
  for (let turn = 0; turn < ARRIVAL_TURNS && failure === undefined && !first.destroyed; turn++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (arrived(first, length)) break;
  }
  first.off('error', failed);
  if (failure === undefined && arrived(first, length)) return first;
  if (failure === undefined && first.destroyed) {
    failure = Object.assign(new Error('the connection closed early'), { code: 'ECONNRESET' });
  }
  return new ResumingBody(first, options, failure);
}

/** Turns of the event loop a small response gets to arrive whole: its body comes one socket read (a turn) later. */
const ARRIVAL_TURNS = 3;

/**
 * True when the whole of a body is already in memory: an HTTP response (as both SDKs give
 * it) that was received to its end, its bytes still buffered.
 */
function arrived(body: Readable, length: number): boolean {
  return (body as Readable & { complete?: boolean }).complete === true && body.readableLength === length;
}

/**
 * What ResumingBody buffers before it pauses the response: more than one socket read
 * (64 KiB), so that a reader keeping up never pauses it. At 64 KiB every chunk filled the
 * buffer, and the response was paused and resumed (the socket's reading stopped and
 * restarted, the stall timer disarmed and armed again) once per chunk.
 */
const RESUMING_HIGH_WATER_MARK = 256 * 1024;
class ResumingBody extends Readable {
  readonly #options: ResumeOptions;
  #body: Readable;
  #offset: number;
  /** Failures since the last byte arrived. */
  #failures = 0;
  #reopening = false;
  /** The reader asked for data and the buffer has not filled since: a stall counts. */
  #waiting = false;
  /** Stops the stall watch; undefined while there is none. */
  #unwatch: Unwatch | undefined;

  /** `failed`: `first` has failed already (and is done with); the body starts by asking again. */
  constructor(first: Readable, options: ResumeOptions, failed?: Error) {
    super({ highWaterMark: RESUMING_HIGH_WATER_MARK });
    this.#options = options;
    this.#offset = options.start;
    this.#body = first;
    if (failed === undefined) this.#attach(first);
    else void this.#failed(first, failed);
  }

  override _read(): void {
    if (this.#reopening) return;
    this.#waiting = true;
    if (this.#unwatch === undefined) this.#watch();
    this.#body.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#stopWatching();
    this.#body.destroy();
    callback(error);
  }

  #attach(body: Readable): void {
    this.#body = body;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      void this.#failed(body, error);
    };
    // Paused before the 'data' listener, so that data flows only when this body is read.
    body.pause();
    body.on('data', (chunk: Buffer) => {
      this.#offset += chunk.length;
      this.#failures = 0;
      if (!this.push(chunk)) {
        this.#waiting = false;
        body.pause();
      }
    });
    body.once('end', () => {
      settled = true;
      this.#stopWatching();
      this.push(null);
    });
    body.once('error', fail);
    // The error only when it counts: every body closes, and an Error captures a stack.
    body.once('close', () => {
      if (!settled) fail(Object.assign(new Error('the connection closed early'), { code: 'ECONNRESET' }));
    });
  }

  async #failed(body: Readable, error: unknown): Promise<void> {
    body.destroy();
    if (this.destroyed) return;
    const mapped = this.#options.map(error);
    this.#failures++;
    if (!mapped.retryable || this.#failures >= this.#options.policy.maxAttempts) {
      this.destroy(mapped);
      return;
    }
    this.#reopening = true;
    this.#waiting = false;
    try {
      await sleep(backoffDelay(this.#options.policy, this.#failures));
      if (this.destroyed) return;
      if (this.#offset > this.#options.end) {
        this.push(null);
        return;
      }
      const next = await this.#options.reopen(this.#offset);
      if (this.destroyed) {
        next.destroy();
        return;
      }
      this.#reopening = false;
      this.#attach(next);
      this._read();
    } catch (reopenError) {
      this.destroy(this.#options.map(reopenError));
    }
  }

  /**
   * Watches for a stall (src/watchdog.ts): the body is ended when the reader has waited
   * `idleTimeoutMs` without a byte. A chunk costs no timer work (a timer refreshed per
   * chunk was a measurable part of a large read).
   */
  #watch(): void {
    const ms = this.#options.idleTimeoutMs;
    this.#unwatch = watchIdle(
      ms,
      () => (this.destroyed ? null : this.#waiting && !this.#reopening ? this.#offset : undefined),
      () => {
        this.#unwatch = undefined;
        this.#body.destroy(Object.assign(new Error(`no data for ${ms} ms (requestTimeoutMs)`), { code: 'ETIMEDOUT' }));
      },
    );
  }

  #stopWatching(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
  }
}

/**
 * The ETag S3 gives a completed multipart upload: the MD5 of the parts' binary MD5s,
 * a dash and the part count. `partEtags` are the parts' ETags in order.
 */
export function multipartEtag(partEtags: readonly string[]): string {
  const hash = createHash('md5');
  for (const etag of partEtags) hash.update(Buffer.from(etag.replace(/"/g, ''), 'hex'));
  return `${hash.digest('hex')}-${partEtags.length}`;
}

/** `metadata` without the keys stowage sets itself (RESERVED_METADATA). */
export function userMetadata(metadata: Readonly<Record<string, string>>): Record<string, string> {
  // Copied key by key: `delete` on a copy turned it into a slow dictionary object on every read.
  const user: Record<string, string> = {};
  for (const key in metadata) if (!RESERVED_METADATA.includes(key)) user[key] = metadata[key] as string;
  return user;
}

/** True when an object's user metadata marks it as a name reserved by an upload in progress. */
export function isPending(metadata: Readonly<Record<string, string>> | undefined): boolean {
  return metadata?.[PENDING_METADATA] !== undefined;
}

/**
 * The endpoint users reach the object store at (a CDN or reverse proxy), as a full
 * URL that may carry a path prefix: `https://cdn.example.com/s3`. URLs are signed for
 * its origin (the Host header the server sees) and the prefix is added afterwards,
 * so the proxy must strip the prefix and pass the Host header through unchanged.
 */
export interface ExternalEndpoint {
  /** `https://cdn.example.com` (scheme, host and port; no trailing slash). */
  origin: string;
  /** `''` or `/s3` (no trailing slash). */
  pathPrefix: string;
}

/** Parses an external endpoint URL; `setting` names the option or variable in the INVALID_CONFIG error. */
export function parseExternalEndpoint(value: string, setting: string): ExternalEndpoint {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(setting, `must be a full URL such as https://cdn.example.com/s3 (got ${JSON.stringify(value)})`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    throw configError(setting, `must be an http(s) URL without query or fragment (got ${JSON.stringify(value)})`);
  }
  if (url.username !== '' || url.password !== '') {
    throw configError(setting, 'must not carry credentials');
  }
  return { origin: url.origin, pathPrefix: url.pathname.replace(/\/+$/, '') };
}

/** Inserts the endpoint's path prefix into a URL that was built or signed for its origin. */
export function withPathPrefix(url: string, endpoint: ExternalEndpoint): string {
  if (endpoint.pathPrefix === '') return url;
  const parsed = new URL(url);
  return `${parsed.origin}${endpoint.pathPrefix}${parsed.pathname}${parsed.search}`;
}

/** The plain (unsigned) path-style URL of an object in a public bucket. */
export function publicObjectUrl(endpoint: ExternalEndpoint, bucket: string, key: string): string {
  return `${endpoint.origin}${endpoint.pathPrefix}/${bucket}/${encodeName(key)}`;
}

/**
 * The `Content-Disposition` a presigned download asks the server to send:
 * `attachment`, with the file name (RFC 6266: an ASCII fallback and the UTF-8 form).
 */
export function attachmentDisposition(download: boolean | string): string {
  if (download === true || download === '') return 'attachment';
  if (download === false) return 'inline';
  const fallback = download.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(download)}`;
}

/** The whole object's size from a `Content-Range: bytes 0-9/1234` header. */
export function totalFromContentRange(header: string | undefined): number | undefined {
  const total = header?.split('/')[1];
  return total === undefined || total === '*' ? undefined : Number(total);
}

/** Resolves undefined when `call` fails with the S3 error `code`, as `facts` reads the SDK's error. */
export async function unlessCode<T>(
  call: Promise<T>,
  code: string,
  facts: (error: unknown) => ErrorFacts,
): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (facts(error).code === code) return undefined;
    throw error;
  }
}
