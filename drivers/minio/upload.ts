/**
 * Writing and copying without ever overwriting by accident, and without leaving
 * anything behind when a write fails (src/object-store.ts describes the scheme).
 *
 * - A body that fits in one part goes in one PUT with `If-None-Match: *`; on 412 the
 *   same bytes are retried under `nextName()`.
 * - A longer stream first reserves its name (an empty conditional PUT carrying the
 *   pending marker), is uploaded in parts, and completes with `If-Match: <reservation
 *   ETag>`, so that it replaces only a reservation. MinIO checks both headers on
 *   CompleteMultipartUpload (verified against RELEASE.2025-09-07: 412 when they do not
 *   hold). On any failure the upload is aborted and the reservation removed.
 * - CopyObject: MinIO ignores `If-None-Match` and `If-Match` on the destination (the
 *   copy overwrites; verified against RELEASE.2025-09-07), so an exclusive copy reserves
 *   its target name first and copies over the reservation. The source is pinned with
 *   `x-amz-copy-source-if-match`.
 *
 * - Retries (src/retry.ts): parts, aborts, copies and removals are repeated; an
 *   exclusive PUT (a save or a reservation) whose attempt failed ambiguously is
 *   checked by checksum (or reservation token) before a 412 sends it to another name,
 *   and a completion whose answer was lost is checked against the multipart ETag.
 *
 * Multipart goes through minio-js's signed request primitive, not `putObject`: that
 * sends no condition on the completion, resumes any earlier incomplete upload of the
 * same key, and does not abort a failed upload.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { WriteBody, WriteOptions } from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { etagMatches, isPending, multipartEtag, PENDING_METADATA, readHead } from '../../src/object-store.js';
import { uploadMultipart } from '../../src/parts.js';
import { createExclusive, retrying } from '../../src/retry.js';
import { encodeName } from '../../src/utf8.js';
import { isPreconditionFailed, mapMinioError, s3Error } from './errors.js';
import { getObject, headHeaders, headObject, type MinioContext, readText, statFromHeaders } from './objects.js';
import { elements, text } from './xml.js';

type Headers = Record<string, string>;

/**
 * Parts of a multipart upload held at once (src/parts.ts): one fills or hashes while the
 * other is sent and stored, so client and server work at the same time. Memory:
 * PARALLEL_PARTS × partSize, reused from part to part.
 */
const PARALLEL_PARTS = 2;

interface Reservation {
  name: string;
  etag: string;
  token: string;
}

/** Stores `body` under `name`, or under `nextName()` while names are taken; resolves with the name stored. */
export async function writeObject(
  context: MinioContext,
  name: string,
  body: WriteBody,
  options: WriteOptions,
): Promise<string> {
  if (options.metadata?.[PENDING_METADATA] !== undefined) {
    throw new StorageError('INVALID_CONFIG', `The metadata key ${PENDING_METADATA} is reserved by stowage.`, { name });
  }
  const headers = objectHeaders(options);
  if (body.kind === 'bytes') {
    const data = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength);
    return putOnce(context, name, data, headers, options);
  }
  const { head, rest } = await readHead(body.stream, context.partSize).catch((error: unknown) => {
    throw mapMinioError(error, context.errorContext(name));
  });
  if (rest === undefined) return putOnce(context, name, head, headers, options);
  if (options.overwrite) {
    await uploadParts(context, name, rest, headers, undefined);
    return name;
  }
  const reservation = await reserve(context, name, options).catch((error: unknown) => {
    rest.destroy();
    throw error;
  });
  try {
    await uploadParts(context, reservation.name, rest, headers, reservation.etag);
    return reservation.name;
  } catch (error) {
    await release(context, reservation);
    throw lostReservation(error, reservation.name);
  }
}

/** Copies `from` to `to` on the server; exclusive unless `options.overwrite`. */
export async function copyObject(
  context: MinioContext,
  from: string,
  to: string,
  options: WriteOptions,
): Promise<string> {
  const source = await headObject(context, from);
  const headers: Headers = {
    'x-amz-copy-source': `/${context.bucket}/${encodeName(context.key(from))}`,
    // Copy exactly the object checked above (not a reservation that replaced it since).
    ...(source.etag === undefined ? {} : { 'x-amz-copy-source-if-match': source.etag }),
  };
  if (options.overwrite) {
    await copyOnce(context, to, headers);
    return to;
  }
  const reservation = await reserve(context, to, options);
  try {
    await copyOnce(context, reservation.name, headers);
    return reservation.name;
  } catch (error) {
    await release(context, reservation);
    throw error;
  }
}

