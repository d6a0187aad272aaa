/**
 * Writing and copying without ever overwriting by accident, and without leaving anything
 * behind when a write fails, the same on every S3-compatible server.
 *
 * - A body that fits in one part goes in one PUT with `If-None-Match: *`; when the name
 *   is taken (412) the same bytes go again under `nextName()`.
 * - A longer stream cannot be replayed under another name once it is consumed, so it
 *   first reserves its name (an empty conditional PUT carrying the pending marker,
 *   src/object-store.ts), is uploaded in parts (src/parts.ts), and completes with
 *   `If-Match: <reservation ETag>`: it replaces only its own reservation. On any failure
 *   the upload is aborted and the reservation removed if it is still ours.
 * - CopyObject: MinIO and moto ignore `If-None-Match` on the destination (the copy
 *   overwrites), so an exclusive copy reserves its target and copies over the
 *   reservation (`If-Match`), the source pinned with `x-amz-copy-source-if-match`.
 * - Lost answers: every save carries a random token in its metadata (WRITE_METADATA,
 *   a reservation its own), so that a create whose attempt failed after it may have
 *   reached the server is checked for that token before a 412 sends it to another name,
 *   and a save whose completion's answer and check both failed is still found stored; a
 *   save never moves on to another name while it cannot tell whether the name holds its
 *   write. A completion is checked by its multipart ETag; a copy by the source's ETag; an
 *   initiation whose answer was lost leaves an upload nobody knows the id of, which is
 *   searched for and aborted.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { FileStat, WriteBody, WriteOptions } from '../driver.js';
import { StorageError } from '../errors.js';
import {
  isPending,
  multipartEtag,
  PENDING_METADATA,
  RESERVED_METADATA,
  readHead,
  type StreamRest,
  WRITE_METADATA,
} from '../object-store.js';
import { type EnvName, option } from '../options.js';
import { uploadInParts } from '../parts.js';
import { backoffDelay, type RetryPolicy, sleep } from '../retry.js';
import { mayHaveLanded } from '../s3-errors.js';
import { AwsChunkedStream, Crc32, NATIVE_CRC32 } from './aws-chunked.js';
import { clashOf, explainClash } from './clash.js';
import type { ConditionalProbe } from './conditional.js';
import type { Requests } from './requests.js';
import type { Conditions, ObjectAttributes, UploadedPart } from './transport.js';

// 2 × 8 MiB parts in flight and a third filling, in reused buffers: a 1 GiB save peaks
// at about +27 to +43 MiB; 4 or 8 in flight measured no faster on a 2-core machine with
// the server on it, and 8 go past the 64 MiB memory target (docs/benchmarks.md, "Parts in
// flight").
export const DEFAULT_QUEUE_SIZE = 2;
const MAX_QUEUE_SIZE = 64;

/** The `queueSize` option of both object-store drivers: parts in flight per multipart upload. */
export function queueSizeOption(env: EnvName) {
  return option.number({
    min: 1,
    max: MAX_QUEUE_SIZE,
    default: DEFAULT_QUEUE_SIZE,
    env,
    doc: 'parts in flight per upload (one more part in memory fills meanwhile)',
  });
}

/** What the writer needs to know of the store. */
export interface WriteTarget {
  requests: Requests;
  bucket: string;
  /** The object key of a name (any location prefix added). */
  key(name: string): string;
  partSize: number;
  /** Parts in flight per upload; one more part's buffer fills meanwhile (src/parts.ts). */
  parallelParts: number;
  /** False for servers without conditional writes: check, then write (not race-free). */
  conditionalWrites: boolean;
  /** Asked before the first conditional create when the server is not trusted yet (conditional.ts). */
  probe?: ConditionalProbe | undefined;
  /**
   * Whether parts go with a CRC32 and an unsigned payload (see `sendPart`); turned off
   * for good once the server shows it does not check part checksums.
   */
  partChecksums: { enabled: boolean };
}

export interface Reservation {
  name: string;
  etag: string | undefined;
  token: string;
}

/** Stores `body` under `name`, or under `nextName()` while names are taken; resolves with the name stored. */
export async function writeObject(
  target: WriteTarget,
  name: string,
  body: WriteBody,
  options: WriteOptions,
): Promise<string> {
  try {
    return await write(target, name, body, options);
  } catch (error) {
    throw await explainClash(target.requests, target.key, name, error);
  }
}

