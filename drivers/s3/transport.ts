/**
 * The object-store transport on @aws-sdk/client-s3: one command per request, presigning
 * on the offline client whose endpoint is the external one (client.ts). What the
 * requests mean, their retries and their errors are the core's (src/object-store/).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  type CORSRule,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type PutBucketLifecycleConfigurationCommandInput,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
  type LifecycleRule as SdkLifecycleRule,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { CorsRule, LifecycleRule, StoredRules } from '../../src/buckets.js';
import type { HealthStatus } from '../../src/driver.js';
import { type AwsChunkedStream, awsChunkedHeaders } from '../../src/object-store/aws-chunked.js';
import type {
  Conditions,
  ListPage,
  ListRequest,
  ObjectAttributes,
  ObjectHead,
  ObjectTransport,
  PartChecksumAlgorithm,
  PartPage,
  PostPolicy,
  SignedPost,
  SignedPutRequest,
  StreamedPut,
  UploadedPart,
  UploadPage,
} from '../../src/object-store/transport.js';
import { totalFromContentRange, unlessCode } from '../../src/object-store.js';
import { encodeName } from '../../src/utf8.js';
import { mapS3Error, SDK_ERRORS, s3ErrorFacts, statusOf } from './errors.js';

export interface S3TransportParts {
  /** The traffic client (its own retries off unless the caller's). */
  client: S3Client;
  /** The offline client that signs for the external endpoint. */
  presigner: S3Client;
  /** Where requests go, for messages. */
  endpoint: string;
  /** Destroy the traffic client on close (it was built here, not given). */
  ownsClient: boolean;
  /**
   * Send conditional PUTs with `Expect: 100-continue`: true for a client the caller
   * gave, whose connections may be reused after a refused write (see withExpectContinue).
   */
  expectContinue: boolean;
}

const EMPTY = new Uint8Array(0);

export class S3Transport implements ObjectTransport {
  readonly driver = 's3';
  /** A 404 to HeadObject has no body: a missing bucket looks like a missing object. */
  readonly headNamesMissingBucket = false;
  readonly endpoint: string;
  readonly errorRules = SDK_ERRORS;
  readonly #client: S3Client;
  readonly #presigner: S3Client;
  readonly #ownsClient: boolean;
  readonly #expectContinue: boolean;

  constructor(parts: S3TransportParts) {
    this.#client = parts.client;
    this.#presigner = parts.presigner;
    this.#ownsClient = parts.ownsClient;
    this.#expectContinue = parts.expectContinue;
    this.endpoint = parts.endpoint;
  }

  errorFacts(error: unknown) {
    return s3ErrorFacts(error);
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const output = await this.#client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return headOf(output, output.ContentLength);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async get(
    bucket: string,
    key: string,
    range: { start: number; end?: number | undefined } | undefined,
    ifMatch: string | undefined,
  ) {
    let output: GetObjectCommandOutput;
    try {
      const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
      output = await this.#client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range, IfMatch: ifMatch }));
    } catch (error) {
      if (range && isInvalidRange(error)) return undefined;
      throw error;
    }
    const body = output.Body as Readable;
    return { head: headOf(output, totalFromContentRange(output.ContentRange) ?? output.ContentLength), body };
  }

