/**
 * The file/directory clash on an S3 server whose keys are paths of a POSIX file system
 * (versitygw's posix backend): there `a` cannot be an object while `a/b` is one, and the
 * server answers 409 with its own codes. The core turns them into what the fs and memory
 * drivers say for the same clash (src/hierarchy.ts): ALREADY_EXISTS naming the file in the
 * way, and a directory that takes its name the way a taken name does.
 * https://github.com/versity/versitygw/blob/main/s3err/s3err.go (ObjectParentIsFile, ExistingObjectIsDirectory)
 */
import { isStorageError, type StorageError } from '../errors.js';
import { ancestorsOf, directoryInTheWay, fileInTheWay } from '../hierarchy.js';
import type { Requests } from './requests.js';

/** A name under an existing object (`a/b` while `a` is a file). */
const PARENT_IS_FILE = 'ObjectParentIsFile';
/** A name that is a directory of other objects (`a` while `a/b` is stored). */
const NAME_IS_DIRECTORY = 'ExistingObjectIsDirectory';

export type Clash = 'parent-is-file' | 'name-is-directory';

/** Which clash `error` (an SDK error, or a StorageError caused by one) reports, if any. */
export function clashOf(requests: Requests, error: unknown): Clash | undefined {
  const { code } = requests.facts(isStorageError(error) ? error.cause : error);
  if (code === PARENT_IS_FILE) return 'parent-is-file';
  if (code === NAME_IS_DIRECTORY) return 'name-is-directory';
  return undefined;
}

/**
 * The error a write of `name` that failed with `error` rejects with: for a clash, the
 * fs driver's (the file in the way found by HEAD of each ancestor); anything else as it was.
 */
export async function explainClash(
  requests: Requests,
  key: (name: string) => string,
  name: string,
  error: unknown,
): Promise<unknown> {
  const clash = clashOf(requests, error);
  const driver = requests.transport.driver;
  if (clash === 'name-is-directory') return withCause(directoryInTheWay(driver, name), error);
  if (clash !== 'parent-is-file') return error;
  for (const ancestor of ancestorsOf(name)) {
    const head = await requests.send(ancestor, 'head', requests.bucket, key(ancestor)).catch(() => undefined);
    if (head !== undefined) return withCause(fileInTheWay(driver, name, ancestor), error);
  }
  return error;
}

function withCause(error: StorageError, cause: unknown): StorageError {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return error;
}
