/**
 * The S3 error rules of the object-store core: which StorageError an S3 error code, an
 * HTTP status or a Node network error becomes, how the message reads, and what is
 * scrubbed from it. Each transport keeps only the one function that reads its SDK's
 * error shape (`errorFacts`: drivers/minio/errors.ts, drivers/s3/errors.ts); the core
 * hands the facts to `objectStoreError`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
import { StorageError, type StorageErrorCode } from './errors.js';

/** What an error becomes: its code, a hint saying what to do, whether a retry may help. */
export interface ErrorRule {
  code: StorageErrorCode;
  hint: string;
  /** Default: true for UNAVAILABLE. */
  retryable?: boolean;
}

/** What a driver read from its SDK's error. */
export interface ErrorFacts {
  /** The S3 error code (`NoSuchKey`, `SlowDown`, ...) or a Node network code (`ECONNRESET`). */
  code?: string | undefined;
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  /** The SDK's own message, shown only when no rule applies. */
  message?: string | undefined;
  /** Attempts the SDK itself made, when it says (a client with its own retries). */
  attempts?: number | undefined;
}

/** What the failed call was about, for the message. */
export interface ErrorWhere {
  /** The object name, when the call was about one. */
  name?: string | undefined;
  bucket?: string | undefined;
  /** The server the request went to (`host:port` or a URL). */
  endpoint?: string | undefined;
  /** Strings that must never appear in a message (secret key, session token). */
  secrets?: readonly string[] | undefined;
}

const NOT_FOUND: ErrorRule = { code: 'NOT_FOUND', hint: 'no object of that name' };
const ACCESS_DENIED: ErrorRule = {
  code: 'PERMISSION_DENIED',
  hint: 'access denied; check the keys and the bucket policy',
};
const PRECONDITION_FAILED: ErrorRule = {
  code: 'PRECONDITION_FAILED',
  hint: 'a condition of the request did not hold',
};
const INVALID_RANGE: ErrorRule = { code: 'PRECONDITION_FAILED', hint: 'the range starts past the end of the object' };
const WRONG_REGION: ErrorRule = {
  code: 'INVALID_CONFIG',
  hint: 'the request was signed for the wrong region; set region to the bucket region',
};
const TIMED_OUT: ErrorRule = { code: 'UNAVAILABLE', hint: 'the request timed out; retry' };
const TLS_MISMATCH: ErrorRule = { code: 'INVALID_CONFIG', hint: 'TLS failed; is https right for this port?' };
const UNTRUSTED_CERT: ErrorRule = {
  code: 'INVALID_CONFIG',
  hint: "the server's certificate is not trusted; pass its CA through the HTTP agent",
};

/**
 * The body reached the server damaged (its checksum, Content-MD5 or SHA-256 did not
 * match): refused, nothing stored, and sent again from the part or body buffer.
 */
const DAMAGED_BODY: ErrorRule = {
  code: 'UNAVAILABLE',
  hint: 'the bytes reached the server damaged (checksum mismatch) and were refused; retry',
  retryable: true,
};

