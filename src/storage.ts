/**
 * The Storage facade: Django's Storage API over any driver. Everything that is the same
 * for every backend lives here: name validation, the available-name loop, content
 * types, capability checks and error context.
 */
import { inspect } from 'node:util';
import { type Content, guessContentType, toWriteBody } from './content.js';
import {
  type ByteRange,
  CAPABILITY_METHODS,
  type Capabilities,
  type Driver,
  type FileStat,
  type HealthStatus,
  type InitializeReport,
  type UploadUrl,
  type UploadUrlOptions,
  type UrlOptions,
  type WriteOptions,
} from './driver.js';
import { isStorageError, type Operation, StorageError, withContext } from './errors.js';
import { generateFilename, getValidName, nameCandidates, normalizeName, normalizePrefix } from './names.js';
import { StoredFile } from './stored-file.js';
import { compareNames } from './utf8.js';

/** Options of the facade itself; driver settings live in each driver's options. */
export interface StorageOptions<D extends Driver = Driver> {
  driver: D;
  /**
   * Overwrite an existing object of the same name instead of choosing an alternative
   * name (django-storages' `file_overwrite`, django-minio-backend's `replace_existing`).
   * Default false.
   */
  replaceExisting?: boolean | undefined;
}

export interface SaveOptions {
  /** Defaults to the type guessed from the name's extension, else application/octet-stream. */
  contentType?: string | undefined;
  /** User metadata; keys are lower-cased, values must be printable ASCII. */
  metadata?: Record<string, string> | undefined;
  /** The longest name (in characters) that may be stored, as Django's `max_length`. */
  maxLength?: number | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
}

export interface OpenOptions {
  /** Read only these bytes (inclusive end, as HTTP Range); clamped to the object's end. */
  range?: ByteRange | undefined;
}

/** Options of `copy` and `move`. */
export interface TransferOptions {
  /**
   * Insist on a copy inside the backend (capabilities.serverSideCopy): UNSUPPORTED
   * instead of streaming the bytes through this process. Default false: stream when the
   * driver cannot copy itself.
   */
  serverSide?: boolean | undefined;
}

/** Options of `isAvailable`. */
export interface HealthOptions {
  /**
   * Insist on asking the backend (capabilities.healthCheck): UNSUPPORTED instead of the
   * local answer of a driver without a server. Default false.
   */
  probe?: boolean | undefined;
}

export interface ListdirResult {
  directories: string[];
  files: string[];
}

/** How many names `save` tries before giving up with ALREADY_EXISTS. */
const MAX_NAME_ATTEMPTS = 100;
/** S3's limit for presigned URLs (SigV4): seven days. */
export const MAX_URL_EXPIRY_SECONDS = 7 * 24 * 3600;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const METADATA_KEY = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

export class Storage<D extends Driver = Driver> {
  readonly driver: D;
  readonly replaceExisting: boolean;

  /** Throws INVALID_CONFIG when the driver declares a capability without the methods it needs. */
  constructor(options: StorageOptions<D>) {
    this.driver = options.driver;
    this.replaceExisting = options.replaceExisting ?? false;
    checkDeclaredMethods(this.driver);
  }

  /** What the driver supports. */
  get capabilities(): Readonly<Capabilities> {
    return this.driver.capabilities;
  }

