/**
 * The in-memory driver: files on a private memfs volume, with a metadata table keyed by
 * name, so that it behaves like the stores users deploy on (content types, metadata,
 * exclusive create, ranges) without a server or a disk. It is hierarchical like the fs
 * driver (a name cannot be a file and a directory at once) and refuses the same clashes
 * with the same errors (src/hierarchy.ts).
 *
 * Every change to the volume happens synchronously once the body has arrived, so
 * "create only if absent" is atomic within the process without locks, and a body that
 * fails midway leaves nothing behind.
 */
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { createFsFromVolume, Volume } from 'memfs';
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
import { ancestorsOf, directoryInTheWay, fileInTheWay } from '../../src/hierarchy.js';
import { compareNames, urlOnBase } from '../../src/utf8.js';
import { MEMORY_OPTIONS, type MemoryOptions, type ResolvedMemoryOptions } from './options.js';

/** What the driver keeps per file besides its bytes. */
interface Entry {
  contentType: string;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata: Record<string, string>;
  /** Changes on every write, for the etag. */
  generation: number;
}

const ROOT = '/';

export class MemoryDriver implements Driver {
  readonly name = 'memory';
  readonly capabilities: Capabilities;
  /** The options, checked, with defaults applied. */
  readonly options: ResolvedMemoryOptions;
  /** The memfs volume holding the files; each driver has its own. */
  readonly volume: Volume;
  readonly #fs: ReturnType<typeof createFsFromVolume>;
  readonly #entries = new Map<string, Entry>();
  #generation = 0;

  constructor(options: MemoryOptions = {}) {
    this.options = MEMORY_OPTIONS.resolve(options);
    this.volume = new Volume();
    this.#fs = createFsFromVolume(this.volume);
    this.capabilities = {
      publicUrl: this.options.baseUrl !== undefined,
      presign: false,
      conditionalCreate: true,
      rangeRead: true,
      serverSideCopy: true,
      uploadUrl: false,
      metadata: true,
      bucketManagement: false,
      healthCheck: false,
      hierarchical: true,
    };
    for (const [name, content] of Object.entries(this.options.files ?? {})) {
      const data = typeof content === 'string' ? Buffer.from(content) : content;
      this.#store(name, data, { overwrite: true, nextName: () => name, contentType: guessContentType(name) });
    }
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    const data = body.kind === 'bytes' ? body.data : await collect(body.stream);
    return this.#store(name, data, options);
  }

  async read(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    const stat = this.#statOf(name);
    const data = this.#fs.readFileSync(this.#path(name)) as Buffer;
    const { start = 0, end } = options.range ?? {};
    const bytes = data.subarray(start, end === undefined ? undefined : end + 1);
    return { stat, body: Readable.from(bytes.length > 0 ? [bytes] : [], { objectMode: false }) };
  }

  async stat(name: string): Promise<FileStat> {
    return this.#statOf(name);
  }