/** S3 error codes (the `<Code>` of an error body), with MinIO's own `XMinio...` ones. */
export const S3_ERROR_RULES: Readonly<Record<string, ErrorRule>> = {
  BadDigest: DAMAGED_BODY,
  XAmzContentChecksumMismatch: DAMAGED_BODY,
  XAmzContentSHA256Mismatch: DAMAGED_BODY,
  NoSuchKey: NOT_FOUND,
  NotFound: NOT_FOUND,
  NoSuchUpload: { code: 'NOT_FOUND', hint: 'the multipart upload is gone' },
  // Not NOT_FOUND: exists() must not answer "no such file" for a whole missing bucket.
  NoSuchBucket: {
    code: 'INVALID_CONFIG',
    hint: 'the bucket does not exist; create it with `stowage init-buckets` (initializeBuckets), or set bucketCheckOnSave',
  },
  NoSuchBucketPolicy: { code: 'NOT_FOUND', hint: 'the bucket has no policy' },
  AccessDenied: ACCESS_DENIED,
  AllAccessDisabled: { code: 'PERMISSION_DENIED', hint: 'all access to this bucket is disabled' },
  AccountProblem: { code: 'PERMISSION_DENIED', hint: 'the account has a problem; see the provider console' },
  InvalidAccessKeyId: { code: 'PERMISSION_DENIED', hint: 'the access key is not known to the server' },
  SignatureDoesNotMatch: {
    code: 'PERMISSION_DENIED',
    hint: 'the request signature does not match; check the secret key, the region and the endpoint',
  },
  RequestTimeTooSkewed: { code: 'PERMISSION_DENIED', hint: "this machine's clock differs too much from the server's" },
  ExpiredToken: { code: 'PERMISSION_DENIED', hint: 'the session token has expired; refresh the credentials' },
  InvalidToken: { code: 'PERMISSION_DENIED', hint: 'the session token is invalid' },
  BucketAlreadyExists: {
    code: 'PERMISSION_DENIED',
    hint: 'the bucket name is taken by another owner; bucket names are global on AWS',
  },
  BucketAlreadyOwnedByYou: { code: 'ALREADY_EXISTS', hint: 'the bucket exists already' },
  BucketNotEmpty: { code: 'PRECONDITION_FAILED', hint: 'the bucket is not empty' },
  PreconditionFailed: PRECONDITION_FAILED,
  // A concurrent conditional write on the same key; S3 asks to retry.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
  ConditionalRequestConflict: {
    code: 'PRECONDITION_FAILED',
    hint: 'a concurrent conditional write on the same name is in progress',
    retryable: true,
  },
  InvalidRange: INVALID_RANGE,
  InvalidBucketName: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  PermanentRedirect: {
    code: 'INVALID_CONFIG',
    hint: 'the bucket is in another region or needs another endpoint; set region to the bucket region',
  },
  AuthorizationHeaderMalformed: WRONG_REGION,
  InvalidRegion: WRONG_REGION,
  KeyTooLongError: { code: 'INVALID_NAME', hint: 'the name (with location) is too long for the server' },
  XMinioInvalidObjectName: { code: 'INVALID_NAME', hint: 'the server refuses this object name' },
  EntityTooLarge: { code: 'INVALID_CONFIG', hint: 'the object is larger than the server accepts' },
  EntityTooSmall: { code: 'INVALID_CONFIG', hint: 'a part is smaller than the server accepts' },
  MethodNotAllowed: { code: 'UNSUPPORTED', hint: 'the server does not allow this request' },
  NotImplemented: { code: 'UNSUPPORTED', hint: 'the server does not implement this request' },
  InternalError: { code: 'UNAVAILABLE', hint: 'the server failed internally; retry' },
  ServiceUnavailable: { code: 'UNAVAILABLE', hint: 'the server is unavailable; retry later' },
  SlowDown: { code: 'UNAVAILABLE', hint: 'the server asks to slow down; retry later' },
  RequestTimeout: TIMED_OUT,
  XMinioStorageFull: { code: 'UNAVAILABLE', hint: 'the server is out of disk space' },
  XMinioServerNotInitialized: { code: 'UNAVAILABLE', hint: 'the server is still starting; retry' },
  // A distributed MinIO whose node answering sees too few drives online (write or read quorum).
  SlowDownWrite: {
    code: 'UNAVAILABLE',
    hint: 'the server cannot write now: its cluster has too few drives online (write quorum); retry later',
  },
  SlowDownRead: {
    code: 'UNAVAILABLE',
    hint: 'the server cannot read now: its cluster has too few drives online (read quorum); retry later',
  },
  // A server whose keys are paths of a POSIX file system (versitygw's posix backend, 409):
  // the file/directory clash of src/hierarchy.ts; object-store/clash.ts names the file.
  ObjectParentIsFile: {
    code: 'ALREADY_EXISTS',
    hint: 'a file stands where the name needs a directory; this server cannot store a name under a file',
  },
  ExistingObjectIsDirectory: {
    code: 'ALREADY_EXISTS',
    hint: 'the name is a directory holding other objects on this server',
  },
  DirectoryObjectContainsData: { code: 'INVALID_NAME', hint: 'a name ending in / is a directory on this server' },
  QuotaExceeded: { code: 'PERMISSION_DENIED', hint: 'the quota on the server is exceeded' },
  InsufficientStorage: { code: 'UNAVAILABLE', hint: 'the server is out of storage space' },
};