  async put(bucket: string, key: string, body: Buffer, attributes: ObjectAttributes, conditions: Conditions) {
    const command = new PutObjectCommand({ ...putInput(bucket, key, attributes, conditions), Body: body });
    if (this.#expectContinue && conditions.ifNoneMatch && body.length > 0) withExpectContinue(command);
    return (await this.#client.send(command)).ETag ?? '';
  }

  async putStream(
    bucket: string,
    key: string,
    body: AwsChunkedStream,
    length: number,
    attributes: ObjectAttributes,
    conditions: Conditions,
  ): Promise<StreamedPut> {
    // Body: replaced by `body` once the SDK's checksum step has passed (withChunkedBody).
    const command = new PutObjectCommand({ ...putInput(bucket, key, attributes, conditions), Body: EMPTY });
    withChunkedBody(command, body, length);
    // The SDK pipes the body without listening for its failure (the source's, such as a
    // length other than declared): that failure ends the request, and is the answer.
    const aborted = new AbortController();
    let failure: unknown;
    body.once('error', (error) => {
      failure = error;
      aborted.abort();
    });
    try {
      const output = await this.#client.send(command, { abortSignal: aborted.signal });
      return { etag: output.ETag ?? '', checksum: output.ChecksumCRC32 };
    } catch (error) {
      throw failure ?? error;
    }
  }

  async delete(bucket: string, key: string, conditions: Conditions): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: conditions.ifMatch }));
  }

  async list(bucket: string, request: ListRequest): Promise<ListPage> {
    const page = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: request.prefix,
        Delimiter: request.delimiter,
        ContinuationToken: request.token,
      }),
    );
    const objects = (page.Contents ?? []).flatMap((object) =>
      object.Key === undefined
        ? []
        : [
            {
              key: object.Key,
              size: object.Size ?? 0,
              lastModified: object.LastModified ?? new Date(0),
              etag: object.ETag,
            },
          ],
    );
    const prefixes = (page.CommonPrefixes ?? []).flatMap(({ Prefix }) => (Prefix ? [Prefix] : []));
    return { objects, prefixes, next: page.IsTruncated ? page.NextContinuationToken : undefined };
  }

  async copy(bucket: string, source: string, key: string, sourceIfMatch: string | undefined, conditions: Conditions) {
    await this.#client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: key,
        CopySource: `${bucket}/${encodeName(source)}`,
        MetadataDirective: 'COPY',
        CopySourceIfMatch: sourceIfMatch,
        IfMatch: conditions.ifMatch,
        IfNoneMatch: conditions.ifNoneMatch ? '*' : undefined,
      }),
    );
  }

  async createUpload(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    partChecksums: PartChecksumAlgorithm | undefined,
  ): Promise<string> {
    const created = await this.#client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ...attributeInput(attributes),
        ...(partChecksums === undefined ? {} : { ChecksumAlgorithm: ChecksumAlgorithm[partChecksums] }),
      }),
    );
    if (created.UploadId === undefined) throw new Error('CreateMultipartUpload answered without an UploadId');
    return created.UploadId;
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    part: Buffer,
    checksum: string | undefined,
  ): Promise<UploadedPart> {
    const command = new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: number,
      Body: part,
      // Given, the SDK sends it as it is and computes no checksum of its own.
      ...(checksum === undefined
        ? { ContentMD5: createHash('md5').update(part).digest('base64') }
        : { ChecksumCRC32: checksum }),
    });
    if (checksum !== undefined) withUnsignedPayload(command);
    const output = await this.#client.send(command);
    if (output.ETag === undefined) throw new Error(`UploadPart ${number} answered without an ETag`);
    return { number, etag: output.ETag, checksum: output.ChecksumCRC32 };
  }

  async completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly UploadedPart[],
    conditions: Conditions,
  ) {
    const Parts = parts.map((part) => ({ PartNumber: part.number, ETag: part.etag, ChecksumCRC32: part.checksum }));
    await this.#client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: { Parts },
        IfMatch: conditions.ifMatch,
        IfNoneMatch: conditions.ifNoneMatch ? '*' : undefined,
      }),
    );
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.#client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }

  async listUploads(bucket: string, prefix: string, next?: UploadPage['next']): Promise<UploadPage> {
    const page = await this.#client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        KeyMarker: next?.keyMarker,
        UploadIdMarker: next?.uploadIdMarker,
      }),
    );
    const uploads = (page.Uploads ?? []).flatMap((upload) =>
      upload.Key === undefined || upload.UploadId === undefined
        ? []
        : [{ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated }],
    );
    const { NextKeyMarker: keyMarker, NextUploadIdMarker: uploadIdMarker } = page;
    const more = page.IsTruncated === true && keyMarker !== undefined && uploadIdMarker !== undefined;
    return { uploads, next: more ? { keyMarker, uploadIdMarker } : undefined };
  }

  async listParts(bucket: string, key: string, uploadId: string, next?: number): Promise<PartPage> {
    const page = await this.#client.send(
      new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: next?.toString() }),
    );
    const parts = (page.Parts ?? []).map((part) => ({
      number: part.PartNumber ?? 0,
      etag: part.ETag ?? '',
      size: part.Size ?? 0,
      checksum: part.ChecksumCRC32,
      lastModified: part.LastModified,
    }));
    const marker = page.NextPartNumberMarker;
    return { parts, next: page.IsTruncated && marker !== undefined ? Number(marker) : undefined };
  }

  presignGet(bucket: string, key: string, expiresIn: number, disposition: string | undefined): Promise<string> {
    const command = new GetObjectCommand({ Bucket: bucket, Key: key, ResponseContentDisposition: disposition });
    return getSignedUrl(this.#presigner, command, { expiresIn });
  }

  /** Content-Length is signed: the server refuses a body of any other length (403). */
  presignPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    length: number,
    expiresIn: number,
  ): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: number,
      ContentLength: length,
    });
    withoutChecksums(command);
    return getSignedUrl(this.#presigner, command, { expiresIn });
  }

  /** Content-Type and Content-Length are signed: the server refuses any other (403). */
  presignPut(bucket: string, key: string, put: SignedPutRequest): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: put.contentType,
      ContentLength: put.length,
    });
    withoutChecksums(command);
    // The presigner leaves Content-Type unsigned unless asked.
    return getSignedUrl(this.#presigner, command, {
      expiresIn: put.expiresIn,
      signableHeaders: new Set(['content-type']),
    });
  }

  /** https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html */
  async presignPost(bucket: string, key: string, policy: PostPolicy): Promise<SignedPost> {
    const conditions: Parameters<typeof createPresignedPost>[1]['Conditions'] = [];
    const fields: Record<string, string> = {};
    if (policy.maxSize !== undefined) conditions.push(['content-length-range', 0, policy.maxSize]);
    if (policy.contentType !== undefined) {
      conditions.push(['eq', '$Content-Type', policy.contentType]);
      fields['Content-Type'] = policy.contentType;
    }
    // Imported on first use: a process that never presigns a POST does not keep it in its heap.
    const { createPresignedPost } = await import('@aws-sdk/s3-presigned-post');
    const post = await createPresignedPost(this.#presigner, {
      Bucket: bucket,
      Key: key,
      Conditions: conditions,
      Fields: fields,
      Expires: policy.expiresIn,
    });
    return { url: post.url, fields: post.fields };
  }

  region(): Promise<string> {
    return this.#presigner.config.region();
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      // HeadBucket has no body: a missing bucket is only NotFound / 404.
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  async createBucket(bucket: string): Promise<void> {
    await unlessCode(
      this.#client.send(new CreateBucketCommand({ Bucket: bucket })),
      'BucketAlreadyOwnedByYou',
      s3ErrorFacts,
    );
  }

  async getBucketPolicy(bucket: string): Promise<string | undefined> {
    const output = await unlessCode(
      this.#client.send(new GetBucketPolicyCommand({ Bucket: bucket })),
      'NoSuchBucketPolicy',
      s3ErrorFacts,
    );
    return output?.Policy;
  }

  async putBucketPolicy(bucket: string, policy: string): Promise<void> {
    await this.#client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
  }

  async deleteBucketPolicy(bucket: string): Promise<void> {
    await unlessCode(
      this.#client.send(new DeleteBucketPolicyCommand({ Bucket: bucket })),
      'NoSuchBucketPolicy',
      s3ErrorFacts,
    );
  }

  async getBucketCors(bucket: string): Promise<StoredRules<CorsRule> | undefined> {
    const output = await unlessCode(
      this.#client.send(new GetBucketCorsCommand({ Bucket: bucket })),
      'NoSuchCORSConfiguration',
      s3ErrorFacts,
    );
    if (output === undefined) return undefined;
    return {
      rules: (output.CORSRules ?? []).map((rule) => ({
        id: rule.ID,
        allowedOrigins: rule.AllowedOrigins ?? [],
        allowedMethods: rule.AllowedMethods ?? [],
        allowedHeaders: rule.AllowedHeaders ?? [],
        exposeHeaders: rule.ExposeHeaders ?? [],
        maxAgeSeconds: rule.MaxAgeSeconds,
      })),
    };
  }

  async putBucketCors(bucket: string, cors: StoredRules<CorsRule>): Promise<void> {
    const rules = cors.rules.map(
      (rule): CORSRule => ({
        ID: rule.id,
        AllowedOrigins: rule.allowedOrigins,
        AllowedMethods: rule.allowedMethods,
        AllowedHeaders: rule.allowedHeaders,
        ExposeHeaders: rule.exposeHeaders,
        MaxAgeSeconds: rule.maxAgeSeconds,
      }),
    );
    await this.#client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }));
  }

  async getBucketLifecycle(bucket: string): Promise<StoredRules<LifecycleRule> | undefined> {
    const output = await unlessCode(
      this.#client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })),
      'NoSuchLifecycleConfiguration',
      s3ErrorFacts,
    );
    if (output === undefined) return undefined;
    return {
      rules: (output.Rules ?? []).map((rule) => ({
        id: rule.ID,
        enabled: rule.Status === 'Enabled',
        prefix: prefixOf(rule),
        abortIncompleteUploadsAfterDays: rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
        source: rule,
      })),
      source: { TransitionDefaultMinimumObjectSize: output.TransitionDefaultMinimumObjectSize },
    };
  }

  async putBucketLifecycle(bucket: string, lifecycle: StoredRules<LifecycleRule>): Promise<void> {
    const rules = lifecycle.rules.map(
      (rule): SdkLifecycleRule =>
        (rule.source as SdkLifecycleRule | undefined) ?? {
          ID: rule.id,
          Status: rule.enabled ? 'Enabled' : 'Disabled',
          Filter: { Prefix: rule.prefix ?? '' },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteUploadsAfterDays },
        },
    );
    // Sent back as the server gave it: a bucket's own choice is not reset to the default.
    const { TransitionDefaultMinimumObjectSize } = (lifecycle.source ?? {}) as {
      TransitionDefaultMinimumObjectSize?: SdkTransitionDefault;
    };
    await this.#client.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: { Rules: rules },
        TransitionDefaultMinimumObjectSize,
      }),
    );
  }

  /** HeadBucket, abandoned after `timeoutMs`: whether the bucket answers, and how fast. */
  async health(bucket: string, timeoutMs: number): Promise<HealthStatus> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      const output = await this.#client.send(new HeadBucketCommand({ Bucket: bucket }), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      const details = `bucket ${bucket} answers at ${this.endpoint}`;
      return { available: true, status: output.$metadata.httpStatusCode, latencyMs: latencyMs(), details };
    } catch (error) {
      const status = statusOf(error);
      const details =
        status === 404
          ? `bucket ${bucket} does not exist at ${this.endpoint}`
          : mapS3Error(error, { bucket, endpoint: this.endpoint }).message;
      return { available: false, status, latencyMs: latencyMs(), details };
    }
  }

  async close(): Promise<void> {
    if (this.#presigner !== this.#client) this.#presigner.destroy();
    if (this.#ownsClient) this.#client.destroy();
  }
}

/** A PutObject's input but its body. */
function putInput(bucket: string, key: string, attributes: ObjectAttributes, conditions: Conditions) {
  return {
    Bucket: bucket,
    Key: key,
    ...attributeInput(attributes),
    IfNoneMatch: conditions.ifNoneMatch ? '*' : undefined,
    IfMatch: conditions.ifMatch,
  };
}

function attributeInput(attributes: ObjectAttributes) {
  return {
    ContentType: attributes.contentType,
    CacheControl: attributes.cacheControl,
    ContentDisposition: attributes.contentDisposition,
    Metadata: attributes.metadata === undefined ? undefined : { ...attributes.metadata },
  };
}

function headOf(output: HeadObjectCommandOutput | GetObjectCommandOutput, size = 0): ObjectHead {
  return {
    size,
    lastModified: output.LastModified ?? new Date(0),
    etag: output.ETag,
    contentType: output.ContentType,
    cacheControl: output.CacheControl,
    contentDisposition: output.ContentDisposition,
    metadata: { ...output.Metadata },
  };
}

/** True for a 416 (a range starting at or after the end of the object). */
function isInvalidRange(error: unknown): boolean {
  const facts = s3ErrorFacts(error);
  return facts.code === 'InvalidRange' || facts.status === 416;
}

/**
 * Sends `Expect: 100-continue` on a conditional PUT with a body, for a client the
 * caller gave. MinIO drops the connection of a PUT it refused (412), so the next request
 * on it fails with ECONNRESET (measured: about 60 in 200 concurrent conditional PUTs of
 * one name); with this header the SDK's own handler sends the PUT on a fresh connection
 * that it does not keep. The clients stowage builds need none of it: their agent never
 * reuses such a connection (client.ts stowageAgent), and keeping the header there
 * cost a third of the small-save throughput (docs/benchmarks.md).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPUT.html (Expect header)
 */
/**
 * Signs the request without hashing its body (`x-amz-content-sha256: UNSIGNED-PAYLOAD`,
 * which the SigV4 signer takes as given when the header is there): the body is covered
 * by the checksum it carries instead, which the server verifies. Over plain http the
 * SDK would otherwise compute a SHA-256 of every part.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
 */
function withUnsignedPayload(command: UploadPartCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'stowageUnsignedPayload' },
  );
}