async function write(target: WriteTarget, name: string, body: WriteBody, options: WriteOptions): Promise<string> {
  const reserved = Object.keys(options.metadata ?? {}).find((key) => RESERVED_METADATA.includes(key.toLowerCase()));
  if (reserved !== undefined) {
    throw new StorageError('INVALID_CONFIG', `The metadata key ${reserved} is reserved by stowage.`, { name });
  }
  // Tells this save's object from any other after a lost answer (WRITE_METADATA).
  // randomUUID draws from a pooled buffer: randomBytes(12) per save was 3 % of a 4 KiB save's CPU.
  const token = randomUUID();
  const attributes: ObjectAttributes = {
    contentType: options.contentType,
    cacheControl: options.cacheControl,
    contentDisposition: options.contentDisposition,
    metadata: { ...options.metadata, [WRITE_METADATA]: token },
  };
  if (body.kind === 'bytes') {
    const data = Buffer.from(body.data.buffer, body.data.byteOffset, body.data.byteLength);
    return await putOnce(target, name, data, attributes, token, options);
  }
  if (streamsInOne(target, body.size)) {
    return putStreamed(target, name, { ...body, size: body.size }, attributes, token, options);
  }
  const { head, rest } = await readHead(body.stream, target.partSize).catch((error: unknown) => {
    throw target.requests.map(error, name);
  });
  if (rest === undefined) return putOnce(target, name, head, attributes, token, options);
  if (options.overwrite) {
    await uploadStream(target, name, rest, attributes, undefined);
    return name;
  }
  return overReservation(target, name, options, token, rest, (reservation) =>
    uploadStream(target, reservation.name, rest, attributes, reservation.etag),
  );
}

/**
 * The exclusive write of a stream: reserves `name` (or the next free name), runs `upload`
 * over the reservation, and resolves with the name it stored under; on failure ends as
 * `storedAfterAll` does. `source` is destroyed when no name could be reserved.
 */
async function overReservation(
  target: WriteTarget,
  name: string,
  options: WriteOptions,
  token: string,
  source: { destroy(): void },
  upload: (reservation: Reservation) => Promise<void>,
): Promise<string> {
  const reservation = await reserve(target, name, options).catch((error: unknown) => {
    source.destroy();
    throw error;
  });
  try {
    await upload(reservation);
    return reservation.name;
  } catch (error) {
    return storedAfterAll(target, reservation, token, error);
  }
}

/**
 * After an upload over `reservation` failed: its name when the save's object is there
 * after all (a completion whose answer was lost, and whose check failed too), else the
 * reservation is released and the failure thrown.
 */
async function storedAfterAll(
  target: WriteTarget,
  reservation: Reservation,
  token: string,
  error: unknown,
): Promise<string> {
  if (await holdsWrite(target.requests, target, reservation.name, token).catch(() => false)) return reservation.name;
  await release(target, reservation);
  throw lostRace(target, error, reservation.name);
}

/**
 * The largest body of known length sent as one streamed PUT (`putStreamed`); longer ones
 * go in parts. One PUT spends less client CPU and memory than parts (no copy into part
 * buffers, one request), but the server verifies one aws-chunked stream on one core where
 * two parts in flight use two: on an idle 2-core machine with MinIO (docs/benchmarks.md)
 * the streamed PUT was level with parts or faster at 64 MiB, and slower at 256 MiB and
 * 1 GiB (0.76× to 0.81×). A connection lost in its middle costs the whole PUT again where
 * a multipart upload resends one part, and fails the save when the content is a one-shot
 * stream.
 */
export const STREAMED_PUT_LIMIT = 64 * 1024 * 1024;

/**
 * Whether a stream of `size` bytes goes as one streamed PUT: its length is known, it is
 * longer than a part (a shorter one is read whole and PUT, replayable under another name),
 * and the server is not known to skip checksums.
 */
function streamsInOne(target: WriteTarget, size: number | undefined): size is number {
  return (
    size !== undefined &&
    size > target.partSize &&
    size <= STREAMED_PUT_LIMIT &&
    target.partChecksums.enabled &&
    NATIVE_CRC32
  );
}

