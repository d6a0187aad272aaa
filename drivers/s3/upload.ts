/**
 * Writing objects without ever overwriting by accident, and without leaving anything
 * behind when a write fails.
 *
 * - A body that fits in one part (`partSize`) goes in one PutObject with
 *   `If-None-Match: *`; when the name is taken the same bytes are retried under
 *   `nextName()`.
 * - A longer stream cannot be replayed under another name once it is consumed, so
 *   (src/object-store.ts) it first reserves its name with an empty PutObject carrying
 *   `If-None-Match: *` and a pending marker, then streams through lib-storage's
 *   `Upload`, whose CompleteMultipartUpload carries `If-Match: <reservation ETag>`: it
 *   replaces only its own reservation. (`If-None-Match: *` on the completion would
 *   always fail against the reservation; `If-Match` is the stronger check.)
 * - On any failure the multipart upload is aborted by this code, because lib-storage
 *   does not abort when CompleteMultipartUpload itself fails (so a lost race would
 *   leave its parts), and the reservation is removed if it is still ours.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { WriteBody, WriteOptions } from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { PENDING_METADATA, readHead } from '../../src/object-store.js';
import { isPreconditionFailure, mapS3Error, type S3ErrorContext } from './errors.js';

/** What the writer needs from the driver. */
export interface WriterContext {
  client: S3Client;
  bucket: string;
  partSize: number;
  queueSize: number;
  /** False for servers without `If-None-Match`: check, then write (not race-free). */
  conditionalWrites: boolean;
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
  const reservation = await reserve(context, name, options);
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
    if (!options.overwrite && context.conditionalWrites) input.IfNoneMatch = '*';
    try {
      await context.client.send(withExpectContinue(new PutObjectCommand(input)));
      return candidate;
    } catch (error) {
      if (!(isPreconditionFailure(error) && input.IfNoneMatch))
        throw mapS3Error(error, context.errorContext(candidate));
    }
  }
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
    try {
      const output = await context.client.send(
        new PutObjectCommand({
          Bucket: context.bucket,
          Key: candidate,
          Body: new Uint8Array(0),
          Metadata: { [PENDING_METADATA]: token },
          IfNoneMatch: context.conditionalWrites ? '*' : undefined,
        }),
      );
      return { name: candidate, etag: output.ETag, token };
    } catch (error) {
      if (!(context.conditionalWrites && isPreconditionFailure(error))) {
        throw mapS3Error(error, context.errorContext(candidate));
      }
    }
  }
}

/**
 * Streams through lib-storage's Upload (bounded parts and queue; unknown length is
 * fine). `ifMatch` makes the completion replace only that ETag. Aborts the multipart
 * upload on any failure.
 */
async function streamUpload(
  context: WriterContext,
  key: string,
  stream: Readable,
  attributes: ObjectAttributes,
  ifMatch: string | undefined,
): Promise<void> {
  let uploadId: string | undefined;
  const upload = new Upload({
    client: recordingClient(context.client, (id) => {
      uploadId = id;
    }),
    params: {
      Bucket: context.bucket,
      Key: key,
      Body: stream,
      ...attributes,
      // lib-storage spreads params into CompleteMultipartUpload, which honours If-Match.
      ...(ifMatch !== undefined && context.conditionalWrites ? { IfMatch: ifMatch } : {}),
    },
    partSize: context.partSize,
    queueSize: context.queueSize,
    leavePartsOnError: false,
  });
  try {
    await upload.done();
  } catch (error) {
    stream.destroy();
    if (uploadId !== undefined) await abortUpload(context, key, uploadId).catch(() => {});
    if (isPreconditionFailure(error)) throw error;
    throw mapS3Error(error, context.errorContext(key));
  }
}

/**
 * The client, seen through a proxy that reports the UploadId of each multipart
 * upload it creates, so that a failed completion can still be aborted.
 */
function recordingClient(client: S3Client, record: (uploadId: string) => void): S3Client {
  return new Proxy(client, {
    get(target, property) {
      if (property !== 'send') return Reflect.get(target, property);
      return async (...args: Parameters<S3Client['send']>) => {
        const output = await (target.send as (...a: unknown[]) => Promise<unknown>)(...args);
        const uploadId = (output as { UploadId?: string } | undefined)?.UploadId;
        if (args[0] instanceof CreateMultipartUploadCommand && uploadId !== undefined) record(uploadId);
        return output;
      };
    },
  });
}

async function abortUpload(context: WriterContext, key: string, uploadId: string): Promise<void> {
  try {
    await context.client.send(
      new AbortMultipartUploadCommand({ Bucket: context.bucket, Key: key, UploadId: uploadId }),
    );
  } catch (error) {
    // lib-storage may have aborted it already (a part failed): NoSuchUpload is success.
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
 * Sends `Expect: 100-continue` on a conditional PUT with a body, so that a server
 * refusing it (412) does so before the body is sent. Without it MinIO answers 412
 * early and resets connections whose body it did not read: measured here, 200
 * concurrent conditional PUTs of one name gave about 60 ECONNRESETs without the
 * header and none with it.
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