  /**
   * Stores `content` under `name`, or under an available alternative when the name is
   * taken (unless `replaceExisting`), and resolves with the name actually stored.
   * Streams are passed through, never buffered whole.
   */
  async save(name: string, content: Content, options: SaveOptions = {}): Promise<string> {
    return this.#run('save', name, async () => {
      const key = normalizeName(name);
      const writeOptions = this.#writeOptions(key, options);
      const first = this.replaceExisting ? key : writeOptions.nextName();
      if (this.replaceExisting && options.maxLength !== undefined && key.length > options.maxLength) {
        throw new StorageError(
          'INVALID_NAME',
          `The name is ${key.length} characters long, more than maxLength ${options.maxLength}.`,
        );
      }
      return this.driver.write(first, toWriteBody(content, key), writeOptions);
    });
  }

  /** Opens an object; rejects with NOT_FOUND when it does not exist. */
  async open(name: string, options: OpenOptions = {}): Promise<StoredFile> {
    return this.#run('open', name, async () => {
      const key = normalizeName(name);
      const range = options.range && checkRange(options.range);
      if (range) this.#require('rangeRead', 'open with a range');
      const { stat, body } = await this.driver.read(key, { range });
      return new StoredFile(stat, body, range);
    });
  }

  /** True when an object of this name exists; false for a missing name or a bare prefix. */
  async exists(name: string): Promise<boolean> {
    return this.#run('exists', name, async () => {
      try {
        await this.driver.stat(normalizeName(name));
        return true;
      } catch (error) {
        if (isStorageError(error, 'NOT_FOUND')) return false;
        throw error;
      }
    });
  }

  /** Deletes an object; resolves when it was already gone. */
  async delete(name: string): Promise<void> {
    return this.#run('delete', name, () => this.driver.delete(normalizeName(name)));
  }

  /** Describes an object; rejects with NOT_FOUND when it does not exist. */
  async stat(name: string): Promise<FileStat> {
    return this.#run('stat', name, () => this.driver.stat(normalizeName(name)));
  }

  /** The object's size in bytes; rejects with NOT_FOUND when it does not exist. */
  async size(name: string): Promise<number> {
    return this.#run('size', name, async () => (await this.driver.stat(normalizeName(name))).size);
  }

  /** When the object was last written; rejects with NOT_FOUND when it does not exist. */
  async getModifiedTime(name: string): Promise<Date> {
    return this.#run('getModifiedTime', name, async () => (await this.driver.stat(normalizeName(name))).lastModified);
  }

  /**
   * A URL for the object: plain on public buckets and file systems, presigned on
   * private buckets. `expiresIn` and `download` need a driver that presigns.
   */
  async url(name: string, options: UrlOptions = {}): Promise<string> {
    return this.#run('url', name, async () => {
      const key = normalizeName(name);
      const { publicUrl, presign } = this.driver.capabilities;
      if (options.expiresIn !== undefined || options.download !== undefined) {
        this.#require('presign', 'url with expiresIn or download');
        checkExpiry(options.expiresIn);
      } else if (!publicUrl && !presign) {
        this.#require('publicUrl', 'url');
      }
      return declared(this.driver, 'url')(key, options);
    });
  }

  /** A presigned browser upload whose type and size limits the server enforces. */
  async createUploadUrl(name: string, options: UploadUrlOptions = {}): Promise<UploadUrl> {
    return this.#run('createUploadUrl', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'createUploadUrl');
      checkExpiry(options.expiresIn);
      if (options.maxSize !== undefined && !(Number.isSafeInteger(options.maxSize) && options.maxSize >= 0)) {
        throw new StorageError('INVALID_CONFIG', 'maxSize must be a non-negative integer of bytes.');
      }
      return declared(this.driver, 'createUploadUrl')(key, options);
    });
  }

  /** The immediate children of a directory path ('' is the root), each list sorted. */
  async listdir(path = ''): Promise<ListdirResult> {
    return this.#run('listdir', path, async () => {
      const prefix = normalizePrefix(path);
      const directories: string[] = [];
      const files: string[] = [];
      for await (const entry of this.driver.list(prefix, { recursive: false })) {
        const child = entry.name.slice(prefix.length);
        if (entry.type === 'directory') directories.push(child.replace(/\/$/, ''));
        else files.push(child);
      }
      return { directories: directories.sort(compareNames), files: files.sort(compareNames) };
    });
  }

  /**
   * The objects under a directory path ('' is everything), lazily page by page, in
   * UTF-8 byte order. `recursive: false` stops at the first level. Default recursive.
   */
  async *list(prefix = '', options: { recursive?: boolean } = {}): AsyncGenerator<FileStat> {
    let normalized: string;
    try {
      normalized = normalizePrefix(prefix);
    } catch (error) {
      throw withContext(error, 'list', prefix);
    }
    try {
      for await (const entry of this.driver.list(normalized, { recursive: options.recursive ?? true })) {
        if (entry.type === 'file') {
          const { type: _type, ...stat } = entry;
          yield stat;
        }
      }
    } catch (error) {
      throw withContext(error, 'list', prefix);
    }
  }

  /**
   * Django's `get_available_name`: `name` if it is free and fits `maxLength`, else
   * `root_<7 alphanumerics>.ext`. Informational only: `save` claims names atomically.
   */
  async getAvailableName(name: string, maxLength?: number): Promise<string> {
    return this.#run('getAvailableName', name, async () => {
      const next = attemptLimited(nameCandidates(normalizeName(name), maxLength));
      let candidate = next();
      while (await this.exists(candidate)) candidate = next();
      return candidate;
    });
  }

  /** Django's `get_valid_name` (synchronous). */
  getValidName(name: string): string {
    try {
      return getValidName(name);
    } catch (error) {
      throw withContext(error, 'getValidName', name);
    }
  }

  /** Django's `generate_filename` (synchronous). */
  generateFilename(name: string): string {
    try {
      return generateFilename(name);
    } catch (error) {
      throw withContext(error, 'generateFilename', name);
    }
  }

  /**
   * Copies `from` to `to`, inside the backend where the driver can (capabilities.serverSideCopy),
   * else through this process (UNSUPPORTED with `serverSide: true`); resolves with the name stored.
   */
  async copy(from: string, to: string, options: TransferOptions = {}): Promise<string> {
    return this.#run('copy', from, async () => {
      const [source, target] = [normalizeName(from), normalizeName(to)];
      const serverSide = this.#serverSide(options, 'copy with serverSide');
      if (source === target && this.replaceExisting) return (await this.driver.stat(source)).name;
      if (serverSide) return declared(this.driver, 'copy')(source, target, this.#transferOptions(target));
      return this.#copyThrough(source, target);
    });
  }

  /** Moves `from` to `to` (as `copy`, then the source is gone); resolves with the name stored. */
  async move(from: string, to: string, options: TransferOptions = {}): Promise<string> {
    return this.#run('move', from, async () => {
      const [source, target] = [normalizeName(from), normalizeName(to)];
      const serverSide = this.#serverSide(options, 'move with serverSide');
      if (source === target && this.replaceExisting) return (await this.driver.stat(source)).name;
      if (serverSide) return declared(this.driver, 'move')(source, target, this.#transferOptions(target));
      const stored = await this.#copyThrough(source, target);
      if (stored !== source) await this.driver.delete(source);
      return stored;
    });
  }

  /**
   * Health check: asks the backend when the driver has one to ask (capabilities.healthCheck);
   * otherwise answers locally, or is UNSUPPORTED with `probe: true`.
   */
  async isAvailable(options: HealthOptions = {}): Promise<HealthStatus> {
    return this.#run('isAvailable', undefined, async () => {
      if (this.driver.capabilities.healthCheck) return declared(this.driver, 'isAvailable')();
      if (options.probe) this.#require('healthCheck', 'isAvailable with probe');
      return { available: true, latencyMs: 0, details: `${this.driver.name} driver is local` };
    });
  }

  /**
   * Creates the buckets the storage is configured with and sets their policies
   * (`stowage init-buckets`); idempotent. UNSUPPORTED on drivers without buckets.
   */
  async initializeBuckets(): Promise<InitializeReport> {
    return this.#run('initializeBuckets', undefined, async () => {
      this.#require('bucketManagement', 'initializeBuckets');
      return declared(this.driver, 'initializeBuckets')();
    });
  }

  /** Releases the driver's connections and timers. */
  async close(): Promise<void> {
    await this.driver.close?.();
  }

  toJSON(): Record<string, unknown> {
    return { driver: this.driver.name, replaceExisting: this.replaceExisting };
  }

  [inspect.custom](): string {
    return `Storage { driver: ${inspect(this.driver)}, replaceExisting: ${this.replaceExisting} }`;
  }

  async #copyThrough(source: string, target: string): Promise<string> {
    const { stat, body } = await this.driver.read(source);
    return this.driver.write(
      target,
      { kind: 'stream', stream: body, size: stat.size },
      {
        ...this.#transferOptions(target),
        contentType: stat.contentType ?? guessContentType(target),
        cacheControl: stat.cacheControl,
        contentDisposition: stat.contentDisposition,
        metadata: stat.metadata,
      },
    );
  }

  #transferOptions(target: string): WriteOptions {
    return {
      overwrite: this.replaceExisting,
      nextName: attemptLimited(nameCandidates(target)),
      contentType: guessContentType(target),
    };
  }

  #writeOptions(key: string, options: SaveOptions): WriteOptions {
    const guessed = guessContentType(key);
    const metadata = options.metadata && checkMetadata(options.metadata);
    if (!this.driver.capabilities.metadata) {
      const given = [
        options.contentType !== undefined &&
          options.contentType !== guessed &&
          'a contentType other than the one of its extension',
        metadata && Object.keys(metadata).length > 0 && 'metadata',
        options.cacheControl !== undefined && 'cacheControl',
        options.contentDisposition !== undefined && 'contentDisposition',
      ].filter(Boolean);
      if (given.length > 0) this.#require('metadata', `save with ${given.join(', ')}`);
    }
    for (const [option, value] of [
      ['contentType', options.contentType],
      ['cacheControl', options.cacheControl],
      ['contentDisposition', options.contentDisposition],
    ] as const) {
      if (value !== undefined && !PRINTABLE_ASCII.test(value)) {
        throw new StorageError('INVALID_CONFIG', `${option} must be printable ASCII (it is sent as an HTTP header).`);
      }
    }
    return {
      overwrite: this.replaceExisting,
      nextName: attemptLimited(nameCandidates(key, options.maxLength)),
      contentType: options.contentType ?? guessed,
      cacheControl: options.cacheControl,
      contentDisposition: options.contentDisposition,
      metadata,
    };
  }

  /** Whether a transfer runs inside the backend; UNSUPPORTED when `serverSide` is insisted on without the capability. */
  #serverSide(options: TransferOptions, what: string): boolean {
    if (options.serverSide) this.#require('serverSideCopy', what);
    return this.driver.capabilities.serverSideCopy;
  }

  #require(capability: keyof Capabilities, what: string): void {
    if (!this.driver.capabilities[capability]) {
      throw new StorageError(
        'UNSUPPORTED',
        `The ${this.driver.name} driver does not support ${what} (capability "${capability}").`,
      );
    }
  }

  async #run<T>(operation: Operation, name: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw withContext(error, operation, name);
    }
  }
}

