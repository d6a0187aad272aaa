/**
 * The S3 driver: the `Driver` interface on @aws-sdk/client-s3, for AWS and the
 * S3-compatible servers (MinIO, Ceph RGW, SeaweedFS, Garage, R2, ...). Writes are in
 * upload.ts, URLs in urls.ts, bucket management in buckets.ts.
 */
import { Readable } from 'node:stream';
import { inspect } from 'node:util';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type S3Client,
  type _Object as S3Object,
} from '@aws-sdk/client-s3';
import { type BucketAdmin, type InitializeReport, initializeBuckets } from '../../src/buckets.js';
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
import { StorageError } from '../../src/errors.js';
import { isPending, MAX_PART_SIZE, resumableBody } from '../../src/object-store.js';
import { compareNames, encodeName } from '../../src/utf8.js';
import { bucketAdmin, consistencyCheckOnce, ensureBucket, statusOf } from './buckets.js';
import { presignClient, resolveSettings, retryingClient, type S3Settings, trafficClient } from './client.js';
import { isInvalidRange, isPreconditionFailure, mapS3Error, type S3ErrorContext } from './errors.js';
import type { S3Options } from './options.js';
import { release, replacedWhileWriting, reserve, type WriterContext, writeObject } from './upload.js';
import { objectUrl, uploadUrl } from './urls.js';

/** S3's largest single CopyObject (5 GiB); larger objects are copied through this process. */
const MAX_COPY_BYTES = MAX_PART_SIZE;

export class S3Driver implements Driver {
  readonly name = 's3';
  readonly capabilities: Capabilities;
  /** The bucket this driver reads and writes. */
  readonly bucket: string;
  readonly #settings: S3Settings;
  /** The SDK client as built or given. */
  readonly #raw: S3Client;
  /** The same client, retrying by stowage's policy (client.ts `retryingClient`). */
  readonly #client: S3Client;
  readonly #presigner: S3Client;
  readonly #ownsClient: boolean;
  readonly #admin: BucketAdmin;
  #bucketChecked: Promise<void> | undefined;

  constructor(options: S3Options) {
    this.#settings = resolveSettings(options);
    this.bucket = this.#settings.bucket;
    this.#raw = trafficClient(options, this.#settings);
    this.#client = retryingClient(this.#raw, this.#settings.retry, (error) => mapS3Error(error));
    this.#presigner = presignClient(options, this.#settings, this.#raw);
    this.#ownsClient = options.client === undefined;
    this.#admin = bucketAdmin(this.#client, (bucket) => this.#errorContext(undefined, bucket));
    const isPublic = this.#settings.plan.isPublic(this.bucket);
    this.capabilities = {
      publicUrl: isPublic,
      presign: true,
      conditionalCreate: this.#settings.conditionalWrites,
      rangeRead: true,
      serverSideCopy: true,
      uploadUrl: true,
      metadata: true,
      bucketManagement: true,
      healthCheck: true,
      hierarchical: false,
    };
  }

  /** The SDK client this driver sends requests with (stowage adds its retries around it). */
  get client(): S3Client {
    return this.#raw;
  }

  /**
   * The offline client URLs are signed with (endpoint: the external one), for
   * presigned requests stowage does not make itself, e.g. a presigned PutObject.
   * Add `withPathPrefix` (src/object-store.ts) when the external endpoint has a path.
   */
  get presignClient(): S3Client {
    return this.#presigner;
  }