/**
 * Sends `body` (aws-chunked, its CRC32 in the trailer: src/object-store/aws-chunked.ts)
 * as the command's body, with its headers, just before the request is signed: given the
 * stream itself, the SDK's checksum step would frame it once more with a CRC32 of its
 * own where checksums are on (AWS), reading the stream as soon as the request is built,
 * and its retry step would print a warning to the console for a failed streaming
 * request (it retries none; stowage retries). So the command is built with an empty
 * body, whose checksum and Content-Length are dropped here. The signer takes the
 * payload hash from `x-amz-content-sha256` as given.
 */
function withChunkedBody(command: PutObjectCommand, body: AwsChunkedStream, length: number): void {
  const summed = /^(x-amz-checksum-|x-amz-sdk-checksum-algorithm$|content-length$|content-md5$)/i;
  type Next = (args: { request: unknown }) => Promise<unknown>;
  command.middlewareStack.addRelativeTo(
    ((next: Next) => async (args: { request: unknown }) => {
      const request = args.request as { headers: Record<string, string> };
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !summed.test(name)));
      // A copy: the retry step keeps the request it passed on and looks at its body after a failure.
      return next({ ...args, request: { ...request, headers: { ...headers, ...awsChunkedHeaders(length) }, body } });
    }) as never,
    { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'stowageChunkedBody' },
  );
}

