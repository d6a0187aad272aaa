/**
 * Direct uploads from a browser, for every S3-compatible store: the name is reserved
 * first (an empty object carrying the pending marker, as a streamed save reserves it,
 * write.ts), then the page sends the bytes to presigned URLs and the application server
 * completes. What a multipart upload was signed for (size, part size, maxSize) is kept
 * in its reservation's metadata, so the completion needs only the name and the upload
 * id, checks the parts against it, and completes with `If-Match` on the reservation:
 * the upload replaces its own reservation and nothing else.
 *
 * Why a forged completion cannot complete to another name: S3 binds an upload id to its
 * key (CompleteMultipartUpload of another key answers NoSuchUpload), and the completion
 * refuses a name that holds no reservation of a presigned upload.
 */
import type { MultipartUpload, MultipartUploadOptions, ReserveOptions, UploadedPart } from '../driver.js';
import { StorageError } from '../errors.js';
import { DEFAULT_PART_SIZE, isPending, MAX_PART_SIZE, MIN_PART_SIZE, PENDING_METADATA } from '../object-store.js';
import type { ObjectHead, UploadedPart as StoredPart } from './transport.js';
import { completed, release, reserve, type WriteTarget } from './write.js';

/** What a direct upload needs beside the writer's target. */
export interface DirectUploadTarget extends WriteTarget {
  /** A URL signed for the external origin, with the external path prefix added. */
  external(url: string): string;
  urlExpirySeconds: number;
}

/** S3's limit of parts per upload. */
const MAX_PARTS = 10_000;
/** Reservation metadata (`x-amz-meta-*`) of a presigned multipart upload: what it was signed for. */
const PLAN_SIZE = 'stowage-upload-size';
const PLAN_PART_SIZE = 'stowage-upload-part-size';
const PLAN_MAX_SIZE = 'stowage-upload-max-size';

interface Plan {
  size: number;
  partSize: number;
  maxSize: number;
}

/** Reserves the name of a POST-policy upload (unless it overwrites); resolves with the name reserved. */
export async function reserveUploadName(target: WriteTarget, name: string, options: ReserveOptions): Promise<string> {
  if (options.overwrite) return name;
  return (await reserve(target, name, options)).name;
}

/** Reserves a name, initiates the upload and presigns one URL per part, each bound to its length. */
export async function createMultipart(
  target: DirectUploadTarget,
  name: string,
  options: MultipartUploadOptions,
): Promise<MultipartUpload> {
  const { requests, bucket } = target;
  const plan = {
    size: options.size,
    partSize: options.partSize ?? partSizeFor(options.size),
    maxSize: options.maxSize,
  };
  checkPlan(plan);
  const expiresIn = options.expiresIn ?? target.urlExpirySeconds;
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const reservation = await reserve(target, name, options, {
    [PLAN_SIZE]: String(plan.size),
    [PLAN_PART_SIZE]: String(plan.partSize),
    [PLAN_MAX_SIZE]: String(plan.maxSize),
  });
  const key = target.key(reservation.name);
  let uploadId: string | undefined;
  try {
    uploadId = await requests.send(
      reservation.name,
      'createUpload',
      bucket,
      key,
      { contentType: options.contentType },
      undefined,
    );
    const parts = [];
    for (const { partNumber, length } of expectedParts(plan)) {
      const url = await requests.send(
        reservation.name,
        'presignPart',
        bucket,
        key,
        uploadId,
        partNumber,
        length,
        expiresIn,
      );
      parts.push({ partNumber, url: target.external(url) });
    }
    return { name: reservation.name, uploadId, size: plan.size, partSize: plan.partSize, parts, expiresAt };
  } catch (error) {
    if (uploadId !== undefined) await requests.send(name, 'abortUpload', bucket, key, uploadId).catch(() => {});
    await release(target, reservation);
    throw error;
  }
}

/**
 * Completes `uploadId` over the reservation of `name` after checking its parts against
 * the reservation's plan; a mismatch aborts the upload, removes the reservation and
 * rejects with PRECONDITION_FAILED.
 */
export async function completeMultipart(target: DirectUploadTarget, name: string, uploadId: string): Promise<void> {
  const { requests, bucket } = target;
  const key = target.key(name);
  const head = await requests.send(name, 'head', bucket, key);
  const plan = head && readPlan(head);
  if (!head || !plan) {
    throw new StorageError(
      'PRECONDITION_FAILED',
      `${requests.transport.driver}: ${JSON.stringify(name)} holds no presigned upload in progress (completed, aborted, or never started with createMultipartUpload); nothing was completed.`,
      { name },
    );
  }
  const parts = await listParts(target, name, uploadId);
  const problem = mismatch(plan, parts);
  if (problem !== undefined) {
    await requests.send(name, 'abortUpload', bucket, key, uploadId).catch(() => {});
    await release(target, { name, etag: head.etag, token: head.metadata[PENDING_METADATA] as string });
    throw new StorageError(
      'PRECONDITION_FAILED',
      `${requests.transport.driver}: the upload of ${JSON.stringify(name)} does not match what was signed (${problem}); it was aborted and its name released.`,
      { name },
    );
  }
  const stored: StoredPart[] = parts.map(({ number, etag, checksum }) => ({ number, etag, checksum }));
  const conditions = { ifMatch: target.conditionalWrites ? head.etag : undefined };
  await requests
    .send(name, 'completeUpload', bucket, key, uploadId, stored, conditions)
    .catch(async (error: unknown) => {
      // A completion whose answer was lost is retried into 412 or NoSuchUpload.
      if (!(await completed(target, key, stored))) throw error;
    });
}

