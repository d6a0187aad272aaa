/**
 * The transport: what one S3 SDK does for the object-store core (src/object-store/),
 * and nothing more. Each method is one S3 request (or, for presigning, one signature
 * made offline): it sends, reads the answer and resolves, or rejects with the SDK's own
 * error, which the core reads with `errorFacts`. A transport keeps no state between
 * calls beyond its clients, never retries, never maps errors to StorageErrors, and never
 * calls back into the core: the algorithms (conditional writes, reservations, multipart,
 * lost-answer checks, retries, bucket plans, URLs) live once, in the core.
 *
 * Keys are object keys as the server stores them (any location prefix already added).
 *
 * Retries: `RETRY` below says, for every request, whether the core may repeat it. A
 * transport must not make a request that `RETRY` calls idempotent non-idempotent.
 */
import type { Readable } from 'node:stream';
import type { CorsRule, LifecycleRule, StoredRules } from '../buckets.js';
import type { HealthStatus } from '../driver.js';
import type { ErrorFacts, ErrorRule } from '../s3-errors.js';
import type { AwsChunkedStream } from './aws-chunked.js';

/** An object's attributes, as HEAD or GET answers them (or a write sends them). */
export interface ObjectHead {
  /** Content-Length of the whole object (for a ranged GET, from Content-Range). */
  size: number;
  lastModified: Date;
  etag?: string | undefined;
  contentType?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  /** User metadata (`x-amz-meta-*`), keys without the prefix, lower case. */
  metadata: Record<string, string>;
}

/** What a write stores beside the bytes. */
export interface ObjectAttributes {
  contentType: string;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  metadata?: Readonly<Record<string, string>> | undefined;
}

/** The conditions a write (PUT, completion, copy) or a delete carries. */
export interface Conditions {
  /** `If-None-Match: *`: only if the key holds nothing. */
  ifNoneMatch?: boolean | undefined;
  /** `If-Match: <etag>`: only if the key holds exactly that version. */
  ifMatch?: string | undefined;
}

/** One object of a listing page. */
export interface ListedObject extends Omit<ObjectHead, 'metadata'> {
  key: string;
  /**
   * The object's user metadata when the server lists it (MinIO's `metadata=true`);
   * undefined when the listing says nothing about it.
   */
  metadata?: Record<string, string> | undefined;
}

export interface ListRequest {
  prefix: string;
  /** `/` for one level (common prefixes), undefined for a recursive listing. */
  delimiter?: string | undefined;
  token?: string | undefined;
}

/** One ListObjectsV2 page. `objects` and `prefixes` in any order; the core sorts. */
export interface ListPage {
  objects: ListedObject[];
  /** Common prefixes (ending in the delimiter). */
  prefixes: string[];
  /** The continuation token of the next page; undefined on the last. */
  next?: string | undefined;
}

/** An uploaded part, as the completion needs it back. */
export interface UploadedPart {
  /** 1-based. */
  number: number;
  etag: string;
  /** The part's checksum when the upload carries per-part checksums (CRC32, base64). */
  checksum?: string | undefined;
}

/** An incomplete multipart upload (ListMultipartUploads). */
export interface IncompleteUpload {
  key: string;
  uploadId: string;
  initiated?: Date | undefined;
}

export interface UploadPage {
  uploads: IncompleteUpload[];
  /** Markers of the next page; undefined on the last. */
  next?: { keyMarker: string; uploadIdMarker: string } | undefined;
}

export interface PartPage {
  /** `lastModified`: when the part was uploaded, where the server says. */
  parts: (UploadedPart & { size: number; lastModified?: Date | undefined })[];
  /** The part-number marker of the next page; undefined on the last. */
  next?: number | undefined;
}

/** A POST-policy upload form, signed for the external endpoint's origin. */
export interface SignedPost {
  url: string;
  fields: Record<string, string>;
}

export interface PostPolicy {
  expiresAt: Date;
  /** Seconds from now to `expiresAt`. */
  expiresIn: number;
  contentType?: string | undefined;
  maxSize?: number | undefined;
}

/** What a streamed PUT answers. */
export interface StreamedPut {
  etag: string;
  /** The server's `x-amz-checksum-crc32`: the trailer's CRC32 it verified; undefined when it did not say. */
  checksum: string | undefined;
}

/** What a presigned single PUT is bound to. */
export interface SignedPutRequest {
  contentType: string;
  length: number;
  expiresIn: number;
}