/** The headers every write of an object carries. */
function objectHeaders(options: WriteOptions): Headers {
  const headers: Headers = { 'Content-Type': options.contentType };
  if (options.cacheControl !== undefined) headers['Cache-Control'] = options.cacheControl;
  if (options.contentDisposition !== undefined) headers['Content-Disposition'] = options.contentDisposition;
  // Prefixed here: minio-js passes keys such as "cache-control" through as real headers.
  for (const [key, value] of Object.entries(options.metadata ?? {})) headers[`x-amz-meta-${key}`] = value;
  return headers;
}

/** One conditional PUT, retried under the next name while the name is taken. */
async function putOnce(
  context: MinioContext,
  name: string,
  data: Buffer,
  headers: Headers,
  options: WriteOptions,
): Promise<string> {
  const map = (candidate: string) => (error: unknown) => mapMinioError(error, context.errorContext(candidate));
  if (options.overwrite) {
    await retrying(context.retry, () => put(context, name, data, headers), map(name));
    return name;
  }
  for (let candidate = name; ; candidate = options.nextName()) {
    const outcome = await createExclusive(context.retry, {
      send: async () => {
        await put(context, candidate, data, { ...headers, 'If-None-Match': '*' });
      },
      isTaken: isPreconditionFailed,
      isOurs: (retry) => holds({ ...context, retry }, candidate, data),
      map: map(candidate),
    });
    if (outcome === 'created') return candidate;
  }
}

/** Whether `name` holds exactly `data` (asked after an ambiguous failure): its MD5 ETag, else its bytes. */
async function holds(context: MinioContext, name: string, data: Buffer): Promise<boolean> {
  const headers = await headHeaders(context, name);
  if (headers === undefined || Number(headers['content-length']) !== data.length) return false;
  const stat = statFromHeaders(name, headers, data.length);
  if (isPending(stat.metadata)) return false;
  const byEtag = etagMatches(stat.etag, data);
  if (byEtag !== undefined) return byEtag;
  const { body } = await getObject(context, name);
  const stored: Buffer[] = [];
  for await (const chunk of body) stored.push(chunk as Buffer);
  return Buffer.concat(stored).equals(data);
}

/** Claims a free name with an empty object carrying the pending marker. */
async function reserve(context: MinioContext, name: string, options: WriteOptions): Promise<Reservation> {
  const token = randomBytes(12).toString('hex');
  const headers = { 'If-None-Match': '*', [`x-amz-meta-${PENDING_METADATA}`]: token };
  for (let candidate = name; ; candidate = options.nextName()) {
    let etag = '';
    const outcome = await createExclusive(context.retry, {
      send: async () => {
        etag = await put(context, candidate, Buffer.alloc(0), headers);
      },
      isTaken: isPreconditionFailed,
      isOurs: async (retry) => {
        // The answer was lost: the reservation is ours if it carries our token.
        const found = await headHeaders({ ...context, retry }, candidate);
        etag = String(found?.etag ?? '');
        return found?.[`x-amz-meta-${PENDING_METADATA}`] === token;
      },
      map: (error) => mapMinioError(error, context.errorContext(candidate)),
    });
    if (outcome === 'created') return { name: candidate, etag, token };
  }
}

/** Removes a reservation if it is still ours (best effort: the write has failed already). */
async function release(context: MinioContext, reservation: Reservation): Promise<void> {
  try {
    const headers = await headHeaders(context, reservation.name);
    if (headers?.[`x-amz-meta-${PENDING_METADATA}`] !== reservation.token) return;
    await retrying(
      context.retry,
      () => context.client.removeObject(context.bucket, context.key(reservation.name)),
      (error) => mapMinioError(error, context.errorContext(reservation.name)),
    );
  } catch {
    // The original error matters more; a leftover reservation only hides one name.
  }
}

/** A completion refused with 412 means someone replaced the reservation meanwhile. */
function lostReservation(error: unknown, name: string): StorageError {
  if (!isPreconditionFailed(error)) return error as StorageError;
  return new StorageError(
    'ALREADY_EXISTS',
    `minio: ${JSON.stringify(name)} was deleted or replaced by another writer while this upload ran; nothing was stored.`,
    { name, cause: error },
  );
}

/** A PUT of a whole body; resolves with the ETag. */
async function put(context: MinioContext, name: string, data: Buffer, headers: Headers): Promise<string> {
  const response = await context.client.makeRequestAsync(
    {
      method: 'PUT',
      bucketName: context.bucket,
      objectName: context.key(name),
      headers: { ...headers, 'Content-Length': String(data.length), 'Content-MD5': md5(data) },
    },
    data,
    [200],
  );
  response.resume();
  return String(response.headers.etag ?? '');
}

/**
 * Uploads `stream` in parts of `partSize`, two at a time (src/parts.ts
 * `uploadMultipart`), and completes with `If-Match: ifMatch` when given. Aborts the
 * upload on any failure; errors are StorageErrors, except a refused completion, which
 * stays a 412 for the caller.
 */