/** Wraps a name source so that it gives up with ALREADY_EXISTS after MAX_NAME_ATTEMPTS names. */
function attemptLimited(next: () => string): () => string {
  let attempts = 0;
  return () => {
    if (++attempts > MAX_NAME_ATTEMPTS) {
      throw new StorageError(
        'ALREADY_EXISTS',
        `No free name found after ${MAX_NAME_ATTEMPTS} attempts; the name space is crowded, try another name.`,
      );
    }
    return normalizeName(next());
  };
}

type CapabilityMethod = (typeof CAPABILITY_METHODS)[keyof typeof CAPABILITY_METHODS][number];

/** A method of a declared capability, bound; `checkDeclaredMethods` made sure it exists. */
function declared<K extends CapabilityMethod>(driver: Driver, method: K): NonNullable<Driver[K]> {
  const fn = driver[method] as unknown as (...args: unknown[]) => unknown;
  return fn.bind(driver) as NonNullable<Driver[K]>;
}

/** A driver declaring a capability must have the methods it needs (a bug in the driver otherwise). */
function checkDeclaredMethods(driver: Driver): void {
  for (const [capability, methods] of Object.entries(CAPABILITY_METHODS)) {
    if (!driver.capabilities[capability as keyof Capabilities]) continue;
    const absent = methods.filter((method) => typeof driver[method] !== 'function');
    if (absent.length > 0) {
      throw new StorageError(
        'INVALID_CONFIG',
        `The ${driver.name} driver declares capability "${capability}" but has no ${absent.join('() or ')}(); implement it or leave the capability out.`,
        { operation: 'configure' },
      );
    }
  }
}

