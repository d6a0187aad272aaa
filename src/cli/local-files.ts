/**
 * Local files the CLI reads and writes. Their errors become StorageErrors too, so a
 * missing local file exits with the same code (3) as a missing object.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StorageError, type StorageErrorCode } from '../errors.js';

const ERRNO_CODES: Record<string, StorageErrorCode> = {
  ENOENT: 'NOT_FOUND',
  ENOTDIR: 'NOT_FOUND',
  EACCES: 'PERMISSION_DENIED',
  EPERM: 'PERMISSION_DENIED',
};

/** A local file system error as a StorageError that names the path. */
export function localError(error: unknown, path: string): StorageError {
  const errno = (error as NodeJS.ErrnoException).code ?? '';
  const code = ERRNO_CODES[errno] ?? 'UNEXPECTED';
  const reason = code === 'NOT_FOUND' ? 'no such local file or directory' : (error as Error).message;
  return new StorageError(code, `${path}: ${reason}.`, { cause: error });
}

/** The size of a regular local file; NOT_FOUND when absent, INVALID_CONFIG for a directory. */
export async function localFileSize(path: string): Promise<number> {
  const info = await stat(path).catch((error: unknown) => {
    throw localError(error, path);
  });
  if (!info.isFile()) throw new StorageError('INVALID_CONFIG', `${path} is not a regular file.`);
  return info.size;
}

/** The hex SHA-256 of everything `source` yields. */
export async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(chunk);
  return hash.digest('hex');
}

/** The hex SHA-256 of a local file, read as a stream. */
export async function localSha256(path: string): Promise<string> {
  return sha256Of(createReadStream(path)).catch((error: unknown) => {
    throw localError(error, path);
  });
}
