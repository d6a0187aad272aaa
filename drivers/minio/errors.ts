/**
 * The one place where minio-js and network errors become StorageErrors.
 *
 * minio-js names an S3 error by `code` (from the XML body, or from the status for
 * bodiless HEAD responses: 404 → `NotFound`, 403 → `AccessDenied`). With retries off it
 * turns 5xx/429 answers into a plain Error "Retryable HTTP status: 503" without reading
 * the body, so those are recognised by their status. Node's socket errors carry an
 * `E...` code. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { S3Error } from 'minio';
import { StorageError, type StorageErrorCode } from '../../src/errors.js';

/** What the mapper knows about the failed call, for the message. */
export interface MinioErrorContext {
  /** The object name, when the call was about one. */
  name?: string | undefined;
  bucket?: string | undefined;
  /** `host:port` of the server the request went to. */
  endpoint: string;
  /** Strings that must never appear in a message (the secret key). */
  secrets?: readonly string[] | undefined;
}

interface Rule {
  code: StorageErrorCode;
  hint: string;
  retryable?: boolean;
}

const MISSING_BUCKET: Rule = {
  // Not NOT_FOUND: exists() must not answer "no such file" for a whole missing bucket.
  code: 'INVALID_CONFIG',
  hint: 'the bucket does not exist; create it with `stowage init-buckets` (initializeBuckets), or set bucketCheckOnSave (MINIO_BUCKET_CHECK_ON_SAVE=true)',
};

const BY_S3_CODE: Record<string, Rule> = {
  NoSuchKey: { code: 'NOT_FOUND', hint: 'no object of that name' },
  NotFound: { code: 'NOT_FOUND', hint: 'no object of that name' },
  NoSuchUpload: { code: 'NOT_FOUND', hint: 'the multipart upload is gone' },
  NoSuchBucket: MISSING_BUCKET,
  NoSuchBucketPolicy: { code: 'NOT_FOUND', hint: 'the bucket has no policy' },
  AccessDenied: { code: 'PERMISSION_DENIED', hint: 'access denied; check the keys and the bucket policy' },
  InvalidAccessKeyId: { code: 'PERMISSION_DENIED', hint: 'the access key is not known to the server' },
  SignatureDoesNotMatch: {
    code: 'PERMISSION_DENIED',
    hint: 'the request signature does not match; check the secret key and the region',
  },
  RequestTimeTooSkewed: { code: 'PERMISSION_DENIED', hint: "this machine's clock differs too much from the server's" },
  ExpiredToken: { code: 'PERMISSION_DENIED', hint: 'the session token has expired' },
  XMinioStorageFull: { code: 'UNAVAILABLE', hint: 'the server is out of disk space', retryable: true },
  PreconditionFailed: { code: 'PRECONDITION_FAILED', hint: 'a condition of the request did not hold' },
  InvalidRange: { code: 'PRECONDITION_FAILED', hint: 'the range starts past the end of the object' },
  BucketAlreadyExists: { code: 'PERMISSION_DENIED', hint: 'the bucket name is taken by another owner' },
  BucketAlreadyOwnedByYou: { code: 'ALREADY_EXISTS', hint: 'the bucket exists already' },
  BucketNotEmpty: { code: 'PRECONDITION_FAILED', hint: 'the bucket is not empty' },
  InvalidBucketName: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  AuthorizationHeaderMalformed: { code: 'INVALID_CONFIG', hint: 'the region does not match the server; set region' },
  InvalidRegion: { code: 'INVALID_CONFIG', hint: 'the region does not match the server; set region' },
  KeyTooLongError: { code: 'INVALID_NAME', hint: 'the name (with location) is too long for the server' },
  XMinioInvalidObjectName: { code: 'INVALID_NAME', hint: 'the server refuses this object name' },
  EntityTooLarge: { code: 'INVALID_CONFIG', hint: 'the object is larger than the server accepts' },
  EntityTooSmall: { code: 'INVALID_CONFIG', hint: 'a part is smaller than the server accepts' },
  MethodNotAllowed: { code: 'UNSUPPORTED', hint: 'the server does not allow this request' },
  NotImplemented: { code: 'UNSUPPORTED', hint: 'the server does not implement this request' },
  InternalError: { code: 'UNAVAILABLE', hint: 'the server failed internally; retry', retryable: true },
  ServiceUnavailable: { code: 'UNAVAILABLE', hint: 'the server is unavailable; retry later', retryable: true },
  SlowDown: { code: 'UNAVAILABLE', hint: 'the server asks to slow down; retry later', retryable: true },
  RequestTimeout: { code: 'UNAVAILABLE', hint: 'the request timed out; retry', retryable: true },
  XMinioServerNotInitialized: { code: 'UNAVAILABLE', hint: 'the server is still starting; retry', retryable: true },
};