function checkRange(range: ByteRange): ByteRange {
  const { start, end } = range;
  const valid =
    Number.isSafeInteger(start) && start >= 0 && (end === undefined || (Number.isSafeInteger(end) && end >= start));
  if (!valid) {
    throw new StorageError(
      'INVALID_CONFIG',
      `Invalid range ${JSON.stringify(range)}: start and end are byte offsets, 0 <= start <= end (inclusive).`,
    );
  }
  return { start, end };
}

function checkExpiry(expiresIn: number | undefined): void {
  if (expiresIn === undefined) return;
  if (!Number.isFinite(expiresIn) || expiresIn < 1 || expiresIn > MAX_URL_EXPIRY_SECONDS) {
    throw new StorageError(
      'INVALID_CONFIG',
      `expiresIn must be between 1 and ${MAX_URL_EXPIRY_SECONDS} seconds (7 days, the S3 limit); got ${expiresIn}.`,
    );
  }
}

function checkMetadata(metadata: Record<string, string>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(metadata)) {
    const key = rawKey.toLowerCase();
    if (!METADATA_KEY.test(key) || typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
      throw new StorageError(
        'INVALID_CONFIG',
        `Metadata ${JSON.stringify(rawKey)}: keys must be HTTP tokens and values printable ASCII strings (they travel as x-amz-meta-* headers).`,
      );
    }
    checked[key] = value;
  }
  return checked;
}
