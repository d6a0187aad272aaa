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
import { configError } from './env.js';
import { MAX_URL_EXPIRY_SECONDS } from './storage.js';
import { encodeName } from './utf8.js';

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

/** True when an object's user metadata marks it as a name reserved by an upload in progress. */
export function isPending(metadata: Readonly<Record<string, string>> | undefined): boolean {
  return metadata?.[PENDING_METADATA] !== undefined;
}

/**
 * Checks a URL expiry setting: whole seconds from 1 to 7 days (S3's SigV4 limit).
 * `setting` names the option or variable in the INVALID_CONFIG error.
 */
export function checkUrlExpiry(seconds: number, setting: string): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_URL_EXPIRY_SECONDS) {
    throw configError(
      setting,
      `must be a whole number of seconds from 1 to ${MAX_URL_EXPIRY_SECONDS} (7 days, the S3 limit for presigned URLs); got ${seconds}`,
    );
  }
  return seconds;
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