/** A stream of known length for one streamed PUT, and how to read it again when it can be. */
interface SizedBody {
  stream: Readable;
  size: number;
  reopen?: (() => Readable) | undefined;
}

/**
 * Stores a stream of exactly `size` bytes in one PUT, aws-chunked with a trailing CRC32
 * the server verifies (src/object-store/aws-chunked.ts): a corrupted byte makes the server
 * refuse the whole object, so nothing is stored. Exclusive as a multipart upload is: the
 * name is reserved first and the PUT replaces only that reservation (`If-Match`); after a
 * failure the save's own object is looked for (its write token) and the reservation
 * removed when it is not there (`overReservation`). A failed PUT is sent again by the
 * retry policy when its content can be read again (`reopen`: a Blob); a one-shot stream
 * cannot be, so its failure is the save's (UNAVAILABLE when retryable).
 */
async function putStreamed(
  target: WriteTarget,
  name: string,
  body: SizedBody,
  attributes: ObjectAttributes,
  token: string,
  options: WriteOptions,
): Promise<string> {
  if (options.overwrite) {
    await sendStreamed(target, name, body, attributes, {});
    return name;
  }
  return overReservation(target, name, options, token, body.stream, (reservation) =>
    sendStreamed(target, reservation.name, body, attributes, {
      ifMatch: target.conditionalWrites ? reservation.etag : undefined,
    }),
  );
}

/**
 * One streamed PUT, sent again from the start of the content while the policy allows
 * when the content can be read again. A PUT whose answer was lost and that is sent again
 * over the reservation is refused (412: the reservation is gone); `overReservation` then
 * finds the save's own object by its write token, so the object is stored once.
 *
 * A server that answers without echoing the trailer's CRC32 did not check it (as for
 * parts, see `sendPart`): the object is read back and compared with the CRC32 of what was
 * sent, removed if it differs, and later saves of this driver go in parts with their
 * Content-MD5.
 */
async function sendStreamed(
  target: WriteTarget,
  name: string,
  content: SizedBody,
  attributes: ObjectAttributes,
  conditions: Conditions,
): Promise<void> {
  const { requests, bucket } = target;
  const { size, reopen } = content;
  const key = target.key(name);
  const send = async (source: Readable) => {
    const body = new AwsChunkedStream(source);
    try {
      return { body, put: await requests.sendOnce('putStream', bucket, key, body, size, attributes, conditions) };
    } catch (error) {
      body.destroy();
      throw error;
    }
  };
  const { body, put } =
    reopen === undefined
      ? await send(content.stream).catch((error: unknown) => Promise.reject(requests.map(error, name)))
      : await requests.repeat(name, (attempt) => send(attempt === 1 ? content.stream : reopen()));
  if (put.checksum === body.checksum()) return;
  target.partChecksums.enabled = false;
  if (await storedAsSent(target, key, put.etag, size, body.checksum())) return;
  await requests.send(name, 'delete', bucket, key, { ifMatch: put.etag }).catch(() => {});
  throw new StorageError(
    'UNAVAILABLE',
    `${requests.transport.driver}: the server stored other bytes than were sent for ${JSON.stringify(name)} (and did not check their checksum); nothing was kept. Save it again.`,
    { name, retryable: true },
  );
}

/** Whether `key` (of version `etag`) holds `size` bytes whose CRC32 is `checksum`. */
async function storedAsSent(
  target: WriteTarget,
  key: string,
  etag: string,
  size: number,
  checksum: string,
): Promise<boolean> {
  try {
    const stored = await target.requests.send(undefined, 'get', target.bucket, key, undefined, etag || undefined);
    if (stored === undefined || stored.head.size !== size) {
      stored?.body.destroy();
      return false;
    }
    const crc = new Crc32();
    for await (const chunk of stored.body) crc.update(chunk as Buffer);
    return crc.digest() === checksum;
  } catch {
    return false;
  }
}

/** Copies `from` (described by `source`) to `to` on the server; exclusive unless `options.overwrite`. */
export async function copyObject(
  target: WriteTarget,
  from: string,
  source: FileStat,
  to: string,
  options: WriteOptions,
): Promise<string> {
  return copyTo(target, from, source, to, options).catch(async (error: unknown) => {
    throw await explainClash(target.requests, target.key, to, error);
  });
}

