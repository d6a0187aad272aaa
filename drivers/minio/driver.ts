/**
 * The MinIO driver: django-minio-backend's MinioBackend on the minio SDK (v8). Traffic
 * goes to the internal endpoint; every URL is built or signed, offline, for the
 * external one. Writes never overwrite by accident (upload.ts), listings and reads skip
 * names reserved by uploads in progress, and a missing bucket is a configuration error,
 * not a missing object.
 */
import type { Agent } from 'node:http';
import { inspect } from 'node:util';
import type { Client } from 'minio';
import type { InitializeReport } from '../../src/buckets.js';
import { initializeBuckets } from '../../src/buckets.js';
import type {
  Capabilities,
  Driver,
  FileStat,
  HealthStatus,
  ListEntry,
  ListOptions,
  ReadOptions,
  ReadResult,
  UploadUrl,
  UploadUrlOptions,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from '../../src/driver.js';
import type { StorageError } from '../../src/errors.js';
import { retrying } from '../../src/retry.js';
import { ensureBucket, initializeOnce, MinioBucketAdmin } from './buckets.js';
import { createClients } from './client.js';
import { type MinioConfig, resolveConfig } from './config.js';
import { type MinioErrorContext, mapMinioError } from './errors.js';
import { checkHealth } from './health.js';
import { listObjects } from './list.js';
import { getObject, headObject, type MinioContext } from './objects.js';
import type { MinioOptions } from './options.js';
import { copyObject, writeObject } from './upload.js';
import { objectUrl, type UrlContext, uploadUrl } from './urls.js';

/** Everything but `publicUrl`, which holds only for a public bucket (as in the S3 driver). */
const CAPABILITIES: Omit<Capabilities, 'publicUrl'> = {
  presign: true,
  conditionalCreate: true,
  rangeRead: true,
  serverSideCopy: true,
  uploadUrl: true,
  metadata: true,
  bucketManagement: true,
  healthCheck: true,
  hierarchical: false,
};

/** Buckets already warned about as neither public nor private, so the warning shows once. */
const warnedUnlisted = new Set<string>();

export class MinioDriver implements Driver {
  readonly name = 'minio';
  readonly capabilities: Capabilities;
  /** The bucket this driver reads and writes. */
  readonly bucket: string;
  readonly #config: MinioConfig;
  readonly #context: UrlContext & MinioContext;
  readonly #admin: MinioBucketAdmin;
  readonly #agent: Agent | undefined;
  readonly #secrets: readonly string[];
  #bucketChecked: Promise<void> | undefined;

  /** Checks the options (INVALID_CONFIG for anything wrong or unknown); makes no request. */
  constructor(options: MinioOptions) {
    const config = resolveConfig(options);
    const { client, signer } = createClients(options, config);
    this.#config = config;
    this.bucket = config.bucket;
    this.capabilities = { ...CAPABILITIES, publicUrl: config.plan.isPublic(config.bucket) };
    this.#agent = options.httpAgent;
    this.#secrets = options.secretKey ? [options.secretKey] : [];
    this.#context = {
      client,
      signer,
      bucket: config.bucket,
      partSize: config.partSize,
      retry: config.retry,
      requestTimeoutMs: config.requestTimeoutMs,
      external: config.external,
      isPublic: config.plan.isPublic(config.bucket),
      urlExpirySeconds: config.urlExpirySeconds,
      key: (name) => config.keyPrefix + name,
      errorContext: (name) => this.#errorContext(config.bucket, name),
    };
    this.#admin = new MinioBucketAdmin(client, config.region, config.retry, (bucket) => this.#errorContext(bucket));
    if (config.plan.unlisted.includes(config.bucket) && !warnedUnlisted.has(config.bucket)) {
      warnedUnlisted.add(config.bucket);
      process.emitWarning(
        `Bucket ${config.bucket} is in neither publicBuckets nor privateBuckets (MINIO_PUBLIC_BUCKETS, MINIO_PRIVATE_BUCKETS); it is treated as private.`,
        { code: 'STOWAGE_UNLISTED_BUCKET' },
      );
    }
  }

  /**
   * The minio-js client this driver sends requests with, for what stowage does not do
   * itself. (A getter, so that it stays out of the driver's own properties.)
   */
  get client(): Client {
    return this.#context.client;
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    await this.#ready(true);
    return writeObject(this.#context, name, body, options);
  }

  async read(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    await this.#ready();
    return getObject(this.#context, name, options.range);
  }

  async stat(name: string): Promise<FileStat> {
    await this.#ready();
    return headObject(this.#context, name);
  }

  async delete(name: string): Promise<void> {
    await this.#ready();
    try {
      // DeleteObject answers 204 whether or not the object existed, so it may be repeated.
      await retrying(
        this.#config.retry,
        () => this.#context.client.removeObject(this.bucket, this.#context.key(name)),
        (error) => mapMinioError(error, this.#errorContext(this.bucket, name)),
      );
    } catch (error) {
      if ((error as StorageError).code !== 'NOT_FOUND') throw error;
    }
  }

  async *list(prefix: string, options: ListOptions): AsyncGenerator<ListEntry> {
    await this.#ready();
    yield* listObjects(this.#context, this.#config.keyPrefix, prefix, options.recursive);
  }

  async copy(from: string, to: string, options: WriteOptions): Promise<string> {
    await this.#ready(true);
    return copyObject(this.#context, from, to, options);
  }

  /** Server-side copy, then delete; the source stays when the copy fails. */
  async move(from: string, to: string, options: WriteOptions): Promise<string> {
    const stored = await this.copy(from, to, options);
    if (stored !== from) await this.delete(from);
    return stored;
  }

  /** A plain URL on a public bucket, else a presigned GET; both for the external endpoint, offline. */
  async url(name: string, options: UrlOptions): Promise<string> {
    return objectUrl(this.#context, name, options);
  }

  async createUploadUrl(name: string, options: UploadUrlOptions): Promise<UploadUrl> {
    return uploadUrl(this.#context, name, options);
  }

  /** MinIO's liveness probe with a short timeout; never rejects. */
  async isAvailable(): Promise<HealthStatus> {
    return checkHealth(this.#config.endpoint, this.#agent);
  }

  /** Creates the configured buckets and sets their policies; idempotent, and reports what changed. */
  async initializeBuckets(): Promise<InitializeReport> {
    return initializeBuckets(this.#admin, this.#config.plan);
  }

  async close(): Promise<void> {
    // The agent (Node's global one, or the caller's) is not ours to destroy.
  }

  toJSON(): Record<string, unknown> {
    const { endpoint, external, region, bucket, keyPrefix } = this.#config;
    return {
      driver: this.name,
      endpoint: `${endpoint.host}:${endpoint.port}`,
      useHttps: endpoint.useSSL,
      externalEndpoint: `${external.origin}${external.pathPrefix}`,
      region,
      bucket,
      location: keyPrefix === '' ? undefined : keyPrefix.slice(0, -1),
      public: this.#context.isPublic,
    };
  }

  [inspect.custom](): string {
    return `MinioDriver ${inspect(this.toJSON())}`;
  }

  /**
   * What runs before an operation: the consistency check (once per process), and
   * before writes the bucket check (once per driver, retried after a failure).
   */
  async #ready(writing = false): Promise<void> {
    const { consistencyCheckOnStart, bucketCheckOnSave, endpoint, plan } = this.#config;
    if (consistencyCheckOnStart) await initializeOnce(`${endpoint.host}:${endpoint.port}`, this.#admin, plan);
    if (writing && bucketCheckOnSave) {
      this.#bucketChecked ??= ensureBucket(this.#admin, plan, this.bucket).catch((error: unknown) => {
        this.#bucketChecked = undefined;
        throw error;
      });
      await this.#bucketChecked;
    }
  }

  #errorContext(bucket: string, name?: string): MinioErrorContext {
    const { host, port } = this.#config.endpoint;
    return { name, bucket, endpoint: `${host}:${port}`, secrets: this.#secrets };
  }
}
