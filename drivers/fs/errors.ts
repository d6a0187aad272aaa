import { StorageError } from '../../src/errors.js';

const CODES: Record<string, { code: StorageError['code']; hint: string }> = {
  ENOENT: { code: 'NOT_FOUND', hint: 'no such file' },
  EISDIR: { code: 'NOT_FOUND', hint: 'the name is a directory, not a file' },
  EEXIST: { code: 'ALREADY_EXISTS', hint: 'a file of that name exists' },
  ENOTEMPTY: { code: 'ALREADY_EXISTS', hint: 'a directory of that name exists' },
  // Reading under a file (`a/b` where `a` is a file): nothing is stored there. Writes
  // refuse that clash earlier, with ALREADY_EXISTS (src/hierarchy.ts).
  ENOTDIR: { code: 'NOT_FOUND', hint: 'no such file (a file stands where the name needs a directory)' },
  ENAMETOOLONG: { code: 'INVALID_NAME', hint: 'the name is too long for this file system' },
  EACCES: { code: 'PERMISSION_DENIED', hint: 'check the permissions of the storage location' },
  EPERM: { code: 'PERMISSION_DENIED', hint: 'check the permissions of the storage location' },
  EROFS: { code: 'PERMISSION_DENIED', hint: 'the file system is read-only' },
  ENOSPC: { code: 'UNAVAILABLE', hint: 'the disk is full; free space and retry' },
  EDQUOT: { code: 'UNAVAILABLE', hint: 'the disk quota is exhausted' },
  EMFILE: { code: 'UNAVAILABLE', hint: 'too many open files; retry later or raise the limit' },
  ENFILE: { code: 'UNAVAILABLE', hint: 'too many open files; retry later or raise the limit' },
  EBUSY: { code: 'UNAVAILABLE', hint: 'the file is busy; retry later' },
  EAGAIN: { code: 'UNAVAILABLE', hint: 'the resource is busy; retry later' },
  EIO: { code: 'UNAVAILABLE', hint: 'an I/O error occurred' },
};

/** Maps a Node file-system error to a StorageError; passes StorageErrors through. */
export function mapFileSystemError(error: unknown, name?: string, driver = 'fs'): StorageError {
  if (error instanceof StorageError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = errno ? CODES[errno] : undefined;
  if (!known) {
    const detail = error instanceof Error ? error.message : String(error);
    return new StorageError('UNEXPECTED', `The ${driver} driver failed: ${detail}`, { name, cause: error });
  }
  const subject = name === undefined ? '' : ` for ${JSON.stringify(name)}`;
  return new StorageError(known.code, `${driver}: ${known.hint}${subject} (${errno}).`, { name, cause: error });
}
