/**
 * stowage/browser: the page side of direct uploads. The application server asks
 * stowage for an upload (`createUploadUrl`, `createMultipartUpload`) and hands the
 * answer to the page as JSON; the page calls `upload(file, target, options)`, which
 * sends the bytes straight to the object store, never through the application.
 *
 * Dependency-free and for browsers only (XMLHttpRequest, for upload progress, which
 * fetch does not report). It imports nothing outside this folder.
 *
 * - A POST-policy form (`method: 'POST'`): one request; the server enforces the
 *   policy's content type and size.
 * - A presigned PUT (`method: 'PUT'`): one request with the headers the URL was signed with.
 * - Presigned multipart part URLs (`uploadId` and `parts`): parts in parallel, each
 *   retried after a network fault or a 5xx, resumable from the parts already uploaded
 *   (`uploaded`, from `listUploadedParts` on the server). The application server
 *   completes the upload afterwards (`completeMultipartUpload`); the page never can.
 */
import { type RequestSpec, send, UploadError } from './request.js';

export { UploadError, type UploadErrorCode } from './request.js';

/** A POST-policy upload, as `createUploadUrl` answers it. */
export interface FormTarget {
  method: 'POST';
  url: string;
  /** The policy's fields, sent before the file. */
  fields: Record<string, string>;
  /** The name stowage reserved for this upload. */
  name?: string | undefined;
}

/** A presigned single PUT, as `createUploadUrl({ method: 'PUT' })` answers it. */
export interface PutTarget {
  method: 'PUT';
  url: string;
  /** Headers the URL was signed with; sent unchanged. */
  headers?: Record<string, string> | undefined;
  name?: string | undefined;
}

/** One presigned part URL of a multipart upload. */
export interface PartTarget {
  partNumber: number;
  url: string;
  headers?: Record<string, string> | undefined;
}

/** A presigned multipart upload, as `createMultipartUpload` answers it. */
export interface MultipartTarget {
  name: string;
  uploadId: string;
  /** The file size the parts were signed for; checked against the file when given. */
  size?: number | undefined;
  /** Every part but the last is exactly this long; the last holds the rest. */
  partSize: number;
  /** One URL per part, numbered from 1. */
  parts: PartTarget[];
}

export type UploadTarget = FormTarget | PutTarget | MultipartTarget;

/** A part the object store holds (as `listUploadedParts` reports it, or as uploaded here). */
export interface UploadedPart {
  partNumber: number;
  size: number;
  /** The part's ETag when the server exposes it (CORS `ExposeHeaders: ETag`). */
  etag?: string | undefined;
}

export interface UploadProgress {
  /** Bytes the object store has received so far (parts already uploaded included). */
  loaded: number;
  total: number;
}

export interface UploadOptions {
  /** Aborts every request in flight; the upload rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /**
   * Called as bytes go out. `loaded` may step back when a part is retried, by what
   * that part had sent.
   */
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** Attempts after the first, per request, after a network fault, 408, 429 or 5xx. Default 3. */
  retries?: number | undefined;
  /** The first retry's delay in milliseconds, doubled at each further one (with jitter). Default 500. */
  retryDelayMs?: number | undefined;
  /** Called before each retry, with the failure and the part it was for (multipart uploads). */
  onRetry?: ((retry: { error: UploadError; attempt: number; partNumber?: number | undefined }) => void) | undefined;
}

export interface MultipartOptions extends UploadOptions {
  /** Parts in flight at once. Default 4. */
  concurrency?: number | undefined;
  /** Parts already uploaded (from `listUploadedParts` after a reload): sent again only if their size is wrong. */
  uploaded?: readonly UploadedPart[] | undefined;
  /** Called once per part the store has accepted, e.g. to remember progress across a reload. */
  onPart?: ((part: UploadedPart) => void) | undefined;
}

export interface UploadResult {
  /** The name stowage reserved, when the target carries it. */
  name: string | undefined;
  /** The object store's HTTP status (204 or 201 for a form, 200 for a PUT or the last part). */
  status: number;
  /** The object's ETag (form and PUT uploads, when exposed). */
  etag?: string | undefined;
  /** Every part, in order (multipart uploads). */
  parts?: UploadedPart[] | undefined;
}

const DEFAULT_RETRIES = 3;
const DEFAULT_RETRY_DELAY_MS = 500;
const DEFAULT_CONCURRENCY = 4;

/**
 * Uploads `file` to `target` (a form, a PUT or a multipart upload), resolving when
 * the object store has accepted every byte. Rejects with an `UploadError`, or with the
 * signal's reason when aborted.
 */
export function upload(file: Blob, target: UploadTarget, options: MultipartOptions = {}): Promise<UploadResult> {
  if ('uploadId' in target) return uploadMultipart(file, target, options);
  if (target.method === 'POST') return uploadForm(file, target, options);
  return uploadPut(file, target, options);
}

/** Uploads `file` through a POST-policy form: the policy's fields, then the file. */
export async function uploadForm(file: Blob, target: FormTarget, options: UploadOptions = {}): Promise<UploadResult> {
  const form = new FormData();
  for (const [key, value] of Object.entries(target.fields)) form.append(key, value);
  // S3 reads the file from the last field, named "file"; fields after it are ignored.
  form.append('file', file);
  const answer = await withRetries(options, () =>
    send({ method: 'POST', url: target.url, body: form, signal: options.signal, onSent: progressOf(file, options) }),
  );
  options.onProgress?.({ loaded: file.size, total: file.size });
  return { name: target.name, status: answer.status, etag: answer.etag };
}

