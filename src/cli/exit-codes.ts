/**
 * The CLI's exit codes, one per kind of failure, so that scripts can branch on them
 * (documented in docs/cli.md; a test checks each).
 */
import type { StorageErrorCode } from '../errors.js';

export const EXIT = {
  /** Success (for `health`: the storage answered). */
  OK: 0,
  /** Anything else: an unexpected failure (UNEXPECTED). */
  FAILURE: 1,
  /** Bad command line: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** The object (or the local file) does not exist (NOT_FOUND). */
  NOT_FOUND: 3,
  /** The configuration is wrong (INVALID_CONFIG): the message names the variable. */
  CONFIG: 4,
  /** The storage did not answer (UNAVAILABLE), or `health` found it down. */
  UNAVAILABLE: 5,
  /** The credentials may not do this (PERMISSION_DENIED). */
  PERMISSION_DENIED: 6,
  /** The driver cannot do this (UNSUPPORTED), e.g. `url` without a base URL. */
  UNSUPPORTED: 7,
  /** The object name is not acceptable (INVALID_NAME). */
  INVALID_NAME: 8,
  /** A conflicting write (ALREADY_EXISTS, PRECONDITION_FAILED). */
  CONFLICT: 9,
} as const;

const BY_CODE: Record<StorageErrorCode, number> = {
  NOT_FOUND: EXIT.NOT_FOUND,
  INVALID_CONFIG: EXIT.CONFIG,
  UNAVAILABLE: EXIT.UNAVAILABLE,
  PERMISSION_DENIED: EXIT.PERMISSION_DENIED,
  UNSUPPORTED: EXIT.UNSUPPORTED,
  INVALID_NAME: EXIT.INVALID_NAME,
  ALREADY_EXISTS: EXIT.CONFLICT,
  PRECONDITION_FAILED: EXIT.CONFLICT,
  UNEXPECTED: EXIT.FAILURE,
};

/** The exit code for a StorageError code. */
export function exitCodeFor(code: StorageErrorCode): number {
  return BY_CODE[code];
}