  async write(name: string, body: WriteBody, options: WriteOptions): Promise<string> {
    await this.#ready();
    if (this.#settings.bucketCheckOnSave) await this.#checkBucketOnce();
    try {
      return await writeObject(this.#writerContext(), name, body, options);
    } catch (error) {
      body.kind === 'stream' && body.stream.destroy();
      throw mapS3Error(error, this.#errorContext(name));
    }
  }

  async read(name: string, options: ReadOptions = {}): Promise<ReadResult> {
    await this.#ready();
    const { range } = options;
    const output = await this.#get(name, range, undefined);
    // A range starting at or after the end reads as empty, as on fs and memory.
    if (output === undefined) return { stat: await this.stat(name), body: Readable.from([]) };
    const body = (output.Body as Readable | undefined) ?? Readable.from([]);
    if (isPending(output.Metadata)) {
      body.destroy();
      throw notFound(name);
    }
    const stat = statOf(name, output, totalSize(output.ContentRange) ?? output.ContentLength);
    const resumable = resumableBody(body, {
      policy: this.#settings.retry,
      idleTimeoutMs: this.#settings.requestTimeoutMs,
      start: range?.start ?? 0,
      end: Math.min(range?.end ?? Number.POSITIVE_INFINITY, stat.size - 1),
      reopen: async (offset) => {
        const rest = await this.#get(name, { start: offset, end: range?.end }, stat.etag);
        return (rest?.Body as Readable | undefined) ?? Readable.from([]);
      },
      map: (error) => mapS3Error(error, this.#errorContext(name)),
    });
    return { stat, body: resumable };
  }

  async stat(name: string): Promise<FileStat> {
    await this.#ready();
    let output: HeadObjectCommandOutput;
    try {
      output = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
    } catch (error) {
      const mapped = mapS3Error(error, this.#errorContext(name));
      // HeadObject answers 404 for a missing bucket too; exists() must not say false then.
      if (mapped.code === 'NOT_FOUND') await this.#confirmBucket();
      throw mapped;
    }
    if (isPending(output.Metadata)) throw notFound(name);
    return statOf(name, output, output.ContentLength);
  }

  async delete(name: string): Promise<void> {
    await this.#ready();
    try {
      // S3 answers 204 whether or not the key existed.
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
    } catch (error) {
      throw mapS3Error(error, this.#errorContext(name));
    }
  }

  async *list(prefix: string, options: ListOptions): AsyncGenerator<ListEntry> {
    await this.#ready();
    let token: string | undefined;
    do {
      const page = await this.#client
        .send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: options.recursive ? undefined : '/',
            ContinuationToken: token,
          }),
        )
        .catch((error: unknown) => {
          throw mapS3Error(error, this.#errorContext(prefix));
        });
      yield* this.#pageEntries(page.Contents ?? [], page.CommonPrefixes ?? []);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async copy(from: string, to: string, options: WriteOptions): Promise<string> {
    const source = await this.stat(from);
    if (source.size > MAX_COPY_BYTES) return this.#copyThrough(from, to, options);
    if (options.overwrite) {
      await this.#copyObject(from, to, undefined);
      return to;
    }
    // MinIO and moto ignore If-None-Match on CopyObject (AWS honours it), so a copy
    // claims its name like a multipart upload does: reserve, then copy over the
    // reservation only (If-Match).
    const context = this.#writerContext();
    const reservation = await reserve(context, to, options);
    try {
      await this.#copyObject(from, reservation.name, reservation.etag);
      return reservation.name;
    } catch (error) {
      // A copy whose answer was lost is retried into 412 (its reservation is gone): the
      // copy is there if the name holds the source's ETag and no reservation.
      if (isPreconditionFailure(error) && (await this.#holdsCopy(reservation.name, source))) return reservation.name;
      await release(context, reservation).catch(() => {});
      if (isPreconditionFailure(error)) throw replacedWhileWriting(reservation.name, error);
      throw mapS3Error(error, this.#errorContext(from));
    }
  }

  async move(from: string, to: string, options: WriteOptions): Promise<string> {
    const stored = await this.copy(from, to, options);
    if (stored !== from) await this.delete(from);
    return stored;
  }

  async url(name: string, options: UrlOptions): Promise<string> {
    return objectUrl(this.#presigner, this.#settings, name, options);
  }

  async createUploadUrl(name: string, options: UploadUrlOptions): Promise<UploadUrl> {
    return uploadUrl(this.#presigner, this.#settings, name, options);
  }

  /** HeadBucket with a short timeout: whether the bucket answers, and how fast. */
  async isAvailable(): Promise<HealthStatus> {
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      // The SDK client itself: a health check answers once, quickly, without retries.
      const output = await this.#raw.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(this.#settings.healthTimeoutMs),
      });
      return {
        available: true,
        status: output.$metadata.httpStatusCode,
        latencyMs: latency(),
        details: `bucket ${this.bucket} answers at ${this.#endpointName()}`,
      };
    } catch (error) {
      const mapped = mapS3Error(error, this.#errorContext(undefined, this.bucket));
      const status = statusOf(error);
      const details =
        status === 404 ? `bucket ${this.bucket} does not exist at ${this.#endpointName()}` : mapped.message;
      return { available: false, status, latencyMs: latency(), details };
    }
  }

  /** Creates buckets and sets policies as configured; see `initializeBuckets` in src/buckets.ts. */
  async initializeBuckets(): Promise<InitializeReport> {
    return initializeBuckets(this.#admin, this.#settings.plan);
  }

  async close(): Promise<void> {
    if (this.#presigner !== this.#raw) this.#presigner.destroy();
    if (this.#ownsClient) this.#raw.destroy();
  }

  toJSON(): Record<string, unknown> {
    const s = this.#settings;
    return {
      driver: this.name,
      bucket: this.bucket,
      endpoint: s.endpoint ?? 'aws',
      externalEndpoint: s.external && `${s.external.origin}${s.external.pathPrefix}`,
      public: s.plan.isPublic(this.bucket),
      forcePathStyle: s.forcePathStyle,
      conditionalWrites: s.conditionalWrites,
      checksums: s.checksums,
    };
  }

  [inspect.custom](): string {
    return `S3Driver ${inspect(this.toJSON())}`;
  }

  /** The consistency check on start, once per process (when configured). */
  async #ready(): Promise<void> {
    if (!this.#settings.consistencyCheckOnStart) return;
    const key = JSON.stringify([this.#endpointName(), this.#settings.plan.buckets]);
    await consistencyCheckOnce(key, this.#admin, this.#settings.plan);
  }

  /** Bucket check on save: creates a missing bucket once, remembering success only. */
  async #checkBucketOnce(): Promise<void> {
    this.#bucketChecked ??= ensureBucket(this.#admin, this.bucket).catch((error: unknown) => {
      this.#bucketChecked = undefined;
      throw error;
    });
    await this.#bucketChecked;
  }

  /** Rejects with INVALID_CONFIG when the bucket itself is missing. */
  async #confirmBucket(): Promise<void> {
    if (!(await this.#admin.bucketExists(this.bucket))) {
      throw mapS3Error(
        { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } },
        this.#errorContext(undefined, this.bucket),
      );
    }
  }

  /** One page's objects and common prefixes, merged in S3's (UTF-8 byte) order, pending uploads left out. */
  async *#pageEntries(contents: S3Object[], prefixes: { Prefix?: string | undefined }[]): AsyncGenerator<ListEntry> {
    const entries: ListEntry[] = [];
    for (const object of contents) {
      const key = object.Key;
      // Keys ending in "/" are console "folder" markers, not files.
      if (key === undefined || key.endsWith('/')) continue;
      // Reservations are empty: only empty objects need a look at their metadata.
      if ((object.Size ?? 0) === 0 && (await this.#isPendingKey(key))) continue;
      entries.push({
        type: 'file',
        name: key,
        size: object.Size ?? 0,
        lastModified: object.LastModified ?? new Date(0),
        etag: object.ETag,
        metadata: {},
      });
    }
    for (const { Prefix } of prefixes) if (Prefix) entries.push({ type: 'directory', name: Prefix });
    yield* entries.sort((a, b) => compareNames(a.name, b.name));
  }

  async #isPendingKey(key: string): Promise<boolean> {
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return isPending(head.Metadata);
    } catch (error) {
      const mapped = mapS3Error(error, this.#errorContext(key));
      if (mapped.code === 'NOT_FOUND') return true; // deleted since the listing: leave it out
      throw mapped;
    }
  }

  /** Whether `name` is a finished copy of `source` (same size and ETag, not a reservation). */
  async #holdsCopy(name: string, source: FileStat): Promise<boolean> {
    try {
      const copied = await this.stat(name);
      return source.etag !== undefined && copied.etag === source.etag && copied.size === source.size;
    } catch {
      return false;
    }
  }

  /** A GetObject (of a range, of the version `ifMatch`), retried; undefined when the range starts past the end. */
  async #get(
    name: string,
    range: ReadOptions['range'],
    ifMatch: string | undefined,
  ): Promise<GetObjectCommandOutput | undefined> {
    try {
      return await this.#client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: name,
          Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
          IfMatch: ifMatch,
        }),
      );
    } catch (error) {
      if (range && isInvalidRange(error)) return undefined;
      throw mapS3Error(error, this.#errorContext(name));
    }
  }

  async #copyObject(from: string, to: string, ifMatch: string | undefined): Promise<void> {
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: to,
        CopySource: `${this.bucket}/${encodeName(from)}`,
        MetadataDirective: 'COPY',
        IfMatch: this.#settings.conditionalWrites ? ifMatch : undefined,
      }),
    );
  }

  async #copyThrough(from: string, to: string, options: WriteOptions): Promise<string> {
    const { stat, body } = await this.read(from);
    return this.write(
      to,
      { kind: 'stream', stream: body, size: stat.size },
      {
        ...options,
        contentType: stat.contentType ?? options.contentType,
        cacheControl: stat.cacheControl,
        contentDisposition: stat.contentDisposition,
        metadata: stat.metadata,
      },
    );
  }

  #writerContext(): WriterContext {
    const { partSize, queueSize, conditionalWrites, retry } = this.#settings;
    return {
      client: this.#client,
      raw: this.#raw,
      retry,
      bucket: this.bucket,
      partSize,
      queueSize,
      conditionalWrites,
      expectContinue: !this.#ownsClient,
      errorContext: (key?: string) => this.#errorContext(key),
    };
  }

  #endpointName(): string {
    return this.#settings.endpoint ?? 'AWS S3';
  }

  #errorContext(name?: string, bucket?: string): S3ErrorContext {
    return { name, bucket, endpoint: this.#endpointName(), secrets: this.#settings.secrets };
  }
}

function notFound(name: string): StorageError {
  return new StorageError('NOT_FOUND', `s3: no object named ${JSON.stringify(name)}.`, { name });
}

/** The whole object's size from a `Content-Range: bytes 0-9/1234` header. */
function totalSize(contentRange: string | undefined): number | undefined {
  const total = contentRange?.split('/')[1];
  return total === undefined || total === '*' ? undefined : Number(total);
}

function statOf(name: string, output: HeadObjectCommandOutput | GetObjectCommandOutput, size = 0): FileStat {
  return {
    name,
    size,
    lastModified: output.LastModified ?? new Date(0),
    contentType: output.ContentType,
    etag: output.ETag,
    cacheControl: output.CacheControl,
    contentDisposition: output.ContentDisposition,
    metadata: { ...output.Metadata },
  };
}
