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
  /** Direct browser uploads: `createUploadUrl()` and presigned multipart uploads. */
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
  uploadUrl: [
    'createUploadUrl',
    'createMultipartUpload',
    'completeMultipartUpload',
    'listUploadedParts',
    'abortMultipartUpload',
  ],
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
  /** Buckets already as configured (their bucket rules included). */
  unchanged: string[];
  /**
   * stowage's own bucket rules (CORS, lifecycle), one entry per configured rule and
   * bucket: what was done, and what the server holds once it was read back.
   */
  rules: BucketRuleReport[];
}

/** What `initializeBuckets` did with one of stowage's bucket rules on one bucket. */
export interface BucketRuleReport {
  bucket: string;
  /**
   * `cors`: the CORS rule letting the `corsOrigins` use the bucket from a browser;
   * `lifecycle`: the rule aborting multipart uploads left incomplete for some days.
   */
  kind: 'cors' | 'lifecycle';
  /**
   * `set`: written, and read back as written; `unchanged`: already there as configured;
   * `not-kept`: the server does not hold it (it lacks that configuration, refused the
   * rule, or dropped it): see `reason` and `advice`.
   */
  status: 'set' | 'unchanged' | 'not-kept';
  /** The rule as configured, in words ("abort incomplete multipart uploads after 7 days"). */
  rule: string;
  /** Why the server does not hold it (`not-kept` only). */
  reason?: string | undefined;
  /** What to do instead (`not-kept` only). */
  advice?: string | undefined;
}

/** Content handed to a driver: bytes in memory, or a stream read once (again only through `reopen`). */
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
      /**
       * The same content again from its first byte, as a new stream like `stream`, when
       * it can be read again (a Blob): a driver may send a failed upload again with it.
       * Absent for a one-shot source (a Node stream, a web stream, an iterable).
       */
      reopen?: (() => Readable) | undefined;
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
  /**
   * `POST` (default): a POST-policy form. `PUT`: one presigned PUT with Content-Type and
   * Content-Length signed, for servers without POST policies (needs `size`).
   */
  method?: 'POST' | 'PUT' | undefined;
  /** The exact body length a PUT upload is signed for. */
  size?: number | undefined;
  /** Seconds the URL stays valid. */
  expiresIn?: number | undefined;
  /** The only Content-Type the server will accept. */
  contentType?: string | undefined;
  /** The largest body, in bytes, the server will accept. */
  maxSize?: number | undefined;
}

export interface UploadUrl {
  /** The name reserved for this upload: the one asked for, or an available alternative. */
  name: string;
  method: 'POST' | 'PUT';
  url: string;
  /** Form fields to send before the file (POST policy uploads). */
  fields?: Record<string, string> | undefined;
  /** Headers the client must send (PUT uploads). */
  headers?: Record<string, string> | undefined;
  expiresAt: Date;
}

/** How a driver reserves the name of a direct upload (as `WriteOptions` does for a write). */
export interface ReserveOptions {
  /** `true`: no reservation, the upload replaces what the name holds (`replaceExisting`). */
  overwrite: boolean;
  /** The next candidate when the name is taken; throws when the facade gives up. */
  nextName: () => string;
}

/** Options of `Driver.createMultipartUpload` (checked by the facade). */
export interface MultipartUploadOptions {
  /** The next candidate name while names are taken (the first call gives the name asked for). */
  nextName: () => string;
  /** The file's exact size in bytes. */
  size: number;
  /** Bytes per part (every part but the last), 5 MiB to 5 GiB; the driver's default when omitted. */
  partSize?: number | undefined;
  contentType: string;
  /** The largest total the completion accepts. */
  maxSize: number;
  /** Seconds the part URLs stay valid. */
  expiresIn?: number | undefined;
}

/** One presigned part URL, bound to its upload, part number and length. */
export interface PartUrl {
  partNumber: number;
  url: string;
  /** Headers the page must send as they are (none today: the browser sets Content-Length itself). */
  headers?: Record<string, string> | undefined;
}

/** A presigned multipart upload for the page (stowage/browser `upload`). */
export interface MultipartUpload {
  /** The name reserved for the upload: the one asked for, or an available alternative. */
  name: string;
  uploadId: string;
  /** The file size the parts were signed for. */
  size: number;
  partSize: number;
  parts: PartUrl[];
  expiresAt: Date;
}

/** A part the store holds, as `listUploadedParts` reports it. */
export interface UploadedPart {
  partNumber: number;
  size: number;
  etag: string;
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
  /** A presigned browser upload (capabilities.uploadUrl), under a name it reserves by `reserve`. */
  createUploadUrl?(name: string, options: UploadUrlOptions, reserve: ReserveOptions): Promise<UploadUrl>;
  /** Reserves a name and starts a multipart upload with presigned part URLs (capabilities.uploadUrl). */
  createMultipartUpload?(name: string, options: MultipartUploadOptions): Promise<MultipartUpload>;
  /**
   * Completes a presigned multipart upload over its reservation after checking its parts
   * against what was signed (aborting it when they do not match); resolves with the stat.
   */
  completeMultipartUpload?(name: string, uploadId: string): Promise<FileStat>;
  /** The parts uploaded so far; NOT_FOUND when the upload is gone. */
  listUploadedParts?(name: string, uploadId: string): Promise<UploadedPart[]>;
  /** Aborts the upload and removes its reservation; resolves when it was already gone. */
  abortMultipartUpload?(name: string, uploadId: string): Promise<void>;
  /** Asks the backend whether it answers (capabilities.healthCheck). */
  isAvailable?(): Promise<HealthStatus>;
  /** Creates the configured buckets and sets their policies (capabilities.bucketManagement); idempotent. */
  initializeBuckets?(): Promise<InitializeReport>;
  /**
   * Removes what killed writes left (object stores: reservations and incomplete
   * multipart uploads) older than `options.olderThan`, never one still being written.
   */
  cleanup?(options: CleanupOptions): Promise<CleanupReport>;
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

/** What `cleanup` removes: leftovers older than `olderThan`. */
export interface CleanupOptions {
  /** Milliseconds; only leftovers older than this are removed (default 24 h). */
  olderThan?: number | undefined;
  /** Report what would be removed, remove nothing. */
  dryRun?: boolean | undefined;
  /** Called with the number of leftovers found so far, as the search goes. */
  onProgress?: ((found: number) => void) | undefined;
}

/** What `cleanup` removed (or, with dryRun, would remove), sorted by name. */
export interface CleanupReport {
  /** Incomplete multipart uploads aborted, with when they last received a part. */
  uploads: { name: string; uploadId: string; lastActivity: string }[];
  /** Reservations (empty objects with the pending marker) deleted. */
  reservations: { name: string; lastModified: string }[];
  /** Leftover-looking things left alone, and why. */
  kept: { name: string; kind: 'upload' | 'reservation'; reason: string }[];
  dryRun: boolean;
  /** The threshold used, in milliseconds. */
  olderThan: number;
}
