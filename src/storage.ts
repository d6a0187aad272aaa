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
  type CleanupOptions,
  type CleanupReport,
  type Driver,
  type FileStat,
  type HealthStatus,
  type InitializeReport,
  type MultipartUpload,
  type UploadedPart,
  type UploadUrl,
  type UploadUrlOptions,
  type UrlOptions,
  type WriteOptions,
} from './driver.js';
import { isStorageError, type Operation, StorageError, withContext } from './errors.js';
import {
  exceedsMaxLength,
  generateFilename,
  getValidName,
  nameCandidates,
  nameLength,
  normalizeName,
  normalizePrefix,
} from './names.js';
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
  /**
   * The content's length in bytes, when the caller knows it and the content does not say
   * (a Blob's size and a whole-file fs.ReadStream's file size are used without it). An
   * object store can then send a stream in one PUT; content of another length fails
   * with INVALID_CONFIG and stores nothing.
   */
  size?: number | undefined;
}

/** What `createMultipartUpload` is asked for. */
export interface MultipartUploadRequest {
  /** The file's exact size in bytes (the page's `file.size`). */
  size: number;
  /** The object's Content-Type; defaults to the type of the name's extension. */
  contentType?: string | undefined;
  /** The largest total the completion accepts. Default: `size`. */
  maxSize?: number | undefined;
  /** Bytes per part, 5 MiB to 5 GiB. Default 8 MiB, larger past 10,000 parts. */
  partSize?: number | undefined;
  /** Seconds the part URLs stay valid. Default: the driver's URL expiry. */
  expiresIn?: number | undefined;
  /** The longest name (in characters) the reservation may take, as Django's `max_length`. */
  maxLength?: number | undefined;
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
  save(name: string, content: Content, options: SaveOptions = {}): Promise<string> {
    return this.#run('save', name, async () => {
      const key = normalizeName(name);
      const writeOptions = this.#writeOptions(key, options);
      const first = this.replaceExisting ? key : writeOptions.nextName();
      if (this.replaceExisting && exceedsMaxLength(key, options.maxLength)) {
        throw new StorageError(
          'INVALID_NAME',
          `The name is ${nameLength(key)} characters long, more than maxLength ${options.maxLength}.`,
        );
      }
      return this.driver.write(first, toWriteBody(content, key, options.size), writeOptions);
    });
  }

  /** Opens an object; rejects with NOT_FOUND when it does not exist. */
  open(name: string, options: OpenOptions = {}): Promise<StoredFile> {
    return this.#run('open', name, async () => {
      const key = normalizeName(name);
      const range = options.range && checkRange(options.range);
      if (range) this.#require('rangeRead', 'open with a range');
      const { stat, body } = await this.driver.read(key, { range });
      return new StoredFile(stat, body, range);
    });
  }

  /** True when an object of this name exists; false for a missing name or a bare prefix. */
  exists(name: string): Promise<boolean> {
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
  delete(name: string): Promise<void> {
    return this.#run('delete', name, () => this.driver.delete(normalizeName(name)));
  }

  /** Describes an object; rejects with NOT_FOUND when it does not exist. */
  stat(name: string): Promise<FileStat> {
    return this.#run('stat', name, () => this.driver.stat(normalizeName(name)));
  }

  /** The object's size in bytes; rejects with NOT_FOUND when it does not exist. */
  size(name: string): Promise<number> {
    return this.#run('size', name, async () => (await this.driver.stat(normalizeName(name))).size);
  }

  /** When the object was last written; rejects with NOT_FOUND when it does not exist. */
  getModifiedTime(name: string): Promise<Date> {
    return this.#run('getModifiedTime', name, async () => (await this.driver.stat(normalizeName(name))).lastModified);
  }

  /**
   * A URL for the object: plain on public buckets and file systems, presigned on
   * private buckets. `expiresIn` and `download` need a driver that presigns.
   */
  url(name: string, options: UrlOptions = {}): Promise<string> {
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

  /**
   * A presigned browser upload whose type and size limits the server enforces, under a
   * name it reserves (an available alternative when the name is taken, unless
   * `replaceExisting`): the answer's `name` is the one the upload will have.
   */
  createUploadUrl(name: string, options: UploadUrlOptions = {}): Promise<UploadUrl> {
    return this.#run('createUploadUrl', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'createUploadUrl');
      checkExpiry(options.expiresIn);
      if (options.maxSize !== undefined) checkBytes('maxSize', options.maxSize);
      let checked = options;
      if (options.method === 'PUT') {
        if (options.size === undefined) {
          throw new StorageError('INVALID_CONFIG', 'A PUT upload is signed for its exact size: give size (bytes).');
        }
        checkBytes('size', options.size);
        if (options.maxSize !== undefined && options.size > options.maxSize) {
          throw new StorageError(
            'INVALID_CONFIG',
            `size (${options.size}) is larger than maxSize (${options.maxSize}).`,
          );
        }
        checked = { ...options, contentType: options.contentType ?? guessContentType(key) };
      } else if (options.method !== undefined && options.method !== 'POST') {
        throw new StorageError(
          'INVALID_CONFIG',
          `method must be 'POST' or 'PUT'; got ${JSON.stringify(options.method)}.`,
        );
      }
      const nextName = attemptLimited(nameCandidates(key));
      const first = this.replaceExisting ? key : nextName();
      return declared(this.driver, 'createUploadUrl')(first, checked, {
        overwrite: this.replaceExisting,
        nextName,
      });
    });
  }

  /**
   * Whether a direct upload to `name` has arrived: its stat; NOT_FOUND while only its
   * reservation is there (the upload has not finished, or never will).
   */
  confirmUpload(name: string): Promise<FileStat> {
    return this.#run('confirmUpload', name, async () => {
      try {
        return await this.driver.stat(normalizeName(name));
      } catch (error) {
        if (!isStorageError(error, 'NOT_FOUND')) throw error;
        throw new StorageError(
          'NOT_FOUND',
          `Nothing has arrived under ${JSON.stringify(name)} yet: the upload has not finished, or failed (its URL expires at the time createUploadUrl gave).`,
          { name, cause: error },
        );
      }
    });
  }

  /**
   * A presigned multipart upload for the page (stowage/browser): reserves the name (an
   * available alternative when it is taken) and gives one URL per part, each bound to
   * its upload, number and length. The application completes it with
   * `completeMultipartUpload`. Always under a fresh reservation, even with `replaceExisting`.
   */
  createMultipartUpload(name: string, options: MultipartUploadRequest): Promise<MultipartUpload> {
    return this.#run('createMultipartUpload', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'createMultipartUpload');
      checkExpiry(options.expiresIn);
      checkBytes('size', options.size);
      const maxSize = options.maxSize ?? options.size;
      checkBytes('maxSize', maxSize);
      if (options.size > maxSize) {
        throw new StorageError(
          'INVALID_CONFIG',
          `The file (${options.size} bytes) is larger than maxSize (${maxSize}).`,
        );
      }
      const contentType = options.contentType ?? guessContentType(key);
      if (!PRINTABLE_ASCII.test(contentType)) {
        throw new StorageError('INVALID_CONFIG', 'contentType must be printable ASCII (it is sent as an HTTP header).');
      }
      const nextName = attemptLimited(nameCandidates(key, options.maxLength));
      return declared(this.driver, 'createMultipartUpload')(nextName(), {
        nextName,
        size: options.size,
        partSize: options.partSize,
        contentType,
        maxSize,
        expiresIn: options.expiresIn,
      });
    });
  }

  /**
   * Completes a presigned multipart upload (on the application server, never from the
   * page): checks the uploaded parts against what was signed (a mismatch aborts the
   * upload: PRECONDITION_FAILED), completes over the name's reservation, and resolves
   * with the stored file's stat.
   */
  completeMultipartUpload(name: string, uploadId: string): Promise<FileStat> {
    return this.#run('completeMultipartUpload', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'completeMultipartUpload');
      return declared(this.driver, 'completeMultipartUpload')(key, checkUploadId(uploadId));
    });
  }

  /** The parts uploaded so far (to resume after a page reload); NOT_FOUND when the upload is gone. */
  listUploadedParts(name: string, uploadId: string): Promise<UploadedPart[]> {
    return this.#run('listUploadedParts', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'listUploadedParts');
      return declared(this.driver, 'listUploadedParts')(key, checkUploadId(uploadId));
    });
  }

  /** Aborts a presigned multipart upload and removes its reservation; resolves when it was already gone. */
  abortMultipartUpload(name: string, uploadId: string): Promise<void> {
    return this.#run('abortMultipartUpload', name, async () => {
      const key = normalizeName(name);
      this.#require('uploadUrl', 'abortMultipartUpload');
      return declared(this.driver, 'abortMultipartUpload')(key, checkUploadId(uploadId));
    });
  }

  /** The immediate children of a directory path ('' is the root), each list sorted. */
  listdir(path = ''): Promise<ListdirResult> {
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
  getAvailableName(name: string, maxLength?: number): Promise<string> {
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
   * Removes what killed writes left behind (reservations and incomplete multipart
   * uploads on MinIO and S3) older than `olderThan` milliseconds (default 24 h), under
   * this storage's bucket and prefix; never an upload still being written. Resolves
   * with what was removed. UNSUPPORTED on drivers that leave nothing (memory, fs).
   */
  cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    return this.#run('cleanup', undefined, async () => {
      const { olderThan } = options;
      if (olderThan !== undefined && (!Number.isFinite(olderThan) || olderThan < 0)) {
        throw new StorageError(
          'INVALID_CONFIG',
          `olderThan must be a number of milliseconds, 0 or more (got ${olderThan}).`,
        );
      }
      if (!this.driver.cleanup) {
        throw new StorageError('UNSUPPORTED', `The ${this.driver.name} driver leaves nothing to clean up.`);
      }
      return this.driver.cleanup(options);
    });
  }

  /**
   * Copies `from` to `to`, inside the backend where the driver can (capabilities.serverSideCopy),
   * else through this process (UNSUPPORTED with `serverSide: true`); resolves with the name stored.
   */
  copy(from: string, to: string, options: TransferOptions = {}): Promise<string> {
    return this.#run('copy', from, async () => {
      const [source, target] = [normalizeName(from), normalizeName(to)];
      const serverSide = this.#serverSide(options, 'copy with serverSide');
      if (source === target && this.replaceExisting) return (await this.driver.stat(source)).name;
      if (serverSide) return declared(this.driver, 'copy')(source, target, this.#transferOptions(target));
      return this.#copyThrough(source, target);
    });
  }

  /** Moves `from` to `to` (as `copy`, then the source is gone); resolves with the name stored. */
  move(from: string, to: string, options: TransferOptions = {}): Promise<string> {
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
  isAvailable(options: HealthOptions = {}): Promise<HealthStatus> {
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
  initializeBuckets(): Promise<InitializeReport> {
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
    checkHeaderValue('contentType', options.contentType);
    checkHeaderValue('cacheControl', options.cacheControl);
    checkHeaderValue('contentDisposition', options.contentDisposition);
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

  /**
   * Runs `body`, giving a failure the operation and name. Not async itself, and the
   * methods that return it are not either: an async function that returns a promise
   * settles two microtask turns after it (measured on a 4 KiB open+read).
   */
  #run<T>(operation: Operation, name: string | undefined, body: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = body();
    } catch (error) {
      return Promise.reject(withContext(error, operation, name));
    }
    return result.catch((error: unknown) => {
      throw withContext(error, operation, name);
    });
  }
}

/** Refuses an option sent as an HTTP header unless it is printable ASCII. */
function checkHeaderValue(option: string, value: string | undefined): void {
  if (value !== undefined && !PRINTABLE_ASCII.test(value)) {
    throw new StorageError('INVALID_CONFIG', `${option} must be printable ASCII (it is sent as an HTTP header).`);
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

function checkBytes(option: string, value: number): void {
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new StorageError('INVALID_CONFIG', `${option} must be a non-negative integer of bytes; got ${value}.`);
  }
}

function checkUploadId(uploadId: string): string {
  if (typeof uploadId !== 'string' || uploadId === '' || !PRINTABLE_ASCII.test(uploadId)) {
    throw new StorageError('INVALID_CONFIG', 'uploadId must be the id createMultipartUpload gave.');
  }
  return uploadId;
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