async function uploadParts(
  context: MinioContext,
  name: string,
  stream: Readable,
  headers: Headers,
  ifMatch: string | undefined,
): Promise<void> {
  const key = context.key(name);
  const map = (error: unknown) => mapMinioError(error, context.errorContext(name));
  try {
    await uploadMultipart(stream, context.partSize, PARALLEL_PARTS, ifMatch !== undefined, {
      initiate: (attempted) =>
        retrying(
          context.retry,
          (attempt) => {
            attempted(attempt);
            return context.client.initiateNewMultipartUpload(context.bucket, key, headers);
          },
          map,
        ),
      uploadPart: (uploadId, number, part) =>
        retrying(context.retry, () => uploadPart(context, key, uploadId, number, part), map),
      complete: (uploadId, etags) =>
        retrying(context.retry, () => complete(context, key, uploadId, etags, ifMatch), map),
      completed: (etags) => completed(context, name, etags),
      abort: (uploadId) => abort(context, key, uploadId),
      abortOthers: (keep) => abortOthers(context, key, keep),
    });
  } catch (error) {
    if (isPreconditionFailed(error)) throw error;
    throw map(error);
  }
}

/** Whether `name` is the completed upload of `parts` (its multipart ETag), not a reservation. */
async function completed(context: MinioContext, name: string, parts: readonly string[]): Promise<boolean> {
  try {
    const stat = await headObject(context, name);
    return stat.etag?.replace(/"/g, '') === multipartEtag(parts);
  } catch {
    return false;
  }
}

/** Aborts the key's incomplete uploads other than `keep` (best effort). */
async function abortOthers(context: MinioContext, key: string, keep: string | undefined): Promise<void> {
  try {
    const stale: string[] = [];
    for await (const upload of context.client.listIncompleteUploads(context.bucket, key, false)) {
      if (upload.key === key && upload.uploadId !== keep) stale.push(upload.uploadId);
    }
    for (const uploadId of stale) await abort(context, key, uploadId);
  } catch {
    // The write's own outcome matters more; MinIO expires stale uploads itself.
  }
}

async function uploadPart(context: MinioContext, key: string, uploadId: string, number: number, part: Buffer) {
  const response = await context.client.makeRequestAsync(
    {
      method: 'PUT',
      bucketName: context.bucket,
      objectName: key,
      query: `partNumber=${number}&uploadId=${encodeURIComponent(uploadId)}`,
      headers: { 'Content-Length': String(part.length), 'Content-MD5': md5(part) },
    },
    part,
    [200],
  );
  response.resume();
  return String(response.headers.etag ?? '');
}

async function complete(
  context: MinioContext,
  key: string,
  uploadId: string,
  etags: string[],
  ifMatch: string | undefined,
): Promise<void> {
  const parts = etags.map(
    (etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${xmlEscape(etag)}</ETag></Part>`,
  );
  const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join('')}</CompleteMultipartUpload>`;
  const response = await context.client.makeRequestAsync(
    {
      method: 'POST',
      bucketName: context.bucket,
      objectName: key,
      query: `uploadId=${encodeURIComponent(uploadId)}`,
      headers: ifMatch === undefined ? {} : { 'If-Match': ifMatch },
    },
    body,
    [200],
  );
  throwEmbeddedError(await readText(response));
}

async function abort(context: MinioContext, key: string, uploadId: string): Promise<void> {
  try {
    await retrying(
      context.retry,
      async () => {
        const response = await context.client.makeRequestAsync(
          {
            method: 'DELETE',
            bucketName: context.bucket,
            objectName: key,
            query: `uploadId=${encodeURIComponent(uploadId)}`,
          },
          '',
          [204],
        );
        response.resume();
      },
      (error) => mapMinioError(error, context.errorContext()),
    );
  } catch {
    // Already gone (NoSuchUpload), or the server is unreachable: the original error wins,
    // and MinIO removes stale uploads itself (api.stale_uploads_expiry, 24 h by default).
  }
}

async function copyOnce(context: MinioContext, name: string, headers: Headers): Promise<void> {
  // A copy onto the name (or over its own reservation) may be repeated.
  await retrying(
    context.retry,
    async () => {
      const response = await context.client.makeRequestAsync(
        { method: 'PUT', bucketName: context.bucket, objectName: context.key(name), headers },
        '',
        [200],
      );
      throwEmbeddedError(await readText(response));
    },
    (error) => mapMinioError(error, context.errorContext(name)),
  );
}

/**
 * CompleteMultipartUpload and CopyObject may answer 200 and still fail, with an
 * `<Error>` document as the body.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
function throwEmbeddedError(body: string): void {
  const [error] = elements(body, 'Error');
  if (error !== undefined) throw s3Error(text(error, 'Code') ?? 'InternalError', text(error, 'Message') ?? 'failed');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