/** The part checksum an upload announces at its creation (the only one the core computes). */
export type PartChecksumAlgorithm = 'CRC32';

/** The per-SDK primitives under the object-store core. */
export interface ObjectTransport {
  /** The driver name for messages: `minio`, `s3`. */
  readonly driver: string;
  /** Where requests go, for messages: `127.0.0.1:9000`, `http://127.0.0.1:9000`, `AWS S3`. */
  readonly endpoint: string;
  /**
   * Whether `head` rejects with NoSuchBucket for a missing bucket; when false, the core
   * asks `bucketExists` before it answers NOT_FOUND (so exists() never says "no such
   * file" for a whole missing bucket).
   */
  readonly headNamesMissingBucket: boolean;
  /** The SDK's own error names that mean something the S3 rules do not say. */
  readonly errorRules: Readonly<Record<string, ErrorRule>>;
  /** The one function that reads this SDK's error shape. */
  errorFacts(error: unknown): ErrorFacts;

  /** HEAD; undefined when there is no such object (see `headNamesMissingBucket`). */
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** GET (a range, of the version `ifMatch`); undefined when the range starts past the end (416). */
  get(
    bucket: string,
    key: string,
    range: { start: number; end?: number | undefined } | undefined,
    ifMatch: string | undefined,
  ): Promise<{ head: ObjectHead; body: Readable } | undefined>;
  /** PUT of a whole body (its MD5 sent for the server to check); resolves with the ETag. */
  put(bucket: string, key: string, body: Buffer, attributes: ObjectAttributes, conditions: Conditions): Promise<string>;
  /**
   * PUT of a stream of `length` bytes in one request: `body` (aws-chunked.ts) as it is,
   * with `awsChunkedHeaders(length)` and the payload unsigned. Resolves with the ETag and
   * the server's echo of the trailer's CRC32 (undefined when it sent none: it did not
   * check it). `body` is consumed: to send the PUT again, the core makes a new one from
   * content that can be read again (write.ts `sendStreamed`).
   */
  putStream(
    bucket: string,
    key: string,
    body: AwsChunkedStream,
    length: number,
    attributes: ObjectAttributes,
    conditions: Conditions,
  ): Promise<StreamedPut>;
  /** DELETE; resolves when the key was already gone. */
  delete(bucket: string, key: string, conditions: Conditions): Promise<void>;
  /** One ListObjectsV2 page (1000 keys at most). */
  list(bucket: string, request: ListRequest): Promise<ListPage>;
  /** CopyObject within the bucket, metadata copied; `sourceIfMatch` pins the source version. */
  copy(
    bucket: string,
    source: string,
    key: string,
    sourceIfMatch: string | undefined,
    conditions: Conditions,
  ): Promise<void>;

