/**
 * The one place where AWS SDK errors become StorageErrors. The SDK names an S3 error
 * by its `Code` (as `name`, and in `Code`) and carries the HTTP status in
 * `$metadata.httpStatusCode`; HEAD responses have no body, so a missing object or
 * bucket on HeadObject/HeadBucket is only `NotFound` with status 404.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { StorageError, type StorageErrorCode } from '../../src/errors.js';

/** What the mapper knows about the failed call, for the message. */
export interface S3ErrorContext {
  /** The object name, when the call was about one. */
  name?: string | undefined;
  bucket?: string | undefined;
  /** The endpoint traffic goes to (named in network errors). */
  endpoint?: string | undefined;
  /** Strings that must never appear in a message (secret key, session token). */
  secrets?: readonly string[] | undefined;
}

interface Rule {
  code: StorageErrorCode;
  hint: string;
  retryable?: boolean;
}

const BY_CODE: Record<string, Rule> = {
  NoSuchKey: { code: 'NOT_FOUND', hint: 'no object of that name' },
  NoSuchUpload: { code: 'NOT_FOUND', hint: 'the multipart upload is gone' },
  NoSuchBucket: {
    code: 'INVALID_CONFIG',
    hint: 'the bucket does not exist; create it with initializeBuckets (stowage init-buckets) or set bucketCheckOnSave',
  },
  AccessDenied: { code: 'PERMISSION_DENIED', hint: 'access denied; check the credentials and the bucket policy' },
  AllAccessDisabled: { code: 'PERMISSION_DENIED', hint: 'all access to this bucket is disabled' },
  AccountProblem: { code: 'PERMISSION_DENIED', hint: 'the account has a problem; see the provider console' },
  InvalidAccessKeyId: { code: 'PERMISSION_DENIED', hint: 'the access key id is not known to the server' },
  SignatureDoesNotMatch: {
    code: 'PERMISSION_DENIED',
    hint: 'the request signature does not match; check the secret key, the region and the endpoint',
  },
  ExpiredToken: { code: 'PERMISSION_DENIED', hint: 'the session token has expired; refresh the credentials' },
  InvalidToken: { code: 'PERMISSION_DENIED', hint: 'the session token is invalid' },
  RequestTimeTooSkewed: { code: 'PERMISSION_DENIED', hint: "this machine's clock differs too much from the server's" },
  BucketAlreadyExists: {
    code: 'PERMISSION_DENIED',
    hint: 'the bucket name is taken by another account; bucket names are global on AWS',
  },
  PreconditionFailed: { code: 'PRECONDITION_FAILED', hint: 'a condition of the request did not hold' },
  // A concurrent conditional write on the same key; S3 asks to retry.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
  ConditionalRequestConflict: {
    code: 'PRECONDITION_FAILED',
    hint: 'a concurrent conditional write on the same name is in progress',
    retryable: true,
  },
  InvalidBucketName: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  PermanentRedirect: {
    code: 'INVALID_CONFIG',
    hint: 'the bucket is in another region or needs another endpoint; set region to the bucket region',
  },
  AuthorizationHeaderMalformed: {
    code: 'INVALID_CONFIG',
    hint: 'the request was signed for the wrong region; set region to the bucket region',
  },
  KeyTooLongError: { code: 'INVALID_NAME', hint: 'the name is too long for this server' },
  NotImplemented: {
    code: 'UNSUPPORTED',
    hint: 'the server does not implement this request; for conditional writes set conditionalWrites: false',
  },
  InternalError: { code: 'UNAVAILABLE', hint: 'the server failed internally; retry', retryable: true },
  ServiceUnavailable: { code: 'UNAVAILABLE', hint: 'the service is unavailable; retry later', retryable: true },
  SlowDown: { code: 'UNAVAILABLE', hint: 'the server asks to slow down; retry later', retryable: true },
  RequestTimeout: { code: 'UNAVAILABLE', hint: 'the request timed out; retry', retryable: true },
  TimeoutError: { code: 'UNAVAILABLE', hint: 'the request timed out; retry', retryable: true },
  CredentialsProviderError: {
    code: 'INVALID_CONFIG',
    hint: 'no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or pass credentials',
  },
};