  async delete(name: string): Promise<void> {
    if (this.#kind(name) !== 'file') return;
    this.#fs.unlinkSync(this.#path(name));
    this.#entries.delete(name);
    this.#prune(name);
  }

  async *list(prefix: string, options: ListOptions): AsyncGenerator<ListEntry> {
    const dir = prefix === '' ? '' : prefix.slice(0, -1);
    if (dir !== '' && this.#kind(dir) !== 'directory') return;
    for (const entry of this.#walk(dir === '' ? '' : `${dir}/`, options.recursive)) yield entry;
  }

  async copy(from: string, to: string, options: WriteOptions): Promise<string> {
    const source = this.#entryOf(from);
    const data = this.#fs.readFileSync(this.#path(from)) as Buffer;
    return this.#store(to, data, { ...options, ...source });
  }

  async move(from: string, to: string, options: WriteOptions): Promise<string> {
    const stored = await this.copy(from, to, options);
    if (stored !== from) await this.delete(from);
    return stored;
  }

  async url(name: string, _options: UrlOptions): Promise<string> {
    return urlOnBase(this.options.baseUrl, name, this.name);
  }

  /** The names of every stored file, sorted (a test helper). */
  files(): string[] {
    return [...this.#entries.keys()].sort(compareNames);
  }

  /** Every stored file's bytes by name (a test helper). */
  snapshot(): Record<string, Buffer> {
    return Object.fromEntries(this.files().map((name) => [name, this.#fs.readFileSync(this.#path(name)) as Buffer]));
  }

  /** Removes every file (a test helper, e.g. in `afterEach`). */
  reset(): void {
    this.volume.reset();
    this.#entries.clear();
  }

  toJSON(): Record<string, unknown> {
    return { driver: this.name, baseUrl: this.options.baseUrl };
  }

  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }

  /**
   * Stores `data` under `name`, or the first free name `nextName` gives, synchronously:
   * a taken name (a file, or a directory of other files) is skipped unless overwriting;
   * a file standing where the name needs a directory is refused.
   */
  #store(name: string, data: Uint8Array, options: Omit<WriteOptions, 'nextName'> & Partial<WriteOptions>): string {
    let candidate = name;
    for (;;) {
      const blocking = ancestorsOf(candidate).find((ancestor) => this.#kind(ancestor) === 'file');
      if (blocking !== undefined) throw fileInTheWay(this.name, candidate, blocking);
      const kind = this.#kind(candidate);
      if (kind === undefined || (kind === 'file' && options.overwrite)) break;
      if (options.overwrite) throw directoryInTheWay(this.name, candidate);
      if (!options.nextName) throw new StorageError('ALREADY_EXISTS', `memory: ${JSON.stringify(candidate)} exists.`);
      candidate = options.nextName();
    }
    const path = this.#path(candidate);
    this.#fs.mkdirSync(path.slice(0, path.lastIndexOf('/')) || ROOT, { recursive: true });
    this.#fs.writeFileSync(path, data);
    this.#entries.set(candidate, {
      contentType: options.contentType,
      cacheControl: options.cacheControl,
      contentDisposition: options.contentDisposition,
      metadata: { ...options.metadata },
      generation: ++this.#generation,
    });
    return candidate;
  }

  #statOf(name: string): FileStat {
    const entry = this.#entryOf(name);
    const stats = this.#fs.statSync(this.#path(name));
    const size = Number(stats.size);
    return {
      name,
      size,
      lastModified: stats.mtime,
      contentType: entry.contentType,
      etag: `"${size.toString(16)}-${entry.generation.toString(16)}"`,
      cacheControl: entry.cacheControl,
      contentDisposition: entry.contentDisposition,
      metadata: { ...entry.metadata },
    };
  }

  /** The entry of a stored file; NOT_FOUND for a missing name, a directory, or a name under a file. */
  #entryOf(name: string): Entry {
    const entry = this.#entries.get(name);
    if (!entry) throw new StorageError('NOT_FOUND', `memory: no file named ${JSON.stringify(name)}.`, { name });
    return entry;
  }

  /** What stands at `name`: a file, a directory, or nothing. */
  #kind(name: string): 'file' | 'directory' | undefined {
    if (this.#entries.has(name)) return 'file';
    try {
      return this.#fs.statSync(this.#path(name)).isDirectory() ? 'directory' : undefined;
    } catch {
      return undefined; // ENOENT, or ENOTDIR under a file
    }
  }

  *#walk(prefix: string, recursive: boolean): Generator<ListEntry> {
    const dir = prefix === '' ? ROOT : this.#path(prefix.slice(0, -1));
    const dirents = this.#fs.readdirSync(dir, { withFileTypes: true }) as { name: string; isDirectory(): boolean }[];
    // Sorting "dir/" with its slash gives S3's order: "a-b" < "a/" < "a0".
    const sorted = dirents
      .map((dirent) => ({ dirent, key: `${prefix}${String(dirent.name)}${dirent.isDirectory() ? '/' : ''}` }))
      .sort((a, b) => compareNames(a.key, b.key));
    for (const { dirent, key } of sorted) {
      if (!dirent.isDirectory()) yield { type: 'file', ...this.#statOf(key) };
      else if (recursive) yield* this.#walk(key, true);
      else yield { type: 'directory', name: key };
    }
  }

  /** Removes the directories a deletion left empty, from the file's up to the root. */
  #prune(name: string): void {
    for (const dir of ancestorsOf(name).reverse()) {
      if ((this.#fs.readdirSync(this.#path(dir)) as unknown[]).length > 0) return;
      this.#fs.rmdirSync(this.#path(dir));
    }
  }

  #path(name: string): string {
    return `${ROOT}${name}`;
  }
}

/** Reads a body stream to its end; a failing source rejects, and nothing is stored. */
async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
