/**
 * The in-memory driver: the file-system driver running on its own memfs volume, plus
 * a metadata store, so it behaves like an object store in unit tests (content types,
 * metadata, exclusive create, ranges) without a server or a disk.
 */
import { createFsFromVolume, Volume } from 'memfs';
import { type FileSystemApi, FileSystemDriver, PARTIAL_PREFIX, type StoredMetadata } from '../fs/driver.js';
import { MEMORY_OPTIONS, type MemoryOptions } from './options.js';

const ROOT = '/';

export class MemoryDriver extends FileSystemDriver {
  /** The memfs volume holding the files; each driver has its own. */
  readonly volume: Volume;
  readonly #metadata: Map<number, StoredMetadata>;

  constructor(given: MemoryOptions = {}) {
    const options = MEMORY_OPTIONS.resolve(given);
    const volume = new Volume();
    const metadata = new Map<number, StoredMetadata>();
    const fs = createFsFromVolume(volume) as unknown as FileSystemApi;
    super({ location: ROOT, baseUrl: options.baseUrl, urlSecret: options.urlSecret }, { name: 'memory', fs, metadata });
    this.volume = volume;
    this.#metadata = metadata;
    for (const [name, content] of Object.entries(options.files ?? {})) {
      const path = `${ROOT}${name}`;
      volume.mkdirSync(path.slice(0, path.lastIndexOf('/')) || ROOT, { recursive: true });
      volume.writeFileSync(path, content);
    }
  }

  /** The names of every stored file, sorted (a test helper). */
  files(): string[] {
    return Object.keys(this.snapshot());
  }

  /** Every stored file's bytes by name (a test helper). */
  snapshot(): Record<string, Buffer> {
    const files: Record<string, Buffer> = {};
    const walk = (dir: string, prefix: string): void => {
      for (const entry of (this.volume.readdirSync(dir) as string[]).sort()) {
        if (entry.startsWith(PARTIAL_PREFIX)) continue;
        const path = `${dir === ROOT ? '' : dir}/${entry}`;
        if (this.volume.statSync(path).isDirectory()) walk(path, `${prefix}${entry}/`);
        else files[`${prefix}${entry}`] = this.volume.readFileSync(path) as Buffer;
      }
    };
    walk(ROOT, '');
    return files;
  }

  /** Removes every file (a test helper, e.g. in `afterEach`). */
  reset(): void {
    this.volume.reset();
    this.#metadata.clear();
  }
}