function withExpectContinue(command: PutObjectCommand): void {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers.Expect = '100-continue';
      return next(args);
    },
    { step: 'build', name: 'stowageExpectContinue' },
  );
}

/**
 * Leaves the SDK's request checksum out of a presigned URL: with no body to sum at
 * signing time it signs the CRC32 of nothing, which AWS then refuses for the real body
 * (aws-sdk-js-v3#6810). The bytes the page sends are not known to the signer anyway.
 */
function withoutChecksums(command: PutObjectCommand | UploadPartCommand): void {
  const checksum = /^x-amz-(checksum-|sdk-checksum-algorithm)/i;
  type Next = (args: { request: unknown }) => Promise<unknown>;
  command.middlewareStack.addRelativeTo(
    ((next: Next) => async (args: { request: unknown }) => {
      const request = args.request as { headers?: Record<string, string>; query?: Record<string, unknown> };
      for (const name of Object.keys(request.headers ?? {})) if (checksum.test(name)) delete request.headers?.[name];
      for (const name of Object.keys(request.query ?? {})) if (checksum.test(name)) delete request.query?.[name];
      return next(args);
    }) as never,
    { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'stowageUnsummedPresign' },
  );
}

type SdkTransitionDefault = PutBucketLifecycleConfigurationCommandInput['TransitionDefaultMinimumObjectSize'];

/** The key prefix a lifecycle rule applies to: '' for the whole bucket, undefined for another filter. */
function prefixOf(rule: SdkLifecycleRule): string | undefined {
  if (rule.Filter === undefined) return rule.Prefix ?? '';
  const { Prefix, ...others } = rule.Filter;
  return Object.values(others).some((value) => value !== undefined) ? undefined : (Prefix ?? '');
}
