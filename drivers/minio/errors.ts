/**
 * The one place where minio-js and network errors are read.
 *
 * minio-js names an S3 error by `code` (from the XML body, or from the status for
 * bodiless HEAD responses: 404 → `NotFound`, 403 → `AccessDenied`). With retries off it
 * turns 5xx/429 answers into a plain Error "Retryable HTTP status: 503" without reading
 * the body, so those are recognised by their status. Node's socket errors carry an
 * `E...` code. What each becomes is the core's (src/s3-errors.ts); this file only reads
 * minio-js's error shape.
 */
import { S3Error } from 'minio';
import type { StorageError } from '../../src/errors.js';
import {
  type ErrorFacts,
  type ErrorRule,
  type ErrorWhere,
  networkCode,
  objectStoreError,
} from '../../src/s3-errors.js';

/** minio-js's client-side validation errors, by class name. */
export const BY_ERROR_NAME: Readonly<Record<string, ErrorRule>> = {
  InvalidBucketNameError: { code: 'INVALID_CONFIG', hint: 'the bucket name is not valid' },
  InvalidObjectNameError: { code: 'INVALID_NAME', hint: 'minio-js refuses this object name' },
  InvalidEndpointError: { code: 'INVALID_CONFIG', hint: 'the endpoint is not a valid host name or IP address' },
  InvalidPortError: { code: 'INVALID_CONFIG', hint: 'the port is not valid' },
  AnonymousRequestError: { code: 'INVALID_CONFIG', hint: 'signing needs accessKey and secretKey' },
};

/** What a minio-js (or Node) error says: its S3 or network code, and the HTTP status. */
export function minioErrorFacts(error: unknown): ErrorFacts {
  const candidate = error as { code?: unknown; status?: unknown; message?: unknown; name?: unknown } | undefined;
  const own = typeof candidate?.code === 'string' && candidate.code !== '' ? candidate.code : undefined;
  let status = typeof candidate?.status === 'number' ? candidate.status : undefined;
  const retryable = typeof candidate?.message === 'string' ? RETRYABLE_STATUS.exec(candidate.message) : null;
  if (status === undefined && retryable) status = Number(retryable[1]);
  const name = typeof candidate?.name === 'string' ? candidate.name : undefined;
  return {
    code: own ?? networkCode(error) ?? (name !== undefined && name in BY_ERROR_NAME ? name : undefined),
    status,
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Maps anything minio-js or Node threw to a StorageError (as the core does); passes StorageErrors through. */
export function mapMinioError(error: unknown, where: ErrorWhere): StorageError {
  return objectStoreError('minio', minioErrorFacts(error), where, error, BY_ERROR_NAME);
}

/** An S3Error for a response the transport parsed itself (minio-js's own shape). */
export function s3Error(code: string, message: string, status?: number): S3Error {
  return Object.assign(new S3Error(message), { code, status });
}

const RETRYABLE_STATUS = /Retryable HTTP status: (\d{3})/;
