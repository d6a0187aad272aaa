/**
 * Writing objects without ever overwriting by accident, and without leaving anything
 * behind when a write fails.
 *
 * - A body that fits in one part (`partSize`) goes in one PutObject with
 *   `If-None-Match: *`; when the name is taken the same bytes are retried under
 *   `nextName()`.
 * - A longer stream cannot be replayed under another name once it is consumed, so
 *   (src/object-store.ts) it first reserves its name with an empty PutObject carrying
 *   `If-None-Match: *` and a pending marker, then uploads it in parts (src/parts.ts),
 *   and its CompleteMultipartUpload carries `If-Match: <reservation ETag>`: it
 *   replaces only its own reservation. (`If-None-Match: *` on the completion would
 *   always fail against the reservation; `If-Match` is the stronger check.)
 * - On any failure the multipart upload is aborted (a lost race would otherwise leave
 *   its parts), and the reservation is removed if it is still ours.
 * - Retries (src/retry.ts): the driver's client retries every command but an
 *   exclusive PutObject, which `createExclusive` retries here, checking after an
 *   ambiguous failure whether the name holds what was sent (checksum, or the
 *   reservation's token) before a 412 sends the bytes to another name. A completion
 *   whose answer was lost is recognised by its multipart ETag.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  AbortMultipartUploadCommand,
  ChecksumAlgorithm,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { WriteBody, WriteOptions } from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { etagMatches, isPending, multipartEtag, PENDING_METADATA, readHead } from '../../src/object-store.js';
import { uploadMultipart } from '../../src/parts.js';
import { createExclusive, type RetryPolicy } from '../../src/retry.js';
import { retryingClient } from './client.js';
import { isPreconditionFailure, mapS3Error, type S3ErrorContext } from './errors.js';

/** What the writer needs from the driver. */
export interface WriterContext {
  /** The driver's retrying client (client.ts `retryingClient`). */
  client: S3Client;
  /** The SDK client underneath, for a check asked with another policy. */
  raw: S3Client;
  retry: RetryPolicy;
  bucket: string;
  partSize: number;
  queueSize: number;
  /** False for servers without `If-None-Match`: check, then write (not race-free). */
  conditionalWrites: boolean;
  /**
   * Send conditional PUTs with `Expect: 100-continue`: true for a client the caller
   * gave, whose connections may be reused after a refused write (see withExpectContinue).
   */
  expectContinue: boolean;
  errorContext(name?: string): S3ErrorContext;
}

/** The object attributes of a write (everything but the body and the key). */
type ObjectAttributes = Pick<PutObjectCommandInput, 'ContentType' | 'CacheControl' | 'ContentDisposition' | 'Metadata'>;

/** Stores `body` under `name` or, when taken and not overwriting, under `nextName()`; resolves with the name stored. */
export async function writeObject(
  context: WriterContext,
  name: string,
  body: WriteBody,
  options: WriteOptions,
): Promise<string> {
  const attributes: ObjectAttributes = {
    ContentType: options.contentType,
    CacheControl: options.cacheControl,
    ContentDisposition: options.contentDisposition,
    Metadata: options.metadata,
  };
  if (body.kind === 'bytes') return putOnce(context, name, body.data, attributes, options);
  const { head, rest } = await readHead(body.stream, context.partSize);
  if (rest === undefined) return putOnce(context, name, head, attributes, options);
  if (options.overwrite) {
    await streamUpload(context, name, rest, attributes, undefined);
    return name;
  }
  const reservation = await reserve(context, name, options).catch((error: unknown) => {
    rest.destroy();
    throw error;
  });
  try {
    await streamUpload(context, reservation.name, rest, attributes, reservation.etag);
    return reservation.name;
  } catch (error) {
    // Best effort: the upload's own error is the one to report.
    await release(context, reservation).catch(() => {});
    if (isPreconditionFailure(error)) throw replacedWhileWriting(reservation.name, error);
    throw error;
  }
}

/** One PutObject, retried under the next name while the name is taken. */
async function putOnce(
  context: WriterContext,
  name: string,
  data: Uint8Array,
  attributes: ObjectAttributes,
  options: WriteOptions,
): Promise<string> {
  for (let candidate = name; ; candidate = options.nextName()) {
    if (!options.overwrite && !context.conditionalWrites && (await nameTaken(context, candidate))) continue;
    const input: PutObjectCommandInput = { Bucket: context.bucket, Key: candidate, Body: data, ...attributes };
    if (options.overwrite || !context.conditionalWrites) {
      // No condition: the client's retries make it idempotent.
      await context.client.send(new PutObjectCommand(input)).catch((error: unknown) => {
        throw mapS3Error(error, context.errorContext(candidate));
      });
      return candidate;
    }
    input.IfNoneMatch = '*';
    const outcome = await createExclusive(context.retry, {
      send: async () => {
        const command = new PutObjectCommand(input);
        await context.client.send(context.expectContinue ? withExpectContinue(command) : command);
      },
      isTaken: isPreconditionFailure,
      retriedInside: retriedBySdk,
      isOurs: (retry) => holds(withRetry(context, retry), candidate, data),
      map: (error) => mapS3Error(error, context.errorContext(candidate)),
    });
    if (outcome === 'created') return candidate;
  }
}