/** The parts of `uploadId` the store holds, in order; NOT_FOUND when the upload is gone. */
export async function listUploaded(target: WriteTarget, name: string, uploadId: string): Promise<UploadedPart[]> {
  return (await listParts(target, name, uploadId)).map(({ number, size, etag }) => ({
    partNumber: number,
    size,
    etag,
  }));
}

/**
 * Aborts `uploadId`, then removes the reservation of `name`. When the store does not
 * know the upload as this name's (gone already, or another name's), nothing is touched.
 */
export async function abortMultipart(target: WriteTarget, name: string, uploadId: string): Promise<void> {
  const { requests, bucket } = target;
  const key = target.key(name);
  try {
    // MinIO aborts an upload id given with another key (204), so the pair is checked first:
    // ListParts answers NoSuchUpload unless the upload is this key's.
    await requests.send(name, 'listParts', bucket, key, uploadId, undefined);
    await requests.send(name, 'abortUpload', bucket, key, uploadId);
  } catch (error) {
    if (requests.isNotFound(error)) return;
    throw error;
  }
  const head = await requests.send(name, 'head', bucket, key);
  if (head && readPlan(head)) {
    await release(target, { name, etag: head.etag, token: head.metadata[PENDING_METADATA] as string });
  }
}

/** The default part size: 8 MiB, larger when the file would need more than 10,000 parts. */
function partSizeFor(size: number): number {
  return Math.max(DEFAULT_PART_SIZE, Math.ceil(size / MAX_PARTS / MIN_PART_SIZE) * MIN_PART_SIZE);
}

function checkPlan(plan: Plan): void {
  const { size, partSize } = plan;
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    throw new StorageError(
      'INVALID_CONFIG',
      `partSize must be a whole number of bytes from ${MIN_PART_SIZE} (5 MiB) to ${MAX_PART_SIZE} (5 GiB), S3's part limits; got ${partSize}.`,
    );
  }
  if (Math.ceil(size / partSize) > MAX_PARTS) {
    throw new StorageError(
      'INVALID_CONFIG',
      `${size} bytes in parts of ${partSize} need more than ${MAX_PARTS} parts (S3's limit); choose a larger partSize.`,
    );
  }
}

/** Every part's number and length: all `partSize` but the last; one part (maybe empty) at least. */
function expectedParts(plan: Plan): Array<{ partNumber: number; length: number }> {
  const count = Math.max(1, Math.ceil(plan.size / plan.partSize));
  return Array.from({ length: count }, (_, index) => ({
    partNumber: index + 1,
    length: Math.min(plan.partSize, plan.size - index * plan.partSize),
  }));
}

/** The plan in a reservation's metadata; undefined for anything else (a file, a streamed save's reservation). */
function readPlan(head: ObjectHead): Plan | undefined {
  if (!isPending(head.metadata)) return undefined;
  const [size, partSize, maxSize] = [PLAN_SIZE, PLAN_PART_SIZE, PLAN_MAX_SIZE].map((field) =>
    Number(head.metadata[field] ?? Number.NaN),
  ) as [number, number, number];
  if (![size, partSize, maxSize].every(Number.isSafeInteger)) return undefined;
  return { size, partSize, maxSize };
}

/** Why `parts` are not the upload that was signed; undefined when they are. */
function mismatch(plan: Plan, parts: ReadonlyArray<{ number: number; size: number }>): string | undefined {
  const total = parts.reduce((sum, part) => sum + part.size, 0);
  if (total > plan.maxSize) return `${total} bytes uploaded, more than maxSize ${plan.maxSize}`;
  const expected = expectedParts(plan);
  if (parts.length !== expected.length) return `${parts.length} parts uploaded of ${expected.length}`;
  for (const [index, part] of parts.entries()) {
    const wanted = expected[index] as { partNumber: number; length: number };
    if (part.number !== wanted.partNumber || part.size !== wanted.length) {
      return `part ${part.number} holds ${part.size} bytes where part ${wanted.partNumber} should hold ${wanted.length}`;
    }
  }
  return undefined;
}

async function listParts(target: WriteTarget, name: string, uploadId: string) {
  const { requests, bucket } = target;
  const key = target.key(name);
  const parts = [];
  let next: number | undefined;
  do {
    const page = await requests.send(name, 'listParts', bucket, key, uploadId, next);
    parts.push(...page.parts);
    next = page.next;
  } while (next !== undefined);
  return parts.sort((a, b) => a.number - b.number);
}
