/**
 * What `stowage/http` answers to one request, whatever the server: both handlers turn
 * their request into an `HttpRequest`, call `respond`, and write the `HttpReply` their
 * own way (node.ts, fetch.ts).
 */
import type { Readable } from 'node:stream';
import { create as contentDisposition } from 'content-disposition';
import fresh from 'fresh';
import parseRange from 'range-parser';
import type { ByteRange, FileStat } from '../driver.js';
import { isStorageError, StorageError } from '../errors.js';
import { normalizeName } from '../names.js';
import type { Storage } from '../storage.js';
import { urlSignerOf } from '../url-signing.js';

/** Options of `nodeHandler` and `fetchHandler`. */
export interface HandlerOptions {
  /**
   * The URL path the handler is mounted at, the path of the storage's `baseUrl`
   * (`'/media/'` for `baseUrl: 'https://example.com/media/'`). Requests outside it are
   * not answered (the Node handler calls `next()`, the fetch handler answers 404).
   */
  prefix: string;
  /**
   * Answer GET and HEAD with `302 Found` to `storage.url(name)` (a presigned URL on a
   * private bucket) instead of streaming the bytes through this process: for object
   * stores, whose server then serves Range and conditional requests itself. Default false.
   */
  redirect?: boolean | undefined;
  /** `Cache-Control` for objects stored without one. Default: none sent. */
  cacheControl?: string | undefined;
  /**
   * Called with each error answered by 500 or 503, for logging. Default: one line on
   * `console.error` with the error's code, operation and message (never its cause).
   */
  onError?: ((error: StorageError) => void) | undefined;
}

/** A request as the handlers see it. */
export interface HttpRequest {
  method: string;
  /** The path and query as sent (`/media/a%20b.txt?download`). */
  target: string;
  /** A request header (lower-case name), or undefined. */
  header(name: string): string | undefined;
}

/** What to answer: a status, headers, and a body (text, or the object's bytes). */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  /** Text for errors; the object's bytes for 200 and 206 (released by whoever writes it). */
  body?: string | Readable | undefined;
}

/** How long a client should wait before asking again after a 503. */
export const RETRY_AFTER_SECONDS = 5;
/** Attempts at a range read when the object changes between its stat and its read. */
const MAX_RANGE_ATTEMPTS = 3;

/**
 * The reply to `request`, or undefined when its path is outside `options.prefix`.
 * Never rejects: every failure becomes a status (404, 400, 403, 503, 500).
 */
export async function respond(
  storage: Storage,
  request: HttpRequest,
  options: HandlerOptions,
): Promise<HttpReply | undefined> {
  const prefix = mountPath(options.prefix);
  // The raw path and query: URL's own parsing would resolve `..` segments before we could refuse them.
  const [rawPath = '', rawQuery = ''] = request.target.split('#', 1)[0]?.split(/\?(.*)/s) ?? [];
  const query = new URLSearchParams(rawQuery);
  if (!rawPath.startsWith(prefix)) return undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return text(405, 'Method not allowed: use GET or HEAD.', { allow: 'GET, HEAD' });
  }
  try {
    const name = decodeName(rawPath.slice(prefix.length));
    if (name === undefined) return text(400, 'Bad request: the path is not a valid percent-encoded name.');
    // A directory (or the mount point itself) is never listed.
    if (name === '' || name.endsWith('/')) return text(404, 'Not found.');
    const key = normalizeName(name);
    const download = checkAccess(storage, key, query);
    if (typeof download === 'object') return download;
    if (options.redirect) return await redirectTo(storage, key, download);
    return await serve(storage, key, request, download, options);
  } catch (error) {
    return failure(error, options);
  }
}

/** `'/media'`, `'media/'` and `'/media/'` all mean `/media/`. */
function mountPath(prefix: string): string {
  const withSlash = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return withSlash.startsWith('/') ? withSlash : `/${withSlash}`;
}

/**
 * The name a path encodes, as `encodeName` (src/utf8.ts) wrote it: each segment
 * percent-decoded. Undefined when a segment is not valid percent-encoded UTF-8.
 */