/** Whether `key` holds exactly `data` (asked after an ambiguous failure): its MD5 ETag, else its bytes. */
async function holds(context: WriterContext, key: string, data: Uint8Array): Promise<boolean> {
  let head: { ContentLength?: number | undefined; ETag?: string | undefined; Metadata?: Record<string, string> };
  try {
    head = await context.client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: key }));
  } catch (error) {
    if (mapS3Error(error).code === 'NOT_FOUND') return false;
    throw error;
  }
  if (head.ContentLength !== data.length || isPending(head.Metadata)) return false;
  const byEtag = etagMatches(head.ETag, data);
  if (byEtag !== undefined) return byEtag;
  const stored = await context.client.send(
    new GetObjectCommand({ Bucket: context.bucket, Key: key, IfMatch: head.ETag }),
  );
  return (await buffer(stored.Body as Readable)).equals(data);
}

/** The context with its client retrying by `retry` instead. */
function withRetry(context: WriterContext, retry: RetryPolicy): WriterContext {
  return { ...context, retry, client: retryingClient(context.raw, retry, (error) => mapS3Error(error)) };
}

/** A ready client with the SDK's own retries may have repeated the write before answering 412. */
function retriedBySdk(error: unknown): boolean {
  return ((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1;
}

export interface Reservation {
  name: string;
  etag: string | undefined;
  token: string;
}

/** Claims a free name with an empty, pending object; resolves with the name claimed. */
export async function reserve(context: WriterContext, name: string, options: WriteOptions): Promise<Reservation> {
  const token = randomBytes(12).toString('hex');
  for (let candidate = name; ; candidate = options.nextName()) {
    if (!context.conditionalWrites && (await nameTaken(context, candidate))) continue;
    let etag: string | undefined;
    const outcome = await createExclusive(context.retry, {
      send: async () => {
        const output = await context.client.send(
          new PutObjectCommand({
            Bucket: context.bucket,
            Key: candidate,
            Body: new Uint8Array(0),
            Metadata: { [PENDING_METADATA]: token },
            IfNoneMatch: context.conditionalWrites ? '*' : undefined,
          }),
        );
        etag = output.ETag;
      },
      isTaken: (error) => context.conditionalWrites && isPreconditionFailure(error),
      retriedInside: retriedBySdk,
      isOurs: async (retry) => {
        // The answer was lost: the reservation is ours if it carries our token.
        const { client } = withRetry(context, retry);
        const head = await client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: candidate }));
        etag = head.ETag;
        return head.Metadata?.[PENDING_METADATA] === token;
      },
      map: (error) => mapS3Error(error, context.errorContext(candidate)),
    });
    if (outcome === 'created') return { name: candidate, etag, token };
  }
}

/**
 * Uploads `stream` in parts (src/parts.ts `uploadMultipart`), `queueSize` at a time, each
 * in a reusable buffer of the part size, so memory stays at about partSize × queueSize
 * whatever the length; part sizes double after every 1,000 parts so that a stream of
 * unknown length is not limited by S3's 10,000 parts. (lib-storage's `Upload` allocated
 * a fresh buffer per part, which V8 frees only at its next collection: a 1 GiB save
 * peaked at +91 MiB in 8 MiB parts, 3 at a time; docs/benchmarks.md.) `ifMatch` makes
 * the completion replace only that ETag. Aborts the multipart upload on any failure.
 */
async function streamUpload(
  context: WriterContext,
  key: string,
  stream: Readable,
  attributes: ObjectAttributes,
  ifMatch: string | undefined,
): Promise<void> {
  const target = { Bucket: context.bucket, Key: key };
  // As lib-storage does: with WHEN_SUPPORTED (AWS) every part carries a CRC32, which the
  // upload must announce and the completion must list.
  const algorithm =
    (await context.client.config.requestChecksumCalculation()) === 'WHEN_SUPPORTED'
      ? ChecksumAlgorithm.CRC32
      : undefined;
  const checksums: (string | undefined)[] = [];
  try {
    await uploadMultipart(stream, context.partSize, context.queueSize, ifMatch !== undefined, {
      initiate: async (attempted) => {
        attempted(1);
        const created = await context.client.send(
          new CreateMultipartUploadCommand({ ...target, ...attributes, ChecksumAlgorithm: algorithm }),
        );
        attempted(created.$metadata.attempts ?? 1);
        if (created.UploadId === undefined) throw new Error('CreateMultipartUpload answered without an UploadId');
        return created.UploadId;
      },
      uploadPart: async (UploadId, number, part) => {
        const output = await context.client.send(
          new UploadPartCommand({ ...target, UploadId, PartNumber: number, Body: part, ChecksumAlgorithm: algorithm }),
        );
        if (output.ETag === undefined) throw new Error(`UploadPart ${number} answered without an ETag`);
        checksums[number - 1] = output.ChecksumCRC32;
        return output.ETag;
      },
      complete: async (UploadId, etags) => {
        const Parts = etags.map((ETag, index) => ({ PartNumber: index + 1, ETag, ChecksumCRC32: checksums[index] }));
        await context.client.send(
          new CompleteMultipartUploadCommand({
            ...target,
            UploadId,
            MultipartUpload: { Parts },
            ...(ifMatch !== undefined && context.conditionalWrites ? { IfMatch: ifMatch } : {}),
          }),
        );
      },
      completed: (etags) => completed(context, key, etags),
      abort: (uploadId) => abortUpload(context, key, uploadId).catch(() => {}),
      abortOthers: (keep) => abortOthers(context, key, keep),
    });
  } catch (error) {
    if (isPreconditionFailure(error)) throw error;
    throw mapS3Error(error, context.errorContext(key));
  }
}

