/**
 * The driver contract: the small set of I/O operations a backend implements, the
 * capabilities it declares, and what its package entry hands the registry. The
 * `Storage` facade does everything else (names, collisions, content types, capability
 * checks, error context). Drivers receive only names that passed `normalizeName`.
 *
 * This module imports no driver and no SDK; drivers, the registry and the facade
 * import it.
 */
import type { Readable } from 'node:stream';
import type { EnvReader } from './env.js';
import type { OptionSet } from './options.js';
import type { Storage } from './storage.js';

/**
 * What a driver can do: the one source of truth. The facade dispatches on these flags
 * alone (never on whether a method exists) and refuses what is missing with
 * UNSUPPORTED naming the driver and the operation; `CAPABILITY_METHODS` says which
 * methods a declared capability requires.
 */
export interface Capabilities {
  /** `url()` returns a plain URL (public bucket, or a configured base URL). */
  publicUrl: boolean;
  /** `url()` can sign expiring URLs (`expiresIn`, `download`). */
  presign: boolean;
  /** Creates objects atomically "only if absent"; false means exists-then-write. */
  conditionalCreate: boolean;
  /** Reads byte ranges without reading the whole object. */
  rangeRead: boolean;
  /** Copies without moving the bytes through this process. */
  serverSideCopy: boolean;
  /** `createUploadUrl()` for direct browser uploads. */
  uploadUrl: boolean;
  /** Stores contentType, cacheControl, contentDisposition and user metadata. */
  metadata: boolean;
  /** Creates buckets and sets their policies (`initializeBuckets`). */
  bucketManagement: boolean;
  /** `isAvailable()` asks a server rather than answering locally. */
  healthCheck: boolean;
  /**
   * Names are paths in a tree of directories (fs, memory): a name cannot be a file and
   * a directory at once, so after `save('a')` a save of `a/b` is ALREADY_EXISTS, and a
   * save of `a` over the directory of `a/b` takes another name. false: keys are flat
   * (object stores), and `a` and `a/b` are two independent objects.
   */
  hierarchical: boolean;
}

/** Every capability, in the order the docs list them. */
export const CAPABILITY_NAMES = [
  'publicUrl',
  'presign',
  'uploadUrl',
  'conditionalCreate',
  'rangeRead',
  'serverSideCopy',
  'metadata',
  'bucketManagement',
  'healthCheck',
  'hierarchical',
] as const satisfies readonly (keyof Capabilities)[];

/** The optional driver methods each capability needs; a driver declaring it must have them all. */
export const CAPABILITY_METHODS = {
  publicUrl: ['url'],
  presign: ['url'],
  uploadUrl: ['createUploadUrl'],
  serverSideCopy: ['copy', 'move'],
  bucketManagement: ['initializeBuckets'],
  healthCheck: ['isAvailable'],
} as const satisfies Partial<Record<keyof Capabilities, readonly (keyof Driver)[]>>;

/** What `initializeBuckets` changed. */
export interface InitializeReport {
  /** Buckets that did not exist and were created. */
  created: string[];
  /** Buckets whose policy was set (made public, or a hook applied). */
  policySet: string[];
  /** Buckets whose anonymous policy was removed because they are configured private. */
  policyRemoved: string[];
  /** Buckets already as configured. */
  unchanged: string[];
}

/** Content handed to a driver: bytes in memory, or a stream read exactly once. */
export type WriteBody =
  | { kind: 'bytes'; data: Uint8Array }
  | {
      kind: 'stream';
      /**
       * A Node stream of Buffer chunks. When the user's source fails, this stream
       * errors with a StorageError (code UNEXPECTED); error mappers pass it through.
       */
      stream: Readable;
      /** The byte count when the caller knows it (Blob, Content-Length). */
      size?: number | undefined;
    };

/** Options of `Driver.write`. */
export interface WriteOptions {
  /**
   * `false`: create only if absent. When the name is taken the driver asks
   * `nextName()` for another and tries again, and resolves with the name it stored;
   * `nextName` throws when the facade gives up. `true`: overwrite in place.
   */
  overwrite: boolean;
  nextName: () => string;
  contentType: string;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/** What `stat` reports of one object. */
export interface FileStat {
  name: string;
  size: number;
  lastModified: Date;
  contentType?: string | undefined;
  /** An opaque version tag: the S3 ETag, or size and mtime on file systems. */
  etag?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata: Record<string, string>;
}

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  /** The last byte to read (inclusive); reads to the end when omitted. */
  end?: number | undefined;
}

