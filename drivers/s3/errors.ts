/**
 * The one place where AWS SDK errors are read. The SDK names an S3 error by its `Code`
 * (as `name`, and in `Code`) and carries the HTTP status in `$metadata.httpStatusCode`;
 * HEAD responses have no body, so a missing object or bucket on HeadObject/HeadBucket
 * is only `NotFound` with status 404. What each code becomes is the core's
 * (src/s3-errors.ts); this file only reads the SDK's error shape.
 */
import type { StorageError } from '../../src/errors.js';
import {
  type ErrorFacts,
  type ErrorRule,
  type ErrorWhere,
  networkCode,
  objectStoreError,
} from '../../src/s3-errors.js';

/** What the mapper knows about the failed call, for the message. */
export type S3ErrorContext = ErrorWhere;

/** The SDK's own error names, beside the S3 codes of src/s3-errors.ts. */
export const SDK_ERRORS: Readonly<Record<string, ErrorRule>> = {
  NotImplemented: {
    code: 'UNSUPPORTED',
    hint: 'the server does not implement this request; for conditional writes set conditionalWrites: false',
  },
  TimeoutError: { code: 'UNAVAILABLE', hint: 'the request timed out; retry' },
  AbortError: { code: 'UNAVAILABLE', hint: 'the request was aborted (timeout)' },
  CredentialsProviderError: {
    code: 'INVALID_CONFIG',
    hint: 'no AWS credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, or pass credentials',
  },
  MissingRegion: { code: 'INVALID_CONFIG', hint: 'no region configured; set region or AWS_REGION' },
};

/** What an SDK (or Node) error says: its S3 or network code, the HTTP status, the SDK's attempts. */
export function s3ErrorFacts(error: unknown): ErrorFacts {
  const e = (error ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  let code = e.Code ?? (e.name === 'Error' ? undefined : e.name);
  // A bare 404 (HEAD has no body) is "not found"; a missing bucket is confirmed by the core.
  if (code === undefined && status === 404) code = 'NotFound';
  if (status === undefined) {
    // The network code says more than the SDK's name: it calls a reset "TimeoutError" too.
    code = networkCode(error) ?? (/region is missing/i.test(e.message ?? '') ? 'MissingRegion' : code);
  }
  return { code, status, message: e.message, attempts: e.$metadata?.attempts };
}

/** Maps anything the SDK (or the network) threw to a StorageError (as the core does); passes StorageErrors through. */
export function mapS3Error(error: unknown, context: S3ErrorContext = {}): StorageError {
  return objectStoreError('s3', s3ErrorFacts(error), context, error, SDK_ERRORS);
}

/** The HTTP status an SDK error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  cause?: unknown;
}