const BY_NETWORK_CODE: Record<string, Rule> = {
  ECONNREFUSED: { code: 'UNAVAILABLE', hint: 'the server refused the connection; is it running?', retryable: true },
  ECONNRESET: { code: 'UNAVAILABLE', hint: 'the connection was reset (socket hang up)', retryable: true },
  ETIMEDOUT: { code: 'UNAVAILABLE', hint: 'the request timed out', retryable: true },
  ESOCKETTIMEDOUT: { code: 'UNAVAILABLE', hint: 'the request timed out', retryable: true },
  EPIPE: { code: 'UNAVAILABLE', hint: 'the server closed the connection', retryable: true },
  ECONNABORTED: { code: 'UNAVAILABLE', hint: 'the connection was aborted', retryable: true },
  EHOSTUNREACH: { code: 'UNAVAILABLE', hint: 'the host is unreachable', retryable: true },
  ENETUNREACH: { code: 'UNAVAILABLE', hint: 'the network is unreachable', retryable: true },
  EAI_AGAIN: { code: 'UNAVAILABLE', hint: 'the host name could not be resolved right now', retryable: true },
  ENOTFOUND: { code: 'UNAVAILABLE', hint: 'the host name does not resolve; check endpoint', retryable: true },
  EPROTO: { code: 'INVALID_CONFIG', hint: 'TLS failed; is useHttps right for this port?' },
  ERR_SSL_WRONG_VERSION_NUMBER: { code: 'INVALID_CONFIG', hint: 'TLS failed; is useHttps right for this port?' },
  DEPTH_ZERO_SELF_SIGNED_CERT: {
    code: 'INVALID_CONFIG',
    hint: "the server's certificate is self-signed; trust its CA through httpAgent",
  },
  SELF_SIGNED_CERT_IN_CHAIN: {
    code: 'INVALID_CONFIG',
    hint: "the server's certificate is not trusted; pass its CA through httpAgent",
  },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: {
    code: 'INVALID_CONFIG',
    hint: "the server's certificate is not trusted; pass its CA through httpAgent",
  },
  CERT_HAS_EXPIRED: { code: 'UNAVAILABLE', hint: "the server's certificate has expired" },
  ERR_TLS_CERT_ALTNAME_INVALID: { code: 'INVALID_CONFIG', hint: "the server's certificate does not name this host" },
};

/** minio-js's client-side validation errors, by class name. */
const BY_ERROR_NAME: Record<string, Rule> = {
  InvalidBucketNameError: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  InvalidObjectNameError: { code: 'INVALID_NAME', hint: 'minio-js refuses this object name' },
  InvalidEndpointError: { code: 'INVALID_CONFIG', hint: 'the endpoint is not a valid host name or IP address' },
  InvalidPortError: { code: 'INVALID_CONFIG', hint: 'the port is not valid' },
  AnonymousRequestError: { code: 'INVALID_CONFIG', hint: 'signing needs accessKey and secretKey' },
};

function byStatus(status: number): Rule | undefined {
  if (status === 401 || status === 403) return BY_S3_CODE.AccessDenied;
  if (status === 404) return BY_S3_CODE.NotFound;
  if (status === 412) return BY_S3_CODE.PreconditionFailed;
  if (status === 416) return BY_S3_CODE.InvalidRange;
  if (status === 408 || status === 429 || status === 499 || status >= 500) {
    return { code: 'UNAVAILABLE', hint: `the server answered ${status}; retry later`, retryable: true };
  }
  return undefined;
}

/** Maps anything minio-js or Node threw to a StorageError; passes StorageErrors through. */
export function mapMinioError(error: unknown, context: MinioErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const { code, status } = describe(error);
  const rule: Rule | undefined =
    (code === undefined ? undefined : (BY_S3_CODE[code] ?? BY_NETWORK_CODE[code])) ??
    BY_ERROR_NAME[(error as Error | undefined)?.name ?? ''] ??
    (status === undefined ? undefined : byStatus(status));
  const where = [
    context.endpoint,
    context.bucket === undefined ? undefined : `bucket ${context.bucket}`,
    context.name === undefined ? undefined : JSON.stringify(context.name),
  ].filter((part) => part !== undefined);
  const label = code ?? (status === undefined ? undefined : `HTTP ${status}`);
  const what = rule ? rule.hint : `the request failed: ${error instanceof Error ? error.message : String(error)}`;
  const message = `minio (${where.join(', ')}): ${what}${label ? ` (${label})` : ''}.`;
  return new StorageError(rule?.code ?? 'UNEXPECTED', scrub(message, context.secrets), {
    name: context.name,
    retryable: rule?.retryable ?? false,
    cause: error,
  });
}

/** True when `error` is the server refusing a conditional request (HTTP 412). */
export function isPreconditionFailed(error: unknown): boolean {
  if (error instanceof StorageError) return error.code === 'PRECONDITION_FAILED';
  const { code, status } = describe(error);
  return code === 'PreconditionFailed' || status === 412;
}

/** An S3Error for a response this driver parsed itself (minio-js's own shape). */
export function s3Error(code: string, message: string, status?: number): S3Error {
  return Object.assign(new S3Error(message), { code, status });
}

const RETRYABLE_STATUS = /Retryable HTTP status: (\d{3})/;

function describe(error: unknown): { code: string | undefined; status: number | undefined } {
  const candidate = error as { code?: unknown; status?: unknown; message?: unknown } | undefined;
  const code = typeof candidate?.code === 'string' && candidate.code !== '' ? candidate.code : undefined;
  let status = typeof candidate?.status === 'number' ? candidate.status : undefined;
  const retryable = typeof candidate?.message === 'string' ? RETRYABLE_STATUS.exec(candidate.message) : null;
  if (status === undefined && retryable) status = Number(retryable[1]);
  return { code, status };
}

/** Removes secrets, signatures and query strings (presigned URLs) from a message. */
export function scrub(message: string, secrets: readonly string[] = []): string {
  let text = message
    .replace(/(https?:\/\/[^\s?"'<>]*)\?[^\s"'<>]*/g, '$1')
    .replace(/(Signature|X-Amz-Signature|X-Amz-Credential)=[^\s&,"']+/gi, '$1=[redacted]');
  for (const secret of secrets) if (secret) text = text.split(secret).join('[redacted]');
  return text;
}
