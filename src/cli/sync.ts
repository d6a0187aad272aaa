/**
 * `stowage sync`, Django's collectstatic: uploads a directory under a prefix, skipping
 * files whose content is already stored, optionally deleting objects no longer present.
 *
 * "Already stored" is decided by SHA-256: a file is skipped when an object of the same
 * name has the same size and the same SHA-256, read from the object's `sha256` metadata
 * (which sync writes wherever the driver keeps metadata) or, when the object has none
 * (fs, or uploaded by something else), computed by reading the object. Sizes are
 * compared first, so a changed file is usually detected without reading anything back.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { FileSystemDriver } from '../../drivers/fs/driver.js';
import type { FileStat } from '../driver.js';
import { isStorageError, StorageError, type StorageErrorCode, withContext } from '../errors.js';
import { Storage } from '../storage.js';
import { localError, localSha256, sha256Of } from './local-files.js';
import type { Progress } from './progress.js';

export interface SyncOptions {
  /** Directory path in the storage the files go under ('' for the root). */
  prefix: string;
  /** Report what would change, change nothing. */
  dryRun: boolean;
  /** Delete objects under the prefix that have no local file. */
  delete: boolean;
  /** Uploads (and checks) running at once. */
  concurrency: number;
  /** Include dotfiles and editor backups (`*~`), which collectstatic ignores. */
  all: boolean;
  cacheControl?: string | undefined;
}

export interface SyncFailure {
  name: string;
  code: StorageErrorCode;
  message: string;
}

/** What sync did (or, with dryRun, would do); names are object names, sorted. */
export interface SyncReport {
  uploaded: string[];
  unchanged: string[];
  deleted: string[];
  failed: SyncFailure[];
  dryRun: boolean;
}

export interface LocalFile {
  /** Path on disk. */
  path: string;
  /** The object name it syncs to. */
  name: string;
  size: number;
}

/** Metadata key holding the hex SHA-256 of the content, written by sync. */
export const SHA256_METADATA = 'sha256';

/** Syncs `files` to `storage`; `progress` counts files. Never throws for one file's failure. */
export async function syncFiles(
  storage: Storage,
  files: readonly LocalFile[],
  options: SyncOptions,
  progress: Progress,
): Promise<SyncReport> {
  const report: SyncReport = { uploaded: [], unchanged: [], deleted: [], failed: [], dryRun: options.dryRun };
  const remote = await listRemote(storage, options.prefix);
  // Sync replaces changed files in place, whatever the storage's own replaceExisting.
  const writer = new Storage({ driver: storage.driver, replaceExisting: true });
  await forEachLimit(files, options.concurrency, async (file) => {
    try {
      const hash = await localSha256(file.path);
      if (await isUnchanged(storage, file, remote.get(file.name), hash)) report.unchanged.push(file.name);
      else {
        if (!options.dryRun) await upload(writer, file, hash, options);
        report.uploaded.push(file.name);
      }
    } catch (error) {
      report.failed.push(failure(error, file.name));
    }
    progress.advance(1);
  });
  if (options.delete) {
    const local = new Set(files.map((file) => file.name));
    const stale = [...remote.keys()].filter((name) => !local.has(name));
    await forEachLimit(stale, options.concurrency, async (name) => {
      try {
        if (!options.dryRun) await storage.delete(name);
        report.deleted.push(name);
      } catch (error) {
        report.failed.push(failure(error, name));
      }
    });
  }
  for (const list of [report.uploaded, report.unchanged, report.deleted]) list.sort();
  report.failed.sort((a, b) => a.name.localeCompare(b.name));
  return report;
}

/**
 * Refuses (INVALID_CONFIG, before anything is read or written) a sync whose target
 * directory on disk is `dir`, lies inside it, or contains it: each sync would upload
 * its own output again, one level deeper, or `--delete` would remove the source. Only
 * the fs driver has a target on disk. Django refuses the same configuration
 * (STATIC_ROOT inside STATICFILES_DIRS).
 */
