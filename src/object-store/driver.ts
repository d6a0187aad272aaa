/**
 * The object-store core: the `Driver` of every S3-compatible store, written once over a
 * small per-SDK transport (transport.ts). It owns reads (resumed after a fault), stat,
 * listings (names reserved by uploads in progress left out), deletes, writes and copies
 * (write.ts), URLs, the bucket plan (src/buckets.ts), and the one retry and timeout
 * policy (requests.ts). A driver (drivers/minio, drivers/s3) resolves its options into
 * `ObjectStoreSettings`, builds its transport, and adds only what is its own.
 */
import { Readable } from 'node:stream';
import {
  type BucketAdmin,
  type BucketPlan,
  type BucketRules,
  type CorsRule,
  ensureBucket,
  type InitializeReport,
  initializeBuckets,
  initializeOnce,
  type LifecycleRule,
  type RuleKind,
  type StoredRules,
} from '../buckets.js';
import type {
  Capabilities,
  CleanupOptions,
  CleanupReport,
  Driver,
  FileStat,
  HealthStatus,
  ListEntry,
  ListOptions,
  MultipartUpload,
  MultipartUploadOptions,
  ReadOptions,
  ReadResult,
  ReserveOptions,
  UploadedPart,
  UploadUrl,
  UploadUrlOptions,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from '../driver.js';
import { StorageError } from '../errors.js';
import {
  attachmentDisposition,
  type ExternalEndpoint,
  isPending,
  MAX_PART_SIZE,
  publicObjectUrl,
  resumableBody,
  userMetadata,
  withPathPrefix,
} from '../object-store.js';
import type { RetryPolicy } from '../retry.js';
import { compareNames, encodeName } from '../utf8.js';
import { cleanup } from './cleanup.js';
import { conditionalProbe } from './conditional.js';
import {
  abortMultipart,
  completeMultipart,
  createMultipart,
  type DirectUploadTarget,
  listUploaded,
  reserveUploadName,
} from './direct-upload.js';
import { Requests } from './requests.js';
import type { ListedObject, ObjectHead, ObjectTransport } from './transport.js';
import { copyObject, type WriteTarget, writeObject } from './write.js';

/** What a driver's options resolve to: everything the core decides with. */
export interface ObjectStoreSettings {
  /** The bucket this driver reads and writes. */
  bucket: string;
  /** '' or `prefix/`: what this storage's keys start with. */
  keyPrefix: string;
  plan: BucketPlan;
  retry: RetryPolicy;
  /** Idle milliseconds before a request's answer, and while a reader waits for body bytes; 0: none. */
  requestTimeoutMs: number;
  /** Milliseconds the health check waits for its one probe. */
  healthTimeoutMs: number;
  partSize: number;
  /** Parts in flight per multipart upload; one more part's buffer fills meanwhile. */
  parallelParts: number;
  /**
   * False for servers without `If-None-Match` / `If-Match`: check, then write. True:
   * trusted. Undefined: probed before the first conditional create (conditional.ts).
   */
  conditionalWrites: boolean | undefined;
  bucketCheckOnSave: boolean;
  consistencyCheckOnStart: boolean;
  replaceExisting: boolean;
  urlExpirySeconds: number;
  /** Where users reach the store: undefined on AWS (region hosts). */
  external: ExternalEndpoint | undefined;
  /** Path-style URLs (`host/bucket/key`) rather than virtual-hosted ones. */
  pathStyle: boolean;
  /** A base URL serving the public bucket's objects (a CDN), or undefined. */
  customDomain: string | undefined;
  /** Strings never to appear in a message (secret key, session token). */
  secrets: readonly string[];
}

/** S3's largest single CopyObject (5 GiB); larger objects are copied through this process. */
const MAX_COPY_BYTES = MAX_PART_SIZE;

export class ObjectStoreDriver implements Driver {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** The bucket this driver reads and writes. */
  readonly bucket: string;
  readonly #settings: ObjectStoreSettings;
  readonly #transport: ObjectTransport;
  readonly #requests: Requests;
  readonly #admin: BucketAdmin;
  readonly #target: WriteTarget;
  readonly #direct: DirectUploadTarget;
  #bucketChecked: Promise<void> | undefined;

  constructor(transport: ObjectTransport, settings: ObjectStoreSettings) {
    this.name = transport.driver;
    this.bucket = settings.bucket;
    this.#settings = settings;
    this.#transport = transport;
    this.#requests = new Requests(transport, settings.retry, settings.bucket, settings.secrets);
    this.#admin = bucketAdmin(this.#requests);
    this.#target = {
      requests: this.#requests,
      bucket: settings.bucket,
      key: (name) => this.#key(name),
      partSize: settings.partSize,
      parallelParts: settings.parallelParts,
      conditionalWrites: settings.conditionalWrites !== false,
      probe:
        settings.conditionalWrites === undefined
          ? conditionalProbe(this.#requests, settings.bucket, (name) => this.#key(name), conditionalSetting(this.name))
          : undefined,
      partChecksums: { enabled: true },
    };
    this.#direct = {
      ...this.#target,
      external: (url) => this.#external(url),
      urlExpirySeconds: settings.urlExpirySeconds,
    };
    this.capabilities = {
      publicUrl: settings.plan.isPublic(settings.bucket),
      presign: true,
      conditionalCreate: settings.conditionalWrites !== false,
      rangeRead: true,
      serverSideCopy: true,
      uploadUrl: true,
      metadata: true,
      bucketManagement: true,
      healthCheck: true,
      hierarchical: false,
    };
  }

  /** Whether a storage on this driver overwrites by default (the resolved `replaceExisting` option). */
  get replaceExisting(): boolean {
    return this.#settings.replaceExisting;
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    try {
      await this.#ready(true);
    } catch (error) {
      if (body.kind === 'stream') body.stream.destroy();
      throw error;
    }
    return await writeObject(this.#target, name, body, options);
  }

  async read(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    await this.#ready();
    const { range } = options;
    const key = this.#key(name);
    const first = await this.#requests.send(name, 'get', this.bucket, key, range, undefined);
    // S3 answers 416 when the range starts at or past the end; fs and memory give no bytes.
    if (first === undefined) return { stat: await this.stat(name), body: Readable.from([]) };
    if (isPending(first.head.metadata)) {
      first.body.destroy();
      throw this.#notFound(name);
    }
    const stat = fileStat(name, first.head);
    const body = await resumableBody(first.body, {
      policy: this.#settings.retry,
      idleTimeoutMs: this.#settings.requestTimeoutMs,
      start: range?.start ?? 0,
      end: Math.min(range?.end ?? Number.POSITIVE_INFINITY, stat.size - 1),
      reopen: async (offset) => {
        const rest = await this.#requests.send(
          name,
          'get',
          this.bucket,
          key,
          { start: offset, end: range?.end },
          stat.etag,
        );
        return rest?.body ?? Readable.from([]);
      },
      map: (error) => this.#requests.map(error, name),
    });
    return { stat, body };
  }

  async stat(name: string): Promise<FileStat> {
    await this.#ready();
    const head = await this.#requests.send(name, 'head', this.bucket, this.#key(name));
    if (head === undefined && !this.#transport.headNamesMissingBucket) await this.#confirmBucket();
    if (head === undefined || isPending(head.metadata)) throw this.#notFound(name);
    return fileStat(name, head);
  }

  async delete(name: string): Promise<void> {
    await this.#ready();
    try {
      // DeleteObject answers 204 whether or not the key existed, so it may be repeated.
      await this.#requests.send(name, 'delete', this.bucket, this.#key(name), {});
    } catch (error) {
      if ((error as StorageError).code !== 'NOT_FOUND') throw error;
    }
  }

  /** Objects (and, one level deep, "directories") under `prefix`, in UTF-8 byte order, reservations left out. */
  async *list(prefix: string, options: ListOptions): AsyncGenerator<ListEntry> {
    await this.#ready();
    const { keyPrefix } = this.#settings;
    const request = { prefix: keyPrefix + prefix, delimiter: options.recursive ? undefined : '/' };
    let token: string | undefined;
    do {
      const page = await this.#requests.send(prefix || undefined, 'list', this.bucket, { ...request, token });
      const entries: ListEntry[] = [];
      for (const object of page.objects) {
        // Keys outside the location, and "folder" markers ending in '/', are no stowage names.
        if (!object.key.startsWith(keyPrefix) || object.key.endsWith('/')) continue;
        if (await this.#reserved(object)) continue;
        entries.push({ type: 'file', ...listedStat(object.key.slice(keyPrefix.length), object) });
      }
      for (const key of page.prefixes) {
        if (key.startsWith(keyPrefix)) entries.push({ type: 'directory', name: key.slice(keyPrefix.length) });
      }
      // S3 sorts keys and prefixes together; a page lists each kind in its own run.
      yield* entries.sort((a, b) => compareNames(a.name, b.name));
      token = page.next;
    } while (token !== undefined);
  }

  async copy(from: string, to: string, options: WriteOptions): Promise<string> {
    const source = await this.stat(from);
    if (source.size > MAX_COPY_BYTES) return this.#copyThrough(from, source, to, options);
    await this.#ready(true);
    return copyObject(this.#target, from, source, to, options);
  }

  /** Server-side copy, then delete; the source stays when the copy fails. */
  async move(from: string, to: string, options: WriteOptions): Promise<string> {
    const stored = await this.copy(from, to, options);
    if (stored !== from) await this.delete(from);
    return stored;
  }

  /** A plain URL on a public bucket (unless signing options are given), else a presigned GET; offline. */
  async url(name: string, options: UrlOptions): Promise<string> {
    const key = this.#key(name);
    const download = options.download === false ? undefined : options.download;
    if (this.capabilities.publicUrl && options.expiresIn === undefined && download === undefined) {
      return this.#publicUrl(key);
    }
    const disposition = download === undefined ? undefined : attachmentDisposition(download);
    const expiresIn = options.expiresIn ?? this.#settings.urlExpirySeconds;
    const url = await this.#requests.send(name, 'presignGet', this.bucket, key, expiresIn, disposition);
    return this.#external(url);
  }

  /**
   * A browser upload through a POST policy: the server itself refuses another
   * Content-Type or a larger body. The upload replaces an object of the same name.
   */
  async createUploadUrl(name: string, options: UploadUrlOptions, reserve: ReserveOptions): Promise<UploadUrl> {
    // Signing is offline, but the upload is a write: the bucket must be there first.
    await this.#ready(true);
    if (options.method === 'PUT') return this.#createPutUrl(name, options, reserve);
    const reserved = await reserveUploadName(this.#target, name, reserve);
    const expiresIn = options.expiresIn ?? this.#settings.urlExpirySeconds;
    const expiresAt = new Date(Date.now() + expiresIn * 1000);
    const { contentType, maxSize } = options;
    const policy = { expiresAt, expiresIn, contentType, maxSize };
    const post = await this.#requests.send(reserved, 'presignPost', this.bucket, this.#key(reserved), policy);
    return { name: reserved, method: 'POST', url: this.#external(post.url), fields: post.fields, expiresAt };
  }

  /** A presigned PUT bound to its Content-Type and length; UNSUPPORTED where the SDK cannot sign those. */
  async #createPutUrl(name: string, options: UploadUrlOptions, reserve: ReserveOptions): Promise<UploadUrl> {
    const presignPut = this.#transport.presignPut?.bind(this.#transport);
    if (!presignPut) {
      throw new StorageError(
        'UNSUPPORTED',
        `The ${this.name} driver cannot sign a PUT upload with its Content-Type and Content-Length (its SDK leaves both out of signatures); use the POST form (method 'POST'), which the server enforces.`,
        { name },
      );
    }
    const reserved = await reserveUploadName(this.#target, name, reserve);
    const expiresIn = options.expiresIn ?? this.#settings.urlExpirySeconds;
    const contentType = options.contentType ?? 'application/octet-stream';
    const put = { contentType, length: options.size ?? 0, expiresIn };
    const url = await presignPut(this.bucket, this.#key(reserved), put).catch((error: unknown) => {
      throw this.#requests.map(error, reserved);
    });
    return {
      name: reserved,
      method: 'PUT',
      url: this.#external(url),
      headers: { 'Content-Type': contentType },
      expiresAt: new Date(Date.now() + expiresIn * 1000),
    };
  }

  /** Reserves a name and presigns a multipart upload for the page (direct-upload.ts). */
  async createMultipartUpload(name: string, options: MultipartUploadOptions): Promise<MultipartUpload> {
    await this.#ready(true);
    return createMultipart(this.#direct, name, options);
  }

  /** Checks the parts against what was signed, completes over the reservation, and describes the object. */
  async completeMultipartUpload(name: string, uploadId: string): Promise<FileStat> {
    await this.#ready();
    await completeMultipart(this.#direct, name, uploadId);
    return this.stat(name);
  }

  async listUploadedParts(name: string, uploadId: string): Promise<UploadedPart[]> {
    await this.#ready();
    return listUploaded(this.#target, name, uploadId);
  }

  async abortMultipartUpload(name: string, uploadId: string): Promise<void> {
    await this.#ready();
    await abortMultipart(this.#target, name, uploadId);
  }

  /** One probe of the server with `healthTimeoutMs`, never retried; never rejects. */
  async isAvailable(): Promise<HealthStatus> {
    return this.#transport.health(this.bucket, this.#settings.healthTimeoutMs);
  }

  /** Creates the configured buckets and sets their policies; idempotent, and reports what changed. */
  async initializeBuckets(): Promise<InitializeReport> {
    return initializeBuckets(this.#admin, this.#settings.plan);
  }

  /** Aborts stale multipart uploads and deletes stale reservations under the key prefix (cleanup.ts). */
  async cleanup(options: CleanupOptions): Promise<CleanupReport> {
    await this.#ready();
    return cleanup({ requests: this.#requests, bucket: this.bucket, keyPrefix: this.#settings.keyPrefix }, options);
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /**
   * What runs before an operation: the consistency check (once per process), and
   * before writes the bucket check (once per driver, retried after a failure).
   */
  async #ready(writing = false): Promise<void> {
    const { consistencyCheckOnStart, bucketCheckOnSave, plan } = this.#settings;
    if (consistencyCheckOnStart) await initializeOnce(this.#transport.endpoint, this.#admin, plan);
    if (writing && bucketCheckOnSave) {
      this.#bucketChecked ??= ensureBucket(this.#admin, plan, this.bucket).catch((error: unknown) => {
        this.#bucketChecked = undefined;
        throw error;
      });
      await this.#bucketChecked;
    }
  }

  /** Rejects with INVALID_CONFIG (NoSuchBucket) when the bucket itself is missing. */
  async #confirmBucket(): Promise<void> {
    if (await this.#admin.bucketExists(this.bucket)) return;
    throw this.#requests.fail({ code: 'NoSuchBucket', status: 404 });
  }

  #key(name: string): string {
    return this.#settings.keyPrefix + name;
  }

  /** True when a listed object is a name reserved by an upload in progress (or gone since). */
  async #reserved(object: ListedObject): Promise<boolean> {
    if (object.metadata !== undefined) return isPending(object.metadata);
    // Reservations are empty: only empty objects listed without metadata need a look.
    if (object.size !== 0) return false;
    const head = await this.#requests.send(object.key, 'head', this.bucket, object.key);
    return head === undefined || isPending(head.metadata);
  }

  /** The plain URL of an object in a public bucket. */
  async #publicUrl(key: string): Promise<string> {
    const { customDomain, external, pathStyle } = this.#settings;
    if (customDomain !== undefined) return `${customDomain}/${encodeName(key)}`;
    if (external) {
      if (pathStyle) return publicObjectUrl(external, this.bucket, key);
      const origin = new URL(external.origin);
      return `${origin.protocol}//${this.bucket}.${origin.host}${external.pathPrefix}/${encodeName(key)}`;
    }
    // AWS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
    const host = `s3.${await this.#transport.region()}.amazonaws.com`;
    return pathStyle
      ? `https://${host}/${this.bucket}/${encodeName(key)}`
      : `https://${this.bucket}.${host}/${encodeName(key)}`;
  }

  /** A URL signed for the external origin, with the external path prefix added. */
  #external(url: string): string {
    const { external } = this.#settings;
    return external ? withPathPrefix(url, external) : url;
  }

  async #copyThrough(from: string, source: FileStat, to: string, options: WriteOptions): Promise<string> {
    const { body } = await this.read(from);
    const { contentType, cacheControl, contentDisposition, metadata } = source;
    const stream = { kind: 'stream' as const, stream: body, size: source.size };
    return this.write(to, stream, {
      ...options,
      contentType: contentType ?? options.contentType,
      cacheControl,
      contentDisposition,
      metadata,
    });
  }

  #notFound(name: string): StorageError {
    return new StorageError(
      'NOT_FOUND',
      `${this.name}: no object named ${JSON.stringify(name)} in bucket ${this.bucket}.`,
      { name },
    );
  }
}

/** `BucketAdmin` over the transport: every request retried, messages naming the bucket. */
function bucketAdmin(requests: Requests): BucketAdmin {
  const on = (bucket: string) => requests.forBucket(bucket);
  return {
    bucketExists: (bucket) => on(bucket).send(undefined, 'bucketExists', bucket),
    createBucket: (bucket) => on(bucket).send(undefined, 'createBucket', bucket),
    getPolicy: (bucket) => on(bucket).send(undefined, 'getBucketPolicy', bucket),
    setPolicy: (bucket, policy) => on(bucket).send(undefined, 'putBucketPolicy', bucket, policy),
    deletePolicy: (bucket) => on(bucket).send(undefined, 'deleteBucketPolicy', bucket),
    getRules: <K extends RuleKind>(kind: K, bucket: string) => {
      const get =
        kind === 'cors'
          ? on(bucket).send(undefined, 'getBucketCors', bucket)
          : on(bucket).send(undefined, 'getBucketLifecycle', bucket);
      return get as Promise<StoredRules<BucketRules[K]> | undefined>;
    },
    putRules: async (kind, bucket, rules) => {
      const put =
        kind === 'cors'
          ? on(bucket).send(undefined, 'putBucketCors', bucket, rules as StoredRules<CorsRule>)
          : on(bucket).send(undefined, 'putBucketLifecycle', bucket, rules as StoredRules<LifecycleRule>);
      await put.catch((error: unknown) => {
        throw refusedRule(on(bucket), kind, error);
      });
    },
  };
}

/** How a message names the option that turns conditional writes off, with its variable (MINIO_…, S3_…). */
function conditionalSetting(driver: string): string {
  return `conditionalWrites: false (${driver.toUpperCase()}_CONDITIONAL_WRITES=false)`;
}

/**
 * A bucket configuration refused with 400 (MinIO answers MalformedXML/InvalidArgument to
 * a lifecycle rule that only aborts incomplete uploads, which S3 accepts) is a rule this
 * server will not keep: UNSUPPORTED, so that `initializeBuckets` reports it. Anything
 * else stays the error it is.
 */
function refusedRule(requests: Requests, kind: string, error: unknown): StorageError {
  const mapped = requests.map(error);
  const { code, status } = requests.facts(mapped.cause ?? error);
  // minio-js's errors carry the code but not the status.
  if (status !== 400 && !(code !== undefined && REFUSALS.has(code))) return mapped;
  return new StorageError(
    'UNSUPPORTED',
    `${requests.transport.driver}: the server at ${requests.transport.endpoint} refuses stowage's ${kind} rule for bucket ${requests.bucket} (${code ?? 'HTTP 400'}), though S3 accepts it.`,
    { cause: error },
  );
}

/** The 400 answers of a server refusing a configuration document it does not accept. */
const REFUSALS = new Set(['MalformedXML', 'InvalidArgument', 'InvalidRequest']);

function fileStat(name: string, head: ObjectHead): FileStat {
  const { size, lastModified, etag, contentType, cacheControl, contentDisposition, metadata } = head;
  return {
    name,
    size,
    lastModified,
    etag,
    contentType,
    cacheControl,
    contentDisposition,
    metadata: userMetadata(metadata),
  };
}

function listedStat(name: string, object: ListedObject): FileStat {
  return fileStat(name, { ...object, metadata: object.metadata ?? {} });
}
