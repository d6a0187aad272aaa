/**
 * The one place where minio-js and network errors become StorageErrors.
 *
 * minio-js names an S3 error by `code` (from the XML body, or from the status for
 * bodiless HEAD responses: 404 → `NotFound`, 403 → `AccessDenied`). With retries off it
 * turns 5xx/429 answers into a plain Error "Retryable HTTP status: 503" without reading
 * the body, so those are recognised by their status. Node's socket errors carry an
 * `E...` code. What each becomes is shared with the S3 driver (src/s3-errors.ts); this
 * file only reads minio-js's error shape.
 */
import { S3Error } from 'minio';
import { StorageError } from '../../src/errors.js';
import { type ErrorRule, type ErrorWhere, networkCode, objectStoreError } from '../../src/s3-errors.js';

/** What the mapper knows about the failed call, for the message. */
export interface MinioErrorContext extends ErrorWhere {
  /** `host:port` of the server the request went to. */
  endpoint: string;
}

/** minio-js's client-side validation errors, by class name. */
const BY_ERROR_NAME: Record<string, ErrorRule> = {
  InvalidBucketNameError: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  InvalidObjectNameError: { code: 'INVALID_NAME', hint: 'minio-js refuses this object name' },
  InvalidEndpointError: { code: 'INVALID_CONFIG', hint: 'the endpoint is not a valid host name or IP address' },
  InvalidPortError: { code: 'INVALID_CONFIG', hint: 'the port is not valid' },
  AnonymousRequestError: { code: 'INVALID_CONFIG', hint: 'signing needs accessKey and secretKey' },
};

/** Maps anything minio-js or Node threw to a StorageError; passes StorageErrors through. */
export function mapMinioError(error: unknown, context: MinioErrorContext): StorageError {
  if (error instanceof StorageError) return error;
  const { code, status } = describe(error);
  const name = (error as Error | undefined)?.name;
  const facts = {
    code: code ?? networkCode(error) ?? (name !== undefined && name in BY_ERROR_NAME ? name : undefined),
    status,
    message: error instanceof Error ? error.message : String(error),
  };
  return objectStoreError('minio', facts, context, error, BY_ERROR_NAME);
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