async function copyTo(
  target: WriteTarget,
  from: string,
  source: FileStat,
  to: string,
  options: WriteOptions,
): Promise<string> {
  const { requests, bucket } = target;
  const copy = (name: string, conditions: Conditions) =>
    requests.send(from, 'copy', bucket, target.key(from), target.key(name), source.etag, conditions);
  if (options.overwrite) {
    await copy(to, {});
    return to;
  }
  const reservation = await reserve(target, to, options);
  try {
    await copy(reservation.name, { ifMatch: target.conditionalWrites ? reservation.etag : undefined });
    return reservation.name;
  } catch (error) {
    // A copy whose answer was lost is retried into 412 (its reservation is gone): the
    // copy is there if the name holds the source's ETag and no reservation.
    if (requests.isPreconditionFailed(error) && (await holdsCopy(target, reservation.name, source))) {
      return reservation.name;
    }
    await release(target, reservation);
    throw lostRace(target, error, reservation.name);
  }
}

/** One PUT of a whole body: exclusive (retried under the next name while taken) unless overwriting. */
async function putOnce(
  target: WriteTarget,
  name: string,
  data: Buffer,
  attributes: ObjectAttributes,
  token: string,
  options: WriteOptions,
): Promise<string> {
  const { requests, bucket } = target;
  if (options.overwrite) {
    await requests.send(name, 'put', bucket, target.key(name), data, attributes, {});
    return name;
  }
  for (let candidate = name; ; candidate = options.nextName()) {
    if (!target.conditionalWrites) {
      if (await nameTaken(target, candidate)) continue;
      await requests.send(candidate, 'put', bucket, target.key(candidate), data, attributes, {});
      return candidate;
    }
    const outcome = await createExclusive(target, candidate, {
      send: () => requests.sendOnce('put', bucket, target.key(candidate), data, attributes, { ifNoneMatch: true }),
      isOurs: (policy) => holdsWrite(requests.withPolicy(policy), target, candidate, token),
    });
    if (outcome !== undefined) return candidate;
  }
}

/**
 * Claims a free name with an empty object carrying the pending marker and a token of
 * this writer (and `metadata`, e.g. what a presigned upload was signed for).
 */
export async function reserve(
  target: WriteTarget,
  name: string,
  options: Pick<WriteOptions, 'nextName'>,
  metadata: Readonly<Record<string, string>> = {},
): Promise<Reservation> {
  const { requests, bucket } = target;
  const token = randomUUID();
  const attributes: ObjectAttributes = {
    contentType: 'application/octet-stream',
    metadata: { ...metadata, [PENDING_METADATA]: token },
  };
  const empty = Buffer.alloc(0);
  for (let candidate = name; ; candidate = options.nextName()) {
    const key = target.key(candidate);
    if (!target.conditionalWrites) {
      if (await nameTaken(target, candidate)) continue;
      const etag = await requests.send(candidate, 'put', bucket, key, empty, attributes, {});
      return { name: candidate, etag, token };
    }
    let etag: string | undefined;
    const outcome = await createExclusive(target, candidate, {
      send: () => requests.sendOnce('put', bucket, key, empty, attributes, { ifNoneMatch: true }),
      isOurs: async (policy) => {
        // The answer was lost: the reservation is ours if it carries our token.
        const head = await requests.withPolicy(policy).send(candidate, 'head', bucket, key);
        etag = head?.etag;
        return head?.metadata[PENDING_METADATA] === token;
      },
    });
    if (outcome !== undefined) return { name: candidate, etag: outcome === true ? etag : outcome, token };
  }
}

/** Removes a reservation if it is still ours (best effort: the write has failed already). */
export async function release(target: WriteTarget, reservation: Reservation): Promise<void> {
  const { requests, bucket } = target;
  const key = target.key(reservation.name);
  try {
    const head = await requests.send(reservation.name, 'head', bucket, key);
    if (head?.metadata[PENDING_METADATA] !== reservation.token) return;
    await requests.send(reservation.name, 'delete', bucket, key, { ifMatch: head.etag });
  } catch {
    // Gone, replaced in between (412), or the server is away: the write's own error
    // matters more, and a leftover reservation only hides one name.
  }
}