export async function checkSyncTarget(storage: Storage, dir: string, prefix: string): Promise<void> {
  const driver = storage.driver;
  if (!(driver instanceof FileSystemDriver) || driver.name !== 'fs') return;
  const source = await realpath(dir).catch((error: unknown) => {
    throw localError(error, dir);
  });
  const target = join(await realpathOfExisting(driver.location), prefix.replace(/^\/+/, ''));
  const overlap =
    target === source
      ? 'is the source directory'
      : contains(source, target)
        ? 'lies inside the source directory'
        : contains(target, source)
          ? 'contains the source directory'
          : undefined;
  if (overlap !== undefined) {
    throw new StorageError(
      'INVALID_CONFIG',
      `sync refused: the target ${target} ${overlap} ${source}, so every sync would upload its own output ` +
        '(or --delete remove the source); set STORAGE_FS_STATIC_LOCATION (STORAGE_FS_LOCATION with --storage default) ' +
        'or the prefix to a place outside the source directory.',
      { operation: 'configure' },
    );
  }
}

/** Every regular file under `dir` with the object name it syncs to, sorted by name. */
export async function localFiles(dir: string, prefix: string, all: boolean): Promise<LocalFile[]> {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const found: LocalFile[] = [];
  async function walk(path: string, relative: string): Promise<void> {
    const entries = await readdir(path, { withFileTypes: true }).catch((error: unknown) => {
      throw localError(error, path);
    });
    for (const entry of entries) {
      if (!all && (entry.name.startsWith('.') || entry.name.endsWith('~'))) continue;
      const child = join(path, entry.name);
      const rel = relative === '' ? entry.name : `${relative}/${entry.name}`;
      // Symbolic links to files are followed; links to directories are not (no cycles).
      const info = entry.isSymbolicLink() ? await stat(child).catch(() => undefined) : entry;
      if (info?.isDirectory() && !entry.isSymbolicLink()) await walk(child, rel);
      else if (info?.isFile()) {
        const { size } = await stat(child);
        found.push({ path: child, name: base === '' ? rel : `${base}/${rel}`, size });
      }
    }
  }
  await walk(dir, '');
  return found.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** True when `inner` lies strictly inside `outer` (both absolute). */
function contains(outer: string, inner: string): boolean {
  const path = relative(outer, inner);
  return path !== '' && !path.startsWith('..') && !isAbsolute(path);
}

/** The real path of `path`, or of its deepest existing ancestor with the rest appended. */
async function realpathOfExisting(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    const parent = resolve(absolute, '..');
    if (parent === absolute) return absolute;
    return join(await realpathOfExisting(parent), relative(parent, absolute));
  }
}

async function listRemote(storage: Storage, prefix: string): Promise<Map<string, FileStat>> {
  const remote = new Map<string, FileStat>();
  for await (const stat of storage.list(prefix, { recursive: true })) remote.set(stat.name, stat);
  return remote;
}

async function isUnchanged(
  storage: Storage,
  file: LocalFile,
  remote: FileStat | undefined,
  hash: string,
): Promise<boolean> {
  if (remote === undefined || remote.size !== file.size) return false;
  // Listings of object stores carry no user metadata, so ask for it before reading the body.
  const stored =
    remote.metadata[SHA256_METADATA] ??
    (storage.capabilities.metadata ? (await storage.stat(file.name)).metadata[SHA256_METADATA] : undefined);
  if (stored !== undefined) return stored === hash;
  return (await sha256Of((await storage.open(file.name)).stream())) === hash;
}

async function upload(writer: Storage, file: LocalFile, hash: string, options: SyncOptions): Promise<void> {
  const keepsMetadata = writer.capabilities.metadata;
  await writer.save(file.name, createReadStream(file.path), {
    metadata: keepsMetadata ? { [SHA256_METADATA]: hash } : undefined,
    cacheControl: options.cacheControl,
  });
}

function failure(error: unknown, name: string): SyncFailure {
  const storageError = isStorageError(error) ? error : withContext(error, 'save', name);
  return { name, code: storageError.code, message: storageError.message };
}

/** Runs `task` on every item, at most `limit` at a time. */
async function forEachLimit<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
