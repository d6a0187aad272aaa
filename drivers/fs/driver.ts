/**
 * The file-system driver: Django's FileSystemStorage, with atomic writes and exclusive
 * create. A write goes to a temporary file in the target directory; `link()` then
 * publishes it only if the name is free (or `rename()` replaces it), so a reader never
 * sees half a file and a race never overwrites. The same code runs on memfs for the
 * memory driver.
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspect, promisify } from 'node:util';
import { guessContentType } from '../../src/content.js';
import type {
  Capabilities,
  Driver,
  FileStat,
  ListEntry,
  ListOptions,
  ReadOptions,
  ReadResult,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { RESERVED_SEGMENT_PREFIX } from '../../src/names.js';
import { registerUrlSigner, signerOf, type UrlSigner, urlSignerOf } from '../../src/url-signing.js';
import { compareNames, encodeName } from '../../src/utf8.js';
import { mapFileSystemError } from './errors.js';
import { type FileSystemOptions, FS_OPTIONS, type ResolvedFileSystemOptions } from './options.js';

/** The part of Node's `fs` module the driver uses; memfs provides the same. */
export type FileSystemApi = Pick<
  typeof nodeFs,
  'createReadStream' | 'createWriteStream' | 'open' | 'fstat' | 'close' | 'writeFile'
> & {
  promises: Pick<
    typeof nodeFs.promises,
    'link' | 'unlink' | 'rename' | 'mkdir' | 'rmdir' | 'stat' | 'lstat' | 'realpath' | 'readdir' | 'chmod' | 'copyFile'
  >;
};

/** What a driver with a metadata store keeps per file (keyed by inode, so links share it). */
export interface StoredMetadata {
  contentType: string;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata: Record<string, string>;
}

/** Internals the memory driver passes in; the fs driver uses Node's fs and no store. */
export interface FileSystemBackend {
  name: string;
  fs: FileSystemApi;
  metadata?: Map<number, StoredMetadata> | undefined;
}

/** Temporary files start with this; listings skip them, and names may not (src/names.ts). */
export const PARTIAL_PREFIX = RESERVED_SEGMENT_PREFIX;
/** Attempts at creating the temporary file when a concurrent delete prunes its directory. */
const MAX_DIRECTORY_RACES = 5;

export class FileSystemDriver implements Driver {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly location: string;
  /** The options, checked, with defaults applied. */
  readonly options: ResolvedFileSystemOptions;
  readonly #fs: FileSystemApi;
  readonly #meta: Map<number, StoredMetadata> | undefined;
  #root: Promise<string> | undefined;

  constructor(options: FileSystemOptions, backend?: FileSystemBackend) {
    this.#fs = backend?.fs ?? nodeFs;
    this.name = backend?.name ?? 'fs';
    this.#meta = backend?.metadata;
    this.options = FS_OPTIONS.resolve(options);
    this.location = backend ? this.options.location : resolve(this.options.location);
    if (!isAbsolute(this.location)) {
      throw new StorageError('INVALID_CONFIG', `${this.name}: location must be an absolute path.`);
    }
    const signer = this.#signer();
    this.capabilities = {
      publicUrl: this.options.baseUrl !== undefined && signer === undefined,
      presign: signer !== undefined,
      conditionalCreate: true,
      rangeRead: true,
      serverSideCopy: true,
      uploadUrl: false,
      metadata: this.#meta !== undefined,
      bucketManagement: false,
      healthCheck: false,
      hierarchical: true,
    };
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    try {
      const tmp = await this.#temporaryFor(name, (fd) => this.#fill(fd, body));
      return await this.#publishTemporary(tmp, name, options, this.#metadataOf(options));
    } catch (error) {
      throw mapFileSystemError(error, name, this.name);
    }
  }