/**
 * Uploads `stream` in parts, `parallelParts` at a time (src/parts.ts), completing with
 * `If-Match: ifMatch` when given. On any failure the stream is released and the upload
 * aborted; a refused completion stays a 412 for the caller.
 */
async function uploadStream(
  target: WriteTarget,
  name: string,
  stream: StreamRest,
  attributes: ObjectAttributes,
  ifMatch: string | undefined,
): Promise<void> {
  const { requests, bucket } = target;
  const key = target.key(name);
  let uploadId: string | undefined;
  let initiations = 0;
  // Each part's CRC32 is summed as it fills, and announced (the server then wants a sum on each).
  const summed = target.partChecksums.enabled && NATIVE_CRC32;
  try {
    const id = await requests.repeat(name, (attempt) => {
      initiations = attempt;
      return requests.sendOnce('createUpload', bucket, key, attributes, summed ? 'CRC32' : undefined);
    });
    uploadId = id;
    const parts: UploadedPart[] = [];
    const upload = async (number: number, part: Buffer, crc32: string | undefined) => {
      const uploaded = await sendPart(target, name, key, id, number, part, crc32);
      parts[number - 1] = uploaded;
      return uploaded.etag;
    };
    await uploadInParts(stream, target.partSize, target.parallelParts, upload, summed);
    const conditions = { ifMatch: target.conditionalWrites ? ifMatch : undefined };
    await requests.send(name, 'completeUpload', bucket, key, id, parts, conditions).catch(async (error: unknown) => {
      // A completion whose answer was lost is retried into 412 or NoSuchUpload.
      if (!(await completed(target, key, parts))) throw error;
    });
  } catch (error) {
    stream.destroy();
    if (uploadId !== undefined) await requests.send(name, 'abortUpload', bucket, key, uploadId).catch(() => {});
    throw error;
  } finally {
    // An initiation retried, or failed, may have left an upload nobody knows the id of.
    const unsure = initiations > 1 || (initiations === 1 && uploadId === undefined);
    if (unsure && ifMatch !== undefined) await abortOthers(target, key, uploadId);
  }
}

/**
 * Uploads one part, covered by a checksum the server verifies. Normally that is a CRC32
 * (computed natively by zlib, about 30 times cheaper than the SHA-256 payload signature
 * and the Content-MD5 it replaces) with an unsigned payload: the server refuses a part
 * whose bytes do not match it (BadDigest, XAmzContentChecksumMismatch), and the part is
 * sent again from its buffer. A server that answers without echoing the checksum did not
 * check it: that part is sent again signed, with its Content-MD5, and so are all later
 * parts of this driver, so that no byte goes unchecked on any server.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
async function sendPart(
  target: WriteTarget,
  name: string,
  key: string,
  uploadId: string,
  number: number,
  part: Buffer,
  /** The part's CRC32, summed as it filled (src/parts.ts); undefined when the upload sends none. */
  crc32: string | undefined,
): Promise<UploadedPart> {
  const { requests, bucket } = target;
  if (crc32 !== undefined && target.partChecksums.enabled) {
    const uploaded = await requests.send(name, 'uploadPart', bucket, key, uploadId, number, part, crc32);
    if (uploaded.checksum === crc32) return uploaded;
    target.partChecksums.enabled = false;
  }
  return requests.send(name, 'uploadPart', bucket, key, uploadId, number, part, undefined);
}