/** Node's network and TLS error codes: the endpoint did not answer, or not as configured. */
export const NETWORK_ERROR_RULES: Readonly<Record<string, ErrorRule>> = {
  ECONNREFUSED: { code: 'UNAVAILABLE', hint: 'the server refused the connection; is it running?' },
  ECONNRESET: { code: 'UNAVAILABLE', hint: 'the connection was reset (socket hang up)' },
  ETIMEDOUT: TIMED_OUT,
  ESOCKETTIMEDOUT: TIMED_OUT,
  EPIPE: { code: 'UNAVAILABLE', hint: 'the server closed the connection' },
  ECONNABORTED: { code: 'UNAVAILABLE', hint: 'the connection was aborted' },
  EHOSTUNREACH: { code: 'UNAVAILABLE', hint: 'the host is unreachable' },
  ENETUNREACH: { code: 'UNAVAILABLE', hint: 'the network is unreachable' },
  EAI_AGAIN: { code: 'UNAVAILABLE', hint: 'the host name could not be resolved right now' },
  ENOTFOUND: { code: 'UNAVAILABLE', hint: 'the host name does not resolve; check the endpoint' },
  UND_ERR_SOCKET: { code: 'UNAVAILABLE', hint: 'the connection failed' },
  EPROTO: TLS_MISMATCH,
  ERR_SSL_WRONG_VERSION_NUMBER: TLS_MISMATCH,
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED_CERT,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED_CERT,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED_CERT,
  CERT_HAS_EXPIRED: { code: 'UNAVAILABLE', hint: "the server's certificate has expired", retryable: false },
  ERR_TLS_CERT_ALTNAME_INVALID: { code: 'INVALID_CONFIG', hint: "the server's certificate does not name this host" },
};

/** The rule for a status when the answer named no known code (HEAD answers have no body). */
export function ruleForStatus(status: number): ErrorRule | undefined {
  if (status === 401 || status === 403) return ACCESS_DENIED;
  if (status === 404) return NOT_FOUND;
  if (status === 412) return PRECONDITION_FAILED;
  if (status === 416) return INVALID_RANGE;
  if (status === 501) return S3_ERROR_RULES.NotImplemented;
  if (status === 408 || status === 429 || status === 499 || status >= 500) {
    return { code: 'UNAVAILABLE', hint: `the server answered ${status}; retry later` };
  }
  return undefined;
}

/**
 * The network error code of `error` or of one of its causes (SDKs wrap Node's errors),
 * else one recognised in the message ("socket hang up" has no code of its own).
 */
export function networkCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'string' && current.code in NETWORK_ERROR_RULES) return current.code;
    current = current.cause as typeof current;
  }
  const message = error instanceof Error ? error.message : '';
  if (/socket hang up/i.test(message)) return 'ECONNRESET';
  return /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EPIPE)\b/.exec(message)?.[1];
}

/**
 * The StorageError for an S3 or network failure: the first rule that applies among
 * `extra` (the driver's own), the S3 codes, the network codes and the status, else
 * UNEXPECTED with the SDK's message. The message names the driver, the endpoint, the
 * bucket and the object, and never contains a secret, a signature or a query string.
 */
export function objectStoreError(
  driver: string,
  facts: ErrorFacts,
  where: ErrorWhere,
  cause: unknown,
  extra: Readonly<Record<string, ErrorRule>> = {},
): StorageError {
  if (cause instanceof StorageError) return cause;
  const { code, status } = facts;
  const rule =
    (code === undefined ? undefined : (extra[code] ?? S3_ERROR_RULES[code] ?? NETWORK_ERROR_RULES[code])) ??
    (status === undefined ? undefined : ruleForStatus(status));
  const what = rule ? rule.hint : `the request failed${facts.message ? `: ${facts.message.slice(0, 200)}` : ''}`;
  const detail = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
  const message = `${driver}: ${what}${describeWhere(where)}${detail ? ` (${detail})` : ''}.`;
  const errorCode = rule?.code ?? 'UNEXPECTED';
  return new StorageError(errorCode, scrub(message, where.secrets), {
    name: where.name,
    retryable: rule?.retryable ?? errorCode === 'UNAVAILABLE',
    cause,
  });
}

/** Removes secrets, signatures, credentials and query strings (presigned URLs) from a message. */
export function scrub(message: string, secrets: readonly string[] = []): string {
  let text = message
    .replace(/(https?:\/\/[^\s?"'<>]*)\?[^\s"'<>]*/g, '$1')
    .replace(/(Signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^\s&,"']+/gi, '$1=[redacted]')
    .replace(/\b[0-9a-f]{64}\b/gi, '[redacted]');
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('[redacted]');
  return text;
}

function describeWhere(where: ErrorWhere): string {
  const parts: string[] = [];
  if (where.name !== undefined) parts.push(`for ${JSON.stringify(where.name)}`);
  if (where.bucket !== undefined) parts.push(`in bucket ${where.bucket}`);
  if (where.endpoint !== undefined) parts.push(`at ${where.endpoint}`);
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

/** Network failures that happen before a request is sent: it cannot have landed. */
const UNDELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** False only when the request certainly never reached the server. */
export function mayHaveLanded(error: unknown): boolean {
  const code = networkCode(error);
  return code === undefined || !UNDELIVERED.has(code);
}