  /**
   * CreateMultipartUpload; resolves with the upload id. With `partChecksums: 'CRC32'` it
   * announces CRC32 part checksums (`x-amz-checksum-algorithm`), after which the server
   * wants one on every part; without, parts go as presigned browser parts do, unsummed.
   */
  createUpload(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    partChecksums: PartChecksumAlgorithm | undefined,
  ): Promise<string>;
  /**
   * UploadPart; `part` must not be kept after it settles. With `checksum` (the part's
   * CRC32, base64) the part goes with `x-amz-checksum-crc32` and an unsigned payload, and
   * `checksum` in the answer is the server's echo of it (undefined when it sent none: it
   * did not check); without, it carries its Content-MD5 (and the SHA-256 payload
   * signature where the SDK signs payloads).
   */
  uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    part: Buffer,
    checksum: string | undefined,
  ): Promise<UploadedPart>;
  /** CompleteMultipartUpload (a 200 carrying an `<Error>` rejects). */
  completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly UploadedPart[],
    conditions: Conditions,
  ): Promise<void>;
  /** AbortMultipartUpload; rejects with NoSuchUpload when it is gone. */
  abortUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  /** One ListMultipartUploads page under `prefix`. */
  listUploads(bucket: string, prefix: string, next?: UploadPage['next']): Promise<UploadPage>;
  /** One ListParts page of an upload. */
  listParts(bucket: string, key: string, uploadId: string, next?: number): Promise<PartPage>;

  /** A presigned GET for the external endpoint's origin, offline. */
  presignGet(bucket: string, key: string, expiresIn: number, disposition: string | undefined): Promise<string>;
  /**
   * A presigned UploadPart (PUT) for the external endpoint's origin, offline; bound to
   * the upload and part number (signed query), and to `length` (a signed Content-Length)
   * where the SDK can sign that header.
   */
  presignPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    length: number,
    expiresIn: number,
  ): Promise<string>;
  /** A POST-policy form for the external endpoint's origin, offline. */
  presignPost(bucket: string, key: string, policy: PostPolicy): Promise<SignedPost>;
  /**
   * A presigned PutObject for the external endpoint's origin, offline, with Content-Type
   * and Content-Length signed. Absent where the SDK cannot sign those headers.
   */
  presignPut?(bucket: string, key: string, put: SignedPutRequest): Promise<string>;
  /** The region signatures are made for (for AWS's virtual-hosted public URLs). */
  region(): Promise<string>;

  bucketExists(bucket: string): Promise<boolean>;
  /** CreateBucket; resolves when it exists already and is ours. */
  createBucket(bucket: string): Promise<void>;
  /** The policy JSON; undefined when there is none. */
  getBucketPolicy(bucket: string): Promise<string | undefined>;
  putBucketPolicy(bucket: string, policy: string): Promise<void>;
  /** Resolves when there was no policy. */
  deleteBucketPolicy(bucket: string): Promise<void>;
  /** GetBucketCors; undefined when the bucket has none (NoSuchCORSConfiguration). */
  getBucketCors(bucket: string): Promise<StoredRules<CorsRule> | undefined>;
  /** PutBucketCors: replaces the bucket's CORS rules. */
  putBucketCors(bucket: string, cors: StoredRules<CorsRule>): Promise<void>;
  /** GetBucketLifecycleConfiguration; undefined when the bucket has none (NoSuchLifecycleConfiguration). */
  getBucketLifecycle(bucket: string): Promise<StoredRules<LifecycleRule> | undefined>;
  /**
   * PutBucketLifecycleConfiguration: replaces the bucket's rules, each rule with a
   * `source` written back as the server sent it, the others built from their fields.
   */
  putBucketLifecycle(bucket: string, lifecycle: StoredRules<LifecycleRule>): Promise<void>;

  /** One liveness probe of the server (or bucket), abandoned after `timeoutMs`; never rejects. */
  health(bucket: string, timeoutMs: number): Promise<HealthStatus>;
  /** Releases the clients this transport built. */
  close(): Promise<void>;
}

/**
 * Whether the core may repeat a request after a retryable failure:
 * - `idempotent`: repeating it changes nothing (reads, deletes, parts, policies, an
 *   abort, a bucket the retry finds ours);
 * - `conditional`: idempotent without conditions; with them (`If-None-Match`,
 *   `If-Match`) a lost answer may hide that it landed, so the core repeats it only
 *   with a check that tells (a create by its checksum or reservation token, a copy by
 *   the source's ETag);
 * - `checked`: repeated, and after a final failure the core asks whether it landed
 *   anyway (a completion by its multipart ETag; an initiation by listing the key's uploads);
 * - `once`: never repeated (offline signing, the health probe, a streamed PUT whose
 *   body is gone once sent).
 */
export type RetryClass = 'idempotent' | 'conditional' | 'checked' | 'once';

/** The requests the core sends, by name. */
export type Request = Exclude<
  keyof ObjectTransport,
  'driver' | 'endpoint' | 'headNamesMissingBucket' | 'errorRules' | 'errorFacts' | 'close'
>;

export const RETRY: { readonly [K in Request]: RetryClass } = {
  head: 'idempotent',
  get: 'idempotent',
  put: 'conditional',
  putStream: 'once',
  delete: 'idempotent',
  list: 'idempotent',
  copy: 'conditional',
  createUpload: 'checked',
  uploadPart: 'idempotent',
  completeUpload: 'checked',
  abortUpload: 'idempotent',
  listUploads: 'idempotent',
  listParts: 'idempotent',
  presignGet: 'once',
  presignPart: 'once',
  presignPost: 'once',
  presignPut: 'once',
  region: 'once',
  bucketExists: 'idempotent',
  createBucket: 'idempotent',
  getBucketPolicy: 'idempotent',
  putBucketPolicy: 'idempotent',
  deleteBucketPolicy: 'idempotent',
  // A whole configuration computed before the request: sending it again changes nothing.
  getBucketCors: 'idempotent',
  putBucketCors: 'idempotent',
  getBucketLifecycle: 'idempotent',
  putBucketLifecycle: 'idempotent',
  health: 'once',
};