  async read(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    try {
      const path = await this.#existing(name);
      const fd = await promisify(this.#fs.open)(path, 'r');
      try {
        const stats = await promisify(this.#fs.fstat)(fd);
        if (!stats.isFile()) throw notFound(name, this.name);
        const { start = 0, end } = options.range ?? {};
        const body = this.#fs.createReadStream('', { fd, start, end, autoClose: true }) as Readable;
        return { stat: this.#stat(name, stats), body };
      } catch (error) {
        this.#fs.close(fd, () => {});
        throw error;
      }
    } catch (error) {
      throw mapFileSystemError(error, name, this.name);
    }
  }

  async stat(name: string): Promise<FileStat> {
    try {
      const stats = await this.#fs.promises.stat(await this.#existing(name));
      if (!stats.isFile()) throw notFound(name, this.name);
      return this.#stat(name, stats);
    } catch (error) {
      throw mapFileSystemError(error, name, this.name);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      const path = await this.#path(name);
      await this.#checkInside(dirname(path), name);
      const stats = await this.#fs.promises.lstat(path);
      if (stats.isDirectory()) return;
      await this.#fs.promises.unlink(path);
      if (stats.nlink <= 1) this.#meta?.delete(stats.ino);
      await this.#prune(dirname(path));
    } catch (error) {
      const mapped = mapFileSystemError(error, name, this.name);
      if (mapped.code !== 'NOT_FOUND') throw mapped;
    }
  }

  async *list(prefix: string, options: ListOptions): AsyncGenerator<ListEntry> {
    let dir: string;
    try {
      dir = await this.#existing(prefix === '' ? '' : prefix.slice(0, -1));
    } catch (error) {
      const mapped = mapFileSystemError(error, prefix, this.name);
      if (mapped.code === 'NOT_FOUND' || mapped.code === 'INVALID_NAME') return;
      throw mapped;
    }
    yield* this.#walk(dir, prefix, options.recursive);
  }

  async copy(from: string, to: string, options: WriteOptions): Promise<string> {
    try {
      const source = await this.#existing(from);
      const stats = await this.#fs.promises.stat(source);
      if (!stats.isFile()) throw notFound(from, this.name);
      const tmp = await this.#temporaryFor(to, async (fd, path) => {
        await promisify(this.#fs.close)(fd);
        await this.#fs.promises.copyFile(source, path);
      });
      return await this.#publishTemporary(tmp, to, options, this.#meta?.get(stats.ino));
    } catch (error) {
      throw mapFileSystemError(error, from, this.name);
    }
  }

  async move(from: string, to: string, options: WriteOptions): Promise<string> {
    try {
      const source = await this.#existing(from);
      const stats = await this.#fs.promises.lstat(source);
      if (!stats.isFile()) throw notFound(from, this.name);
      await this.#directoryFor(to);
      // Publishing the source itself keeps its inode, so the metadata moves with it.
      const stored = await this.#publish(source, to, options);
      if (!options.overwrite) await this.#fs.promises.unlink(source);
      await this.#prune(dirname(source));
      return stored;
    } catch (error) {
      throw mapFileSystemError(error, from, this.name);
    }
  }

  async url(name: string, options: UrlOptions): Promise<string> {
    const base = this.options.baseUrl;
    if (base === undefined) {
      throw new StorageError('UNSUPPORTED', `The ${this.name} driver has no baseUrl; set one to use url().`);
    }
    const url = `${base.endsWith('/') ? base : `${base}/`}${encodeName(name)}`;
    const signer = urlSignerOf(this);
    return signer ? `${url}?${signer.sign(name, options)}` : url;
  }

  toJSON(): Record<string, unknown> {
    return { driver: this.name, location: this.location, baseUrl: this.options.baseUrl };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }

  /** The signer of a driver with a `urlSecret`, registered for stowage/http; it needs a baseUrl. */
  #signer(): UrlSigner | undefined {
    const { urlSecret, baseUrl } = this.options;
    if (urlSecret === undefined) return undefined;
    if (baseUrl === undefined) {
      throw new StorageError(
        'INVALID_CONFIG',
        `${this.name}: urlSecret needs a baseUrl (the URL stowage/http serves).`,
        {
          operation: 'configure',
        },
      );
    }
    const signer = signerOf(urlSecret, `${this.name} option urlSecret`);
    registerUrlSigner(this, signer);
    return signer;
  }

  /** Writes the body into the open temporary file `fd`, and closes it. */
  async #fill(fd: number, body: WriteBody): Promise<void> {
    if (body.kind === 'bytes') {
      try {
        await promisify(this.#fs.writeFile)(fd, body.data);
      } finally {
        await promisify(this.#fs.close)(fd);
      }
    } else {
      await pipeline(body.stream, this.#fs.createWriteStream('', { fd, autoClose: true }));
    }
  }

  /**
   * Creates a new temporary file in the directory of `name`, lets `fill` write it
   * (and close `fd`), applies the file mode and returns its path. Removes it if
   * anything fails.
   */
  async #temporaryFor(name: string, fill: (fd: number, path: string) => Promise<void>): Promise<string> {
    const { tmp, fd } = await this.#createTemporary(name);
    try {
      await fill(fd, tmp);
      if (this.options.fileMode !== undefined) await this.#fs.promises.chmod(tmp, this.options.fileMode);
      return tmp;
    } catch (error) {
      await this.#fs.promises.unlink(tmp).catch(() => {});
      throw error;
    }
  }

  async #createTemporary(name: string): Promise<{ tmp: string; fd: number }> {
    for (let attempt = 1; ; attempt++) {
      const dir = await this.#directoryFor(name);
      const tmp = join(dir, `${PARTIAL_PREFIX}${randomBytes(8).toString('hex')}`);
      try {
        return { tmp, fd: await promisify(this.#fs.open)(tmp, 'wx') };
      } catch (error) {
        // A concurrent delete may prune the directory between mkdir and open.
        const pruned = (error as NodeJS.ErrnoException).code === 'ENOENT' && attempt < MAX_DIRECTORY_RACES;
        if (!pruned) throw error;
      }
    }
  }

  /** Publishes a temporary file with `meta`, and removes it whatever happens. */
  async #publishTemporary(
    tmp: string,
    name: string,
    options: WriteOptions,
    meta: StoredMetadata | undefined,
  ): Promise<string> {
    const ino = this.#meta ? (await this.#fs.promises.lstat(tmp)).ino : undefined;
    if (ino !== undefined && meta) this.#meta?.set(ino, meta);
    try {
      const stored = await this.#publish(tmp, name, options);
      if (!options.overwrite) await this.#fs.promises.unlink(tmp);
      return stored;
    } catch (error) {
      await this.#fs.promises.unlink(tmp).catch(() => {});
      if (ino !== undefined) this.#meta?.delete(ino);
      throw error;
    }
  }

  /**
   * Gives the file at `path` the name `name`: `rename` when overwriting; otherwise
   * `link`, which fails if the name exists, trying `nextName()` until one is free
   * (the caller then removes `path`). Resolves with the name used.
   */
  async #publish(path: string, name: string, options: WriteOptions): Promise<string> {
    const fsp = this.#fs.promises;
    for (let candidate = name; ; candidate = options.nextName()) {
      await this.#directoryFor(candidate);
      const target = await this.#path(candidate);
      if (options.overwrite) {
        const replaced = await fsp.lstat(target).catch(() => undefined);
        const moved = await fsp.lstat(path);
        await fsp.rename(path, target);
        if (replaced && replaced.ino !== moved.ino && replaced.nlink <= 1) this.#meta?.delete(replaced.ino);
        return candidate;
      }
      try {
        await fsp.link(path, target);
        return candidate;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  #metadataOf(options: WriteOptions): StoredMetadata | undefined {
    if (!this.#meta) return undefined;
    return {
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      contentDisposition: options.contentDisposition,
      metadata: options.metadata ?? {},
    };
  }

  #stat(name: string, stats: nodeFs.Stats): FileStat {
    const meta = this.#meta?.get(stats.ino);
    return {
      name,
      size: stats.size,
      lastModified: stats.mtime,
      contentType: meta?.contentType ?? guessContentType(name),
      etag: `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`,
      cacheControl: meta?.cacheControl,
      contentDisposition: meta?.contentDisposition,
      metadata: { ...meta?.metadata },
    };
  }

  async *#walk(dir: string, prefix: string, recursive: boolean): AsyncGenerator<ListEntry> {
    const entries = await this.#fs.promises.readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw mapFileSystemError(error, prefix, this.name);
    });
    // Sorting "dir/" with its slash gives S3's order: "a-b" < "a/" < "a0".
    const sorted = entries
      .filter((entry) => !entry.name.startsWith(PARTIAL_PREFIX))
      .map((entry) => ({ entry, key: `${prefix}${entry.name}${entry.isDirectory() ? '/' : ''}` }))
      .sort((a, b) => compareNames(a.key, b.key));
    for (const { entry, key } of sorted) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) yield* this.#walk(path, key, true);
        else if (await this.#hasEntries(path)) yield { type: 'directory', name: key };
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        const stats = await this.#fileInside(path);
        if (stats) yield { type: 'file', ...this.#stat(key, stats) };
      }
    }
  }

  /** Stats a listed file; undefined for symlinks that leave the root or point at directories. */
  async #fileInside(path: string): Promise<nodeFs.Stats | undefined> {
    try {
      const real = await this.#fs.promises.realpath(path);
      if (!within(real, await this.#rootPath())) return undefined;
      const stats = await this.#fs.promises.stat(real);
      return stats.isFile() ? stats : undefined;
    } catch {
      return undefined;
    }
  }

  async #hasEntries(dir: string): Promise<boolean> {
    const names = await this.#fs.promises.readdir(dir).catch(() => [] as string[]);
    return names.some((entry) => !String(entry).startsWith(PARTIAL_PREFIX));
  }

  /** Removes now-empty directories from `dir` up to (not including) the root. */
  async #prune(dir: string): Promise<void> {
    const root = await this.#rootPath();
    for (let current = dir; current !== root && within(current, root); current = dirname(current)) {
      try {
        await this.#fs.promises.rmdir(current);
      } catch {
        return;
      }
    }
  }

  /** The path of `name`, resolving symlinks; rejects with INVALID_NAME when it leaves the root. */
  async #existing(name: string): Promise<string> {
    const path = await this.#path(name);
    await this.#checkInside(path, name);
    return this.#fs.promises.realpath(path).catch(() => path);
  }

  /** Creates the directory that will hold `name` (checking that it stays inside); returns it. */
  async #directoryFor(name: string): Promise<string> {
    const dir = dirname(await this.#path(name));
    await this.#checkInside(dir, name);
    const mode = this.options.directoryMode;
    const missing = await this.#missingAncestors(dir);
    await this.#fs.promises.mkdir(dir, { recursive: true });
    if (mode !== undefined) for (const created of missing) await this.#fs.promises.chmod(created, mode);
    // A symlink swapped in while we created the directories must not take us outside.
    await this.#checkInside(dir, name);
    return dir;
  }

  async #missingAncestors(dir: string): Promise<string[]> {
    const missing: string[] = [];
    const root = await this.#rootPath();
    for (let current = dir; current !== root; current = dirname(current)) {
      const exists = await this.#fs.promises.lstat(current).then(
        () => true,
        () => false,
      );
      if (exists) break;
      missing.unshift(current);
    }
    return missing;
  }

  /** Resolves symlinks of the deepest existing ancestor of `path` and checks it is inside the root. */
  async #checkInside(path: string, name: string): Promise<void> {
    const root = await this.#rootPath();
    for (let probe = path; ; probe = dirname(probe)) {
      try {
        const real = await this.#fs.promises.realpath(probe);
        if (real !== root && !within(real, root)) {
          throw new StorageError('INVALID_NAME', `${JSON.stringify(name)} resolves outside the storage location.`, {
            name,
          });
        }
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || probe === root || probe === dirname(probe)) throw error;
      }
    }
  }

  async #path(name: string): Promise<string> {
    const root = await this.#rootPath();
    return name === '' ? root : join(root, ...name.split('/'));
  }

  /** The real path of the location, created on first use. */
  #rootPath(): Promise<string> {
    this.#root ??= (async () => {
      await this.#fs.promises.mkdir(this.location, { recursive: true });
      return this.#fs.promises.realpath(this.location);
    })();
    return this.#root;
  }
}

function within(path: string, root: string): boolean {
  return path.startsWith(root === sep ? root : `${root}${sep}`);
}

function notFound(name: string, driver: string): StorageError {
  return new StorageError('NOT_FOUND', `${driver}: no file named ${JSON.stringify(name)}.`, { name });
}