/** Uploads `file` with one presigned PUT, sending the headers it was signed with. */
export async function uploadPut(file: Blob, target: PutTarget, options: UploadOptions = {}): Promise<UploadResult> {
  const answer = await withRetries(options, () =>
    send({
      method: 'PUT',
      url: target.url,
      headers: target.headers,
      body: file,
      signal: options.signal,
      onSent: progressOf(file, options),
    }),
  );
  return { name: target.name, status: answer.status, etag: answer.etag };
}

/**
 * Uploads `file` through presigned part URLs, `concurrency` parts at a time, skipping
 * the parts in `options.uploaded` that have the right size. Resolves with every part;
 * the application server then completes the upload.
 */
export async function uploadMultipart(
  file: Blob,
  target: MultipartTarget,
  options: MultipartOptions = {},
): Promise<UploadResult> {
  if (options.signal?.aborted) throw options.signal.reason;
  const ranges = partRanges(file.size, target);
  const done = new Map<number, UploadedPart>();
  for (const part of options.uploaded ?? []) {
    const range = ranges.get(part.partNumber);
    if (range && part.size === range.end - range.start) done.set(part.partNumber, part);
  }
  const inFlight = new Map<number, number>();
  const report = () => {
    let loaded = 0;
    for (const part of done.values()) loaded += part.size;
    for (const sent of inFlight.values()) loaded += sent;
    options.onProgress?.({ loaded, total: file.size });
  };
  report();
  const queue = target.parts.filter((part) => !done.has(part.partNumber));
  const controller = new AbortController();
  const stop = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', stop, { once: true });
  let status = 200;
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const range = ranges.get(part.partNumber) as PartRange;
      const spec: RequestSpec = {
        method: 'PUT',
        url: part.url,
        headers: part.headers,
        body: file.slice(range.start, range.end),
        signal: controller.signal,
        onSent: (sent) => {
          inFlight.set(range.partNumber, sent);
          report();
        },
      };
      const answer = await withRetries(
        { ...options, signal: controller.signal },
        () => {
          inFlight.set(range.partNumber, 0);
          return send(spec);
        },
        range.partNumber,
      );
      inFlight.delete(range.partNumber);
      const uploaded = { partNumber: range.partNumber, size: range.end - range.start, etag: answer.etag };
      done.set(range.partNumber, uploaded);
      status = answer.status;
      report();
      options.onPart?.(uploaded);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, queue.length));
  try {
    // The first failure stops the other workers: their requests are aborted.
    await Promise.all(
      Array.from({ length: workers }, () =>
        worker().catch((error: unknown) => {
          if (!controller.signal.aborted) controller.abort(error);
          throw error;
        }),
      ),
    );
  } catch (error) {
    throw options.signal?.aborted ? options.signal.reason : error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  const parts = [...done.values()].sort((a, b) => a.partNumber - b.partNumber);
  return { name: target.name, status, parts };
}

interface PartRange {
  partNumber: number;
  start: number;
  /** Exclusive. */
  end: number;
}

/** Each part's byte range; INVALID_CONFIG when the URLs were made for a file of another size. */
function partRanges(size: number, target: MultipartTarget): Map<number, PartRange> {
  const { partSize, parts } = target;
  const expected = size === 0 ? 1 : Math.ceil(size / partSize);
  const numbers = parts.map((part) => part.partNumber).sort((a, b) => a - b);
  const wrongSize = target.size !== undefined && target.size !== size;
  if (wrongSize || !(partSize > 0) || numbers.length !== expected || numbers.some((n, i) => n !== i + 1)) {
    const signed = target.size === undefined ? `${parts.length} parts of ${partSize} bytes` : `${target.size} bytes`;
    throw new UploadError(
      'INVALID_CONFIG',
      `This file (${size} bytes) is not the one the upload was made for (${signed}); ask the server for an upload of this file's size.`,
    );
  }
  const ranges = new Map<number, PartRange>();
  for (const partNumber of numbers) {
    const start = (partNumber - 1) * partSize;
    ranges.set(partNumber, { partNumber, start, end: Math.min(start + partSize, size) });
  }
  return ranges;
}

function progressOf(file: Blob, options: UploadOptions): ((sent: number) => void) | undefined {
  const { onProgress } = options;
  // A form's body is larger than the file (the fields); never report more than the file.
  return onProgress && ((sent) => onProgress({ loaded: Math.min(sent, file.size), total: file.size }));
}

/** Runs `attempt` until it succeeds, fails for good, or `options.retries` retries are spent. */
async function withRetries<T>(options: UploadOptions, attempt: () => Promise<T>, partNumber?: number): Promise<T> {
  const retries = options.retries ?? DEFAULT_RETRIES;
  const base = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof UploadError) || !error.retryable || n > retries || options.signal?.aborted) throw error;
      options.onRetry?.({ error, attempt: n, partNumber });
      await delay(base * 2 ** (n - 1) * (0.5 + Math.random() / 2), options.signal);
    }
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', aborted, { once: true });
  });
}