function decodeName(path: string): string | undefined {
  try {
    return path.split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

/**
 * What the query asks of the disposition (`?download`, `?download=name.pdf`), after the
 * signature check on storages that sign their URLs; a 403 reply when that check fails.
 */
function checkAccess(storage: Storage, key: string, query: URLSearchParams): boolean | string | undefined | HttpReply {
  const signer = urlSignerOf(storage.driver);
  if (!signer) {
    const download = query.get('download');
    return download === null ? undefined : download === '' ? true : download;
  }
  const check = signer.verify(key, query);
  if (check.valid) return check.download;
  const why = {
    missing: 'this file is private; ask the application for a signed URL',
    expired: 'the signed URL has expired; ask the application for a new one',
    invalid: 'the signature does not match this URL',
  }[check.reason];
  return text(403, `Forbidden: ${why}.`);
}

async function redirectTo(storage: Storage, key: string, download: boolean | string | undefined): Promise<HttpReply> {
  const location = await storage.url(key, download === undefined ? {} : { download });
  return { status: 302, headers: { location, 'cache-control': 'no-store', 'content-length': '0' } };
}

async function serve(
  storage: Storage,
  key: string,
  request: HttpRequest,
  download: boolean | string | undefined,
  options: HandlerOptions,
): Promise<HttpReply> {
  const head = request.method === 'HEAD';
  const rangeHeader = storage.capabilities.rangeRead ? request.header('range') : undefined;
  const conditional =
    request.header('if-none-match') !== undefined || request.header('if-modified-since') !== undefined;
  if (!head && rangeHeader === undefined && !conditional) {
    // The common case in one round trip: the read brings the description with it.
    const file = await storage.open(key);
    return { status: 200, headers: headersOf(file, download, options), body: file.stream() };
  }
  for (let attempt = 1; ; attempt++) {
    const stat = await storage.stat(key);
    const headers = headersOf(stat, download, options);
    if (fresh(requestHeaders(request), headers)) return notModified(headers);
    const range = rangeHeader !== undefined && ifRangeHolds(request, stat) ? pickRange(stat.size, rangeHeader) : 'all';
    if (range === 'unsatisfiable') {
      return text(416, 'Range not satisfiable.', { 'content-range': `bytes */${stat.size}`, 'accept-ranges': 'bytes' });
    }
    if (range !== 'all') {
      const end = range.end ?? stat.size - 1;
      headers['content-range'] = `bytes ${range.start}-${end}/${stat.size}`;
      headers['content-length'] = String(end - range.start + 1);
    }
    const status = range === 'all' ? 200 : 206;
    if (head) return { status, headers };
    const file = await storage.open(key, range === 'all' ? {} : { range });
    // An object replaced between the stat and the read would not match the headers.
    if (file.etag === stat.etag && file.size === stat.size) return { status, headers, body: file.stream() };
    file.close();
    if (attempt === MAX_RANGE_ATTEMPTS) {
      throw new StorageError('UNAVAILABLE', 'The object kept changing while it was read; try again.');
    }
  }
}

/** The response headers that describe an object. */
function headersOf(
  stat: Pick<
    FileStat,
    'name' | 'size' | 'contentType' | 'etag' | 'lastModified' | 'cacheControl' | 'contentDisposition'
  >,
  download: boolean | string | undefined,
  options: HandlerOptions,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': stat.contentType ?? 'application/octet-stream',
    'content-length': String(stat.size),
    'accept-ranges': 'bytes',
    'last-modified': stat.lastModified.toUTCString(),
    // Uploaded files are served as the type they were stored with, never sniffed.
    'x-content-type-options': 'nosniff',
  };
  if (stat.etag !== undefined) headers.etag = stat.etag;
  const cacheControl = stat.cacheControl ?? options.cacheControl;
  if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
  if (download) {
    const filename = typeof download === 'string' ? download : stat.name.slice(stat.name.lastIndexOf('/') + 1);
    headers['content-disposition'] = contentDisposition(filename);
  } else if (stat.contentDisposition !== undefined) {
    headers['content-disposition'] = stat.contentDisposition;
  }
  return headers;
}

/**
 * The validators for `fresh`, without the request's Cache-Control: RFC 9110 §13.2.1
 * has an origin evaluate If-None-Match and If-Modified-Since whatever Cache-Control
 * says, and fetch() itself adds `Cache-Control: no-cache` to every request that carries
 * them (Fetch standard, "HTTP-network-or-cache fetch").
 */
function requestHeaders(request: HttpRequest): Record<string, string | undefined> {
  return { 'if-none-match': request.header('if-none-match'), 'if-modified-since': request.header('if-modified-since') };
}

/** RFC 9110 §15.4.5: a 304 carries the validators and caching headers, no body. */
function notModified(headers: Record<string, string>): HttpReply {
  const kept = ['etag', 'last-modified', 'cache-control', 'content-disposition'];
  return {
    status: 304,
    headers: Object.fromEntries(Object.entries(headers).filter(([name]) => kept.includes(name))),
  };
}

/**
 * RFC 9110 §13.1.5: a Range applies only while the `If-Range` validator still
 * matches: the strong ETag, or exactly the Last-Modified date.
 */
function ifRangeHolds(request: HttpRequest, stat: Pick<FileStat, 'etag' | 'lastModified'>): boolean {
  const ifRange = request.header('if-range');
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) {
    return !ifRange.startsWith('W/') && stat.etag !== undefined && !stat.etag.startsWith('W/') && ifRange === stat.etag;
  }
  const date = Date.parse(ifRange);
  return Number.isFinite(date) && Math.floor(stat.lastModified.getTime() / 1000) * 1000 === date;
}

/**
 * The one byte range a `Range` header asks for; 'all' when it is malformed, not in
 * bytes, or asks for several ranges (served whole, as RFC 9110 §14.2 allows).
 */
function pickRange(size: number, header: string): ByteRange | 'all' | 'unsatisfiable' {
  const ranges = parseRange(size, header, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return 'all';
  const [range] = ranges as parseRange.Ranges;
  return range ? { start: range.start, end: range.end } : 'all';
}

/** The status of a failed request; nothing of the error but its kind reaches the client. */
function failure(error: unknown, options: HandlerOptions): HttpReply {
  if (isStorageError(error, 'NOT_FOUND')) return text(404, 'Not found.');
  if (isStorageError(error, 'INVALID_NAME')) return text(400, 'Bad request: not a valid file name.');
  const storageError = isStorageError(error)
    ? error
    : new StorageError('UNEXPECTED', `stowage/http failed unexpectedly: ${String(error)}`, { cause: error });
  (options.onError ?? logError)(storageError);
  if (storageError.code === 'UNAVAILABLE') {
    return text(503, 'Service unavailable: try again shortly.', { 'retry-after': String(RETRY_AFTER_SECONDS) });
  }
  return text(500, 'Internal server error.');
}

function logError(error: StorageError): void {
  console.error(`stowage/http: ${error.code} in ${error.operation ?? 'request'}: ${error.message}`);
}

function text(status: number, message: string, headers: Record<string, string> = {}): HttpReply {
  const body = `${message}\n`;
  return {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  };
}
