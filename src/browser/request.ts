/**
 * One upload request from the page, through XMLHttpRequest (the only browser API that
 * reports upload progress), and the error it fails with.
 */

/** The codes of `UploadError`: the subset of stowage's `StorageError` codes a page can meet. */
export type UploadErrorCode =
  | 'PERMISSION_DENIED'
  | 'NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'UNAVAILABLE'
  | 'INVALID_CONFIG'
  | 'UNEXPECTED';

/**
 * Why an upload failed. `status` is the object store's HTTP status (0: no answer),
 * `serverCode` its S3 error code (`AccessDenied`, `EntityTooLarge`, ...). Messages
 * never contain the URL's query, which holds the signature.
 */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly code: UploadErrorCode;
  readonly status: number;
  readonly serverCode: string | undefined;
  /** True for a fault that the same request may get past (network, 408, 429, 5xx). */
  readonly retryable: boolean;

  constructor(
    code: UploadErrorCode,
    message: string,
    details: { status?: number; serverCode?: string | undefined; retryable?: boolean } = {},
  ) {
    super(message);
    this.code = code;
    this.status = details.status ?? 0;
    this.serverCode = details.serverCode;
    this.retryable = details.retryable ?? false;
  }
}

export interface RequestSpec {
  method: 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string> | undefined;
  body: Blob | FormData;
  signal?: AbortSignal | undefined;
  /** Bytes of the body sent so far. */
  onSent?: ((sent: number) => void) | undefined;
}

export interface Answer {
  status: number;
  etag: string | undefined;
}

/** Sends one request; resolves on a 2xx, rejects with an UploadError or the signal's reason. */
export function send(spec: RequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { signal } = spec;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const xhr = new XMLHttpRequest();
    const aborted = () => xhr.abort();
    const settle = () => signal?.removeEventListener('abort', aborted);
    signal?.addEventListener('abort', aborted, { once: true });
    xhr.open(spec.method, spec.url);
    for (const [name, value] of Object.entries(spec.headers ?? {})) {
      // The browser sets these itself and refuses them from scripts; they are still signed.
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    const { onSent } = spec;
    if (onSent) xhr.upload.onprogress = (event) => onSent(event.loaded);
    xhr.onload = () => {
      settle();
      if (xhr.status >= 200 && xhr.status < 300) {
        if (spec.body instanceof Blob) onSent?.(spec.body.size);
        resolve({ status: xhr.status, etag: xhr.getResponseHeader('ETag') ?? undefined });
      } else {
        reject(answerError(spec, xhr.status, xhr.responseText));
      }
    };
    // No answer: the network failed, or CORS hid the answer (see the browser console).
    xhr.onerror = () => {
      settle();
      reject(
        new UploadError('UNAVAILABLE', `${describe(spec)} got no answer (network fault, or CORS refused the origin).`, {
          retryable: true,
        }),
      );
    };
    xhr.onabort = () => {
      settle();
      reject(signal?.reason ?? new DOMException('The upload was aborted.', 'AbortError'));
    };
    xhr.send(spec.body);
  });
}

/** The error for a non-2xx answer, from its status and S3's XML error body. */
function answerError(spec: RequestSpec, status: number, body: string): UploadError {
  const serverCode = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const serverMessage = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  const retryable = status === 408 || status === 429 || status >= 500;
  const code: UploadErrorCode = retryable
    ? 'UNAVAILABLE'
    : status === 404
      ? 'NOT_FOUND'
      : status === 409 || status === 412
        ? 'PRECONDITION_FAILED'
        : status >= 400 && status < 500
          ? 'PERMISSION_DENIED'
          : 'UNEXPECTED';
  const reason = [serverCode, serverMessage].filter(Boolean).join(': ') || 'no error details';
  const hint =
    code === 'PERMISSION_DENIED'
      ? " The server refused the upload: check the file against the upload's limits (type, size), or ask for a fresh URL if it expired."
      : '';
  return new UploadError(code, `${describe(spec)} answered ${status} (${reason}).${hint}`, {
    status,
    serverCode,
    retryable,
  });
}

/** The request without its query string, which holds the signature. */
function describe(spec: RequestSpec): string {
  const url = new URL(spec.url, globalThis.location?.href);
  return `${spec.method} ${url.origin}${url.pathname}`;
}