/** Whether `key` is the completed upload of `etags` (its multipart ETag), not a reservation. */
async function completed(context: WriterContext, key: string, etags: string[]): Promise<boolean> {
  try {
    const head = await context.client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: key }));
    return !isPending(head.Metadata) && head.ETag?.replace(/"/g, '') === multipartEtag(etags);
  } catch {
    return false;
  }
}

/** Aborts the key's incomplete uploads other than `keep` (best effort). */
async function abortOthers(context: WriterContext, key: string, keep: string | undefined): Promise<void> {
  try {
    const listed = await context.client.send(new ListMultipartUploadsCommand({ Bucket: context.bucket, Prefix: key }));
    for (const upload of listed.Uploads ?? []) {
      if (upload.Key === key && upload.UploadId !== undefined && upload.UploadId !== keep) {
        await abortUpload(context, key, upload.UploadId);
      }
    }
  } catch {
    // The write's own outcome matters more; servers expire stale uploads (lifecycle rules).
  }
}

async function abortUpload(context: WriterContext, key: string, uploadId: string): Promise<void> {
  try {
    await context.client.send(
      new AbortMultipartUploadCommand({ Bucket: context.bucket, Key: key, UploadId: uploadId }),
    );
  } catch (error) {
    // Gone already (the server expired or aborted it): NoSuchUpload is success.
    if (mapS3Error(error).code !== 'NOT_FOUND') throw mapS3Error(error, context.errorContext(key));
  }
}

/** Removes a reservation if it is still ours (same pending token). */
export async function release(context: WriterContext, reservation: Reservation): Promise<void> {
  try {
    const head = await context.client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: reservation.name }));
    if (head.Metadata?.[PENDING_METADATA] !== reservation.token) return;
    await context.client.send(
      new DeleteObjectCommand({ Bucket: context.bucket, Key: reservation.name, IfMatch: head.ETag }),
    );
  } catch (error) {
    // Gone already, or replaced in between (412): either way nothing of ours is left.
    if (isPreconditionFailure(error) || mapS3Error(error).code === 'NOT_FOUND') return;
    throw mapS3Error(error, context.errorContext(reservation.name));
  }
}

/** True when an object (or a reservation) holds the name: the exists-then-write fallback. */
export async function nameTaken(context: WriterContext, key: string): Promise<boolean> {
  try {
    await context.client.send(new HeadObjectCommand({ Bucket: context.bucket, Key: key }));
    return true;
  } catch (error) {
    const mapped = mapS3Error(error, context.errorContext(key));
    if (mapped.code === 'NOT_FOUND') return false;
    throw mapped;
  }
}

/** A reservation was replaced (or deleted) by another writer before the write completed. */
export function replacedWhileWriting(name: string, cause: unknown): StorageError {
  return new StorageError(
    'ALREADY_EXISTS',
    `s3: ${JSON.stringify(name)} was replaced by another writer while this write ran; nothing was stored.`,
    { name, cause },
  );
}

/**
 * Sends `Expect: 100-continue` on a conditional PUT with a body, for a client the
 * caller gave. MinIO drops the connection of a PUT it refused (412), so the next request
 * on it fails with ECONNRESET (measured: about 60 in 200 concurrent conditional PUTs of
 * one name); with this header the SDK's own handler sends the PUT on a fresh connection
 * that it does not keep. The clients stowage builds need none of it: their agent never
 * reuses such a connection (client.ts refusalAwareAgent), and keeping the header there
 * cost a third of the small-save throughput (docs/benchmarks.md).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPUT.html (Expect header)
 */
function withExpectContinue(command: PutObjectCommand): PutObjectCommand {
  const { Body: body, IfNoneMatch: ifNoneMatch } = command.input;
  if (ifNoneMatch === undefined || !(body instanceof Uint8Array) || body.length === 0) return command;
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers.Expect = '100-continue';
      return next(args);
    },
    { step: 'build', name: 'stowageExpectContinue' },
  );
  return command;
}