/** Node network error codes: the endpoint did not answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** Maps anything the SDK (or the network) threw to a StorageError; passes StorageErrors through. */
export function mapS3Error(error: unknown, context: S3ErrorContext = {}): StorageError {
  if (error instanceof StorageError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const s3Code = e.Code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  const rule = ruleFor(e, s3Code, status);
  const subject = describeSubject(context);
  const detail = [s3Code === 'Error' ? e.code : s3Code, status && `HTTP ${status}`].filter(Boolean).join(', ');
  const message = redact(`s3: ${rule.hint}${subject}${detail ? ` (${detail})` : ''}.`, context.secrets);
  return new StorageError(rule.code, message, {
    name: context.name,
    retryable: rule.retryable ?? rule.code === 'UNAVAILABLE',
    cause: error,
  });
}

/** True when the error is S3's answer to a failed `If-None-Match` / `If-Match`. */
export function isPreconditionFailure(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape;
  const code = e.Code ?? e.name;
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || e.$metadata?.httpStatusCode === 412;
}

/** True for a 416 (a range starting at or after the end of the object). */
export function isInvalidRange(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape;
  return (e.Code ?? e.name) === 'InvalidRange' || e.$metadata?.httpStatusCode === 416;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

function ruleFor(e: SdkErrorShape, s3Code: string | undefined, status: number | undefined): Rule {
  const known = s3Code === undefined ? undefined : BY_CODE[s3Code];
  if (known) return known;
  if (s3Code === 'NotFound' || (status === 404 && s3Code === undefined)) {
    return { code: 'NOT_FOUND', hint: 'no object of that name' };
  }
  if (status === undefined && isNetworkError(e)) {
    return {
      code: 'UNAVAILABLE',
      hint: 'the endpoint did not answer; check that it is up and reachable',
      retryable: true,
    };
  }
  if (status === undefined && /region is missing/i.test(e.message ?? '')) {
    return { code: 'INVALID_CONFIG', hint: 'no region configured; set region or AWS_REGION' };
  }
  if (status === 403) return BY_CODE.AccessDenied as Rule;
  if (status === 412) return BY_CODE.PreconditionFailed as Rule;
  if (status === 501) return BY_CODE.NotImplemented as Rule;
  if (status === 429 || (status !== undefined && status >= 500)) {
    return { code: 'UNAVAILABLE', hint: 'the server failed; retry later', retryable: true };
  }
  const said = e.message ? `: ${e.message.slice(0, 200)}` : '';
  return { code: 'UNEXPECTED', hint: `the request failed${said}` };
}

function isNetworkError(e: SdkErrorShape): boolean {
  for (let current: SdkErrorShape | undefined = e, depth = 0; current && depth < 5; depth++) {
    if (current.code && NETWORK_CODES.has(current.code)) return true;
    if (current.name === 'TimeoutError' || current.name === 'AbortError') return true;
    current = current.cause as SdkErrorShape | undefined;
  }
  return /socket hang up|ECONNREFUSED|ENOTFOUND|connect ETIMEDOUT/i.test(e.message ?? '');
}

function describeSubject(context: S3ErrorContext): string {
  const parts: string[] = [];
  if (context.name !== undefined) parts.push(`for ${JSON.stringify(context.name)}`);
  if (context.bucket !== undefined) parts.push(`in bucket ${context.bucket}`);
  if (context.endpoint !== undefined) parts.push(`at ${context.endpoint}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Removes secrets and anything that looks like a signature or credential from a message. */
function redact(message: string, secrets: readonly string[] | undefined): string {
  let out = message
    .replace(/(X-Amz-(Signature|Credential|Security-Token)=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/\b[0-9a-f]{64}\b/gi, '[redacted]');
  for (const secret of secrets ?? []) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
