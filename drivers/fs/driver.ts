/**
 * The file-system driver: Django's FileSystemStorage, with atomic writes and exclusive
 * create. A write goes to a temporary file in the target directory; `link()` then
 * publishes it only if the name is free (or `rename()` replaces it), so a reader never
 * sees half a file and a race never overwrites. The store is hierarchical: a file
 * standing where a name needs a directory, or a directory where a file would replace
 * it, is refused as on the memory driver (src/hierarchy.ts).
 */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
import { directoryInTheWay, fileInTheWay } from '../../src/hierarchy.js';
import { RESERVED_SEGMENT_PREFIX } from '../../src/names.js';
import { compareNames, urlOnBase } from '../../src/utf8.js';
import { mapFileSystemError } from './errors.js';
import { type FileSystemOptions, FS_OPTIONS, type ResolvedFileSystemOptions } from './options.js';

/** Temporary files start with this; listings skip them, and names may not (src/names.ts). */
export const PARTIAL_PREFIX = RESERVED_SEGMENT_PREFIX;
/** Attempts at creating the temporary file when a concurrent delete prunes its directory. */
const MAX_DIRECTORY_RACES = 5;

export class FileSystemDriver implements Driver {
  readonly name = 'fs';
  readonly capabilities: Capabilities;
  readonly location: string;
  /** The options, checked, with defaults applied. */
  readonly options: ResolvedFileSystemOptions;
  readonly #fs = nodeFs;
  #root: Promise<string> | undefined;

  constructor(options: FileSystemOptions) {
    this.options = FS_OPTIONS.resolve(options);
    this.location = resolve(this.options.location);
    this.capabilities = {
      publicUrl: this.options.baseUrl !== undefined,
      presign: false,
      conditionalCreate: true,
      rangeRead: true,
      serverSideCopy: true,
      uploadUrl: false,
      metadata: false,
      bucketManagement: false,
      healthCheck: false,
      hierarchical: true,
    };
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    try {
      const tmp = await this.#temporaryFor(name, (fd) => this.#fill(fd, body));
      return await this.#publishTemporary(tmp, name, options);
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
      return await this.#publishTemporary(tmp, to, options);
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
      const stored = await this.#publish(source, to, options);
      if (!options.overwrite) await this.#fs.promises.unlink(source);
      await this.#prune(dirname(source));
      return stored;
    } catch (error) {
      throw mapFileSystemError(error, from, this.name);
    }
  }

  async url(name: string, _options: UrlOptions): Promise<string> {
    return urlOnBase(this.options.baseUrl, name, this.name);
  }

  toJSON(): Record<string, unknown> {
    return { driver: this.name, location: this.location, baseUrl: this.options.baseUrl };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
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

  /** Publishes a temporary file, and removes it whatever happens. */
  async #publishTemporary(tmp: string, name: string, options: WriteOptions): Promise<string> {
    try {
      const stored = await this.#publish(tmp, name, options);
      if (!options.overwrite) await this.#fs.promises.unlink(tmp);
      return stored;
    } catch (error) {
      await this.#fs.promises.unlink(tmp).catch(() => {});
      throw error;
    }
  }

  /**
   * Gives the file at `path` the name `name`: `rename` when overwriting; otherwise
   * `link`, which fails if the name exists (a file, or a directory of other files),
   * trying `nextName()` until one is free (the caller then removes `path`). Resolves
   * with the name used. Replacing a directory is refused.
   */
  async #publish(path: string, name: string, options: WriteOptions): Promise<string> {
    const fsp = this.#fs.promises;
    for (let candidate = name; ; candidate = options.nextName()) {
      await this.#directoryFor(candidate);
      const target = await this.#path(candidate);
      if (options.overwrite) {
        const replaced = await fsp.lstat(target).catch(() => undefined);
        if (replaced?.isDirectory()) throw directoryInTheWay(this.name, candidate);
        await fsp.rename(path, target);
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

  #stat(name: string, stats: nodeFs.Stats): FileStat {
    return {
      name,
      size: stats.size,
      lastModified: stats.mtime,
      contentType: guessContentType(name),
      etag: `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`,
      metadata: {},
    };
  }

  async *#walk(dir: string, prefix: string, recursive: boolean): AsyncGenerator<ListEntry> {
    const entries = await this.#fs.promises.readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return []; // gone, or a file: nothing under it
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

  /**
   * Creates the directory that will hold `name` (checking that it stays inside); returns
   * it. ALREADY_EXISTS when a file stands where a directory is needed.
   */
  async #directoryFor(name: string): Promise<string> {
    const dir = dirname(await this.#path(name));
    await this.#checkInside(dir, name);
    const mode = this.options.directoryMode;
    const missing = await this.#missingAncestors(dir, name);
    await this.#fs.promises.mkdir(dir, { recursive: true }).catch(async (error: NodeJS.ErrnoException) => {
      // A file created in the meantime where a directory is needed: say which one.
      if (error.code === 'EEXIST' || error.code === 'ENOTDIR') await this.#missingAncestors(dir, name);
      throw error;
    });
    if (mode !== undefined) for (const created of missing) await this.#fs.promises.chmod(created, mode);
    // A symlink swapped in while we created the directories must not take us outside.
    await this.#checkInside(dir, name);
    return dir;
  }

  /** The directories from `dir` up that do not exist yet, outermost first; refuses a file among them. */
  async #missingAncestors(dir: string, name: string): Promise<string[]> {
    const missing: string[] = [];
    const root = await this.#rootPath();
    for (let current = dir; current !== root; current = dirname(current)) {
      const link = await this.#fs.promises.lstat(current).catch(() => undefined);
      if (!link) {
        missing.unshift(current);
        continue;
      }
      // A symlink counts as what it points at; a dangling one is left to mkdir.
      const stats = link.isSymbolicLink() ? await this.#fs.promises.stat(current).catch(() => undefined) : link;
      if (stats && !stats.isDirectory()) {
        throw fileInTheWay(this.name, name, relative(root, current).split(sep).join('/'));
      }
      break;
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
