/**
 * The one error type of stowage. Callers branch on `code`, never on message text or on
 * the SDK error classes underneath (those stay reachable through `cause`).
 */

/** Every code a `StorageError` can carry. */
export const ERROR_CODES = [
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'INVALID_NAME',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'INVALID_CONFIG',
  'UNSUPPORTED',
  'PRECONDITION_FAILED',
  'UNEXPECTED',
] as const;

export type StorageErrorCode = (typeof ERROR_CODES)[number];

/** The Storage operations, as named in `StorageError.operation`. */
export type Operation =
  | 'save'
  | 'open'
  | 'exists'
  | 'delete'
  | 'url'
  | 'size'
  | 'stat'
  | 'getModifiedTime'
  | 'listdir'
  | 'list'
  | 'getAvailableName'
  | 'getValidName'
  | 'generateFilename'
  | 'copy'
  | 'move'
  | 'cleanup'
  | 'createUploadUrl'
  | 'confirmUpload'
  | 'createMultipartUpload'
  | 'completeMultipartUpload'
  | 'listUploadedParts'
  | 'abortMultipartUpload'
  | 'isAvailable'
  | 'initializeBuckets'
  | 'configure';

export interface StorageErrorOptions {
  /** The Storage operation that failed. */
  operation?: Operation | undefined;
  /** The object name the operation was about, when there is one. */
  name?: string | undefined;
  /** True when the same call may succeed if tried again (network faults, throttling). */
  retryable?: boolean | undefined;
  /** The underlying error (SDK, file system). */
  cause?: unknown;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  operation: Operation | undefined;
  /** The object name; `name` is taken by `Error`, so it is exposed as `objectName` too. */
  objectName: string | undefined;
  readonly retryable: boolean;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.operation = options.operation;
    this.objectName = options.name;
    this.retryable = options.retryable ?? code === 'UNAVAILABLE';
  }

  /** Fills in the operation and object name where the thrower did not know them. */
  withContext(operation: Operation, name?: string): this {
    this.operation ??= operation;
    this.objectName ??= name;
    return this;
  }

  /** A plain object for logs; leaves out `cause`, which may hold SDK request details. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      operation: this.operation,
      objectName: this.objectName,
      retryable: this.retryable,
    };
  }
}

/** True when `error` is a StorageError, and, if `code` is given, carries that code. */
export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}

/**
 * Wraps anything a driver let through unmapped as UNEXPECTED, and fills in the
 * operation context of StorageErrors.
 */
export function withContext(error: unknown, operation: Operation, name?: string): StorageError {
  if (isStorageError(error)) return error.withContext(operation, name);
  const detail = error instanceof Error ? error.message : String(error);
  return new StorageError('UNEXPECTED', `${operation} failed unexpectedly: ${detail}`, {
    operation,
    name,
    cause: error,
  });
}