export interface ReadOptions {
  range?: ByteRange | undefined;
}

export interface ReadResult {
  stat: FileStat;
  /** The object's bytes (or the range's), as a Node stream of Buffers. */
  body: Readable;
}

export interface ListOptions {
  /** Descend into "subdirectories"; false lists one level using a delimiter. */
  recursive: boolean;
}

/** One listing entry: an object, or (non-recursive listings only) a common prefix. */
export type ListEntry = ({ type: 'file' } & FileStat) | { type: 'directory'; name: string };

export interface UrlOptions {
  /** Seconds the URL stays valid (signed URLs). */
  expiresIn?: number | undefined;
  /** Ask the server to send `Content-Disposition: attachment`, with this file name if a string. */
  download?: boolean | string | undefined;
}

export interface UploadUrlOptions {
  /** Seconds the URL stays valid. */
  expiresIn?: number | undefined;
  /** The only Content-Type the server will accept. */
  contentType?: string | undefined;
  /** The largest body, in bytes, the server will accept. */
  maxSize?: number | undefined;
}

export interface UploadUrl {
  method: 'POST' | 'PUT';
  url: string;
  /** Form fields to send before the file (POST policy uploads). */
  fields?: Record<string, string> | undefined;
  /** Headers the client must send (PUT uploads). */
  headers?: Record<string, string> | undefined;
  expiresAt: Date;
}

export interface HealthStatus {
  available: boolean;
  /** The HTTP status the server answered with, when it answered. */
  status?: number | undefined;
  latencyMs: number;
  details: string;
}

/**
 * A storage backend. Every method rejects with a StorageError (mapped in the driver's
 * errors.ts), never with an SDK or file-system error.
 */
export interface Driver {
  /** Short driver name used in messages: "memory", "fs", "minio", "s3". */
  readonly name: string;
  readonly capabilities: Capabilities;

  /** Stores `body` under `name` (see `WriteOptions.overwrite`); resolves with the name stored. A failed write leaves nothing under any name. */
  write(name: string, body: WriteBody, options: WriteOptions): Promise<string>;
  /** Opens an object for reading; rejects with NOT_FOUND when absent. */
  read(name: string, options?: ReadOptions): Promise<ReadResult>;
  /** Describes an object; rejects with NOT_FOUND when absent or when `name` is only a prefix. */
  stat(name: string): Promise<FileStat>;
  /** Deletes an object; resolves when it was already gone. */
  delete(name: string): Promise<void>;
  /** Lists objects whose names start with `prefix` ('' or ending in '/'), in UTF-8 byte order. */
  list(prefix: string, options: ListOptions): AsyncIterable<ListEntry>;

  // The methods below are called only when the capability named on each is declared.

  /** Copies within the backend (capabilities.serverSideCopy); `options` as in write. Rejects with NOT_FOUND when `from` is absent. */
  copy?(from: string, to: string, options: WriteOptions): Promise<string>;
  /** Renames within the backend (capabilities.serverSideCopy); `options` as in write. Rejects with NOT_FOUND when `from` is absent. */
  move?(from: string, to: string, options: WriteOptions): Promise<string>;
  /** A URL for the object (capabilities.publicUrl / presign). */
  url?(name: string, options: UrlOptions): Promise<string>;
  /** A presigned browser upload (capabilities.uploadUrl). */
  createUploadUrl?(name: string, options: UploadUrlOptions): Promise<UploadUrl>;
  /** Asks the backend whether it answers (capabilities.healthCheck). */
  isAvailable?(): Promise<HealthStatus>;
  /** Creates the configured buckets and sets their policies (capabilities.bucketManagement); idempotent. */
  initializeBuckets?(): Promise<InitializeReport>;
  /** Releases sockets, servers and timers. */
  close?(): Promise<void>;
}

/** The storages an application configures, like Django's STORAGES aliases. */
export type StorageAlias = 'default' | 'static';

/** What each driver's package entry exports for the registry (`memoryEntry`, `fileSystemEntry`, ...). */
export interface DriverEntry<Options extends object = object> {
  /** The driver's option declarations (`defineOptions`): keys, variables, defaults, docs rows. */
  readonly options?: OptionSet | undefined;
  /** Builds a Storage from options; throws INVALID_CONFIG for bad or unknown options. */
  create(options: Options): Storage;
  /** Reads and validates the driver's environment variables for one storage alias. */
  optionsFromEnv(env: EnvReader, alias: StorageAlias): Options;
}