/** Whether `key` is the completed upload of `parts` (its multipart ETag), not a reservation. */
export async function completed(target: WriteTarget, key: string, parts: readonly UploadedPart[]): Promise<boolean> {
  try {
    const head = await target.requests.send(undefined, 'head', target.bucket, key);
    const etag = multipartEtag(parts.map((part) => part.etag));
    return head !== undefined && !isPending(head.metadata) && head.etag?.replace(/"/g, '') === etag;
  } catch {
    return false;
  }
}

/** Aborts the key's incomplete uploads other than `keep` (best effort: servers expire stale uploads too). */
async function abortOthers(target: WriteTarget, key: string, keep: string | undefined): Promise<void> {
  const { requests, bucket } = target;
  try {
    const { uploads } = await requests.send(undefined, 'listUploads', bucket, key);
    for (const upload of uploads) {
      if (upload.key === key && upload.uploadId !== keep) {
        await requests.send(undefined, 'abortUpload', bucket, key, upload.uploadId).catch(() => {});
      }
    }
  } catch {
    // The write's own outcome matters more.
  }
}

/** Whether `name` holds the object of the save that wrote `token` (WRITE_METADATA), not a reservation. */
async function holdsWrite(requests: Requests, target: WriteTarget, name: string, token: string): Promise<boolean> {
  const head = await requests.send(name, 'head', target.bucket, target.key(name));
  return head !== undefined && !isPending(head.metadata) && head.metadata[WRITE_METADATA] === token;
}

/** Whether `name` is a finished copy of `source` (same size and ETag, not a reservation). */
async function holdsCopy(target: WriteTarget, name: string, source: FileStat): Promise<boolean> {
  try {
    const copied = await target.requests.send(name, 'head', target.bucket, target.key(name));
    return (
      copied !== undefined &&
      !isPending(copied.metadata) &&
      source.etag !== undefined &&
      copied.etag === source.etag &&
      copied.size === source.size
    );
  } catch {
    return false;
  }
}

/** True when an object (or a reservation) holds the name: the exists-then-write fallback. */
async function nameTaken(target: WriteTarget, name: string): Promise<boolean> {
  return (await target.requests.send(name, 'head', target.bucket, target.key(name))) !== undefined;
}

/** A 412 at the end of a write: the reservation was deleted or replaced by another writer. */
function lostRace(target: WriteTarget, error: unknown, name: string): StorageError {
  if (!target.requests.isPreconditionFailed(error)) return target.requests.map(error, name);
  return new StorageError(
    'ALREADY_EXISTS',
    `${target.requests.transport.driver}: ${JSON.stringify(name)} was deleted or replaced by another writer while this write ran; nothing was stored.`,
    { name, cause: error },
  );
}

/** One create-only-if-absent request, as `createExclusive` drives it. */
interface ExclusiveCreate {
  /** Sends the request once; resolves with the ETag, rejects with the SDK's error. */
  send(): Promise<string>;
  /** Whether the name now holds exactly what `send` wrote (asked only after an ambiguous failure). */
  isOurs(policy: RetryPolicy): Promise<boolean>;
}

/**
 * Sends an exclusive create with retries; resolves with the ETag (or `true` when a
 * check found the create landed), or undefined when the name belongs to someone else.
 * After an ambiguous failure, a 412 on the retry, or running out of attempts, is
 * checked with `isOurs()`. The check after running out asks once (the server may be
 * down), so that a write gives up within maxAttempts + 1 request timeouts.
 */
async function createExclusive(
  target: WriteTarget,
  name: string,
  create: ExclusiveCreate,
): Promise<string | true | undefined> {
  const { requests } = target;
  const { policy } = requests;
  await target.probe?.check();
  let ambiguous = false;
  for (let attempt = 1; ; attempt++) {
    try {
      return await create.send();
    } catch (error) {
      // A directory of other objects holds the name (a POSIX-backed server): taken, as by a file.
      if (clashOf(requests, error) === 'name-is-directory') return undefined;
      if (requests.isPreconditionFailed(error)) {
        // A client with its own retries (a `client` option) may have repeated it already.
        const maybeOurs = ambiguous || (requests.facts(error).attempts ?? 1) > 1;
        if (!maybeOurs) return undefined;
        // Unanswered, the name may hold this write: moving on to another name would leave it there.
        const isOurs = await create.isOurs(policy).catch((checkError: unknown) => {
          throw requests.map(checkError, name);
        });
        return isOurs ? true : undefined;
      }
      const mapped = requests.map(error, name);
      ambiguous ||= mayHaveLanded(error);
      if (!mapped.retryable || attempt >= policy.maxAttempts) {
        if (ambiguous && (await ours(create, { ...policy, maxAttempts: 1 }))) return true;
        throw mapped;
      }
      await sleep(backoffDelay(policy, attempt));
    }
  }
}

/** `isOurs()`, where a failure to ask (server still down) counts as "not known to be ours". */
async function ours(create: ExclusiveCreate, policy: RetryPolicy): Promise<boolean> {
  try {
    return await create.isOurs(policy);
  } catch {
    return false;
  }
}
