/**
 * Nothing left behind: what a process killed in the middle of a large write leaves (its
 * reservation, an empty object with the pending marker that every other S3 tool lists,
 * and its incomplete multipart upload), found and removed once it is older than a
 * threshold, under the storage's bucket and key prefix only.
 *
 * - An upload is stale when it was initiated before the cutoff and its newest part (if
 *   any) was also uploaded before it: a writer still sending parts keeps it alive, so a
 *   slow upload of a day is never aborted while it moves.
 * - A reservation is stale when it is older than the cutoff and no live upload is
 *   writing to its key; it is deleted with `If-Match: <its ETag>`, so an upload that
 *   completes over it meanwhile (replacing it with the real object) is never deleted.
 * - Nothing else is touched: only keys under the prefix, only empty objects carrying
 *   the pending marker, only incomplete uploads.
 */
import type { CleanupOptions, CleanupReport } from '../driver.js';
import { isPending } from '../object-store.js';
import type { Requests } from './requests.js';
import type { IncompleteUpload, ListedObject, UploadPage } from './transport.js';

/** The default `olderThan`: a day, far longer than any live write leaves its reservation unchanged. */
export const DEFAULT_CLEANUP_AGE_MS = 24 * 60 * 60 * 1000;

export interface CleanupTarget {
  requests: Requests;
  bucket: string;
  /** '' or `prefix/`: the storage's keys start with it; names are keys without it. */
  keyPrefix: string;
}

/** Finds the leftovers older than `options.olderThan` and removes them (unless `dryRun`). */
export async function cleanup(target: CleanupTarget, options: CleanupOptions = {}): Promise<CleanupReport> {
  const olderThan = options.olderThan ?? DEFAULT_CLEANUP_AGE_MS;
  const cutoff = Date.now() - olderThan;
  const dryRun = options.dryRun === true;
  const report: CleanupReport = { uploads: [], reservations: [], kept: [], dryRun, olderThan };
  const progress = options.onProgress ?? (() => {});
  const pending: ListedObject[] = [];
  for await (const object of reservations(target)) pending.push(object);
  const live = new Set<string>();
  for (const upload of await incompleteUploads(target, pending)) {
    const name = upload.key.slice(target.keyPrefix.length);
    const last = await lastActivity(target, upload);
    if (last === undefined || last.getTime() >= cutoff) {
      live.add(upload.key);
      report.kept.push({
        name,
        kind: 'upload',
        reason: last === undefined ? 'no initiation date' : 'still being written',
      });
    } else {
      if (!dryRun) await abort(target, upload);
      report.uploads.push({ name, uploadId: upload.uploadId, lastActivity: last.toISOString() });
    }
    progress(report.uploads.length + report.reservations.length);
  }
  for (const object of pending) {
    const name = object.key.slice(target.keyPrefix.length);
    if (live.has(object.key)) {
      report.kept.push({ name, kind: 'reservation', reason: 'its upload is still being written' });
    } else if (object.lastModified.getTime() >= cutoff) {
      report.kept.push({ name, kind: 'reservation', reason: 'younger than the threshold' });
    } else if (object.etag === undefined) {
      report.kept.push({ name, kind: 'reservation', reason: 'no ETag to delete it by' });
    } else if (dryRun || (await removeReservation(target, object))) {
      report.reservations.push({ name, lastModified: object.lastModified.toISOString() });
    } else {
      report.kept.push({ name, kind: 'reservation', reason: 'replaced by its completed upload' });
    }
    progress(report.uploads.length + report.reservations.length);
  }
  for (const list of [report.uploads, report.reservations, report.kept])
    list.sort((a, b) => (a.name < b.name ? -1 : 1));
  return report;
}

/**
 * The incomplete uploads under the prefix, and those of each reservation's key: MinIO
 * lists uploads for one exact key only (a prefix lists nothing), so the reservations
 * say where to look; AWS and moto answer for the whole prefix.
 */
async function incompleteUploads(target: CleanupTarget, pending: readonly ListedObject[]): Promise<IncompleteUpload[]> {
  const found = new Map<string, IncompleteUpload>();
  for (const prefix of [target.keyPrefix, ...pending.map((object) => object.key)]) {
    for await (const upload of uploadsUnder(target, prefix)) {
      if (upload.key.startsWith(target.keyPrefix)) found.set(upload.uploadId, upload);
    }
  }
  return [...found.values()];
}

async function* uploadsUnder(target: CleanupTarget, prefix: string): AsyncGenerator<IncompleteUpload> {
  const { requests, bucket } = target;
  let next: UploadPage['next'];
  do {
    const page = await requests.send(prefix || undefined, 'listUploads', bucket, prefix, next);
    yield* page.uploads;
    next = page.next;
  } while (next !== undefined);
}

/** When the upload last moved: its newest part, else its initiation; undefined if unknown. */
async function lastActivity(target: CleanupTarget, upload: IncompleteUpload): Promise<Date | undefined> {
  const { requests, bucket } = target;
  let latest = upload.initiated;
  let marker: number | undefined;
  do {
    const page = await requests.send(upload.key, 'listParts', bucket, upload.key, upload.uploadId, marker);
    for (const part of page.parts) {
      if (part.lastModified && (latest === undefined || part.lastModified > latest)) latest = part.lastModified;
    }
    marker = page.next;
  } while (marker !== undefined);
  return latest;
}

async function abort(target: CleanupTarget, upload: IncompleteUpload): Promise<void> {
  const { requests, bucket } = target;
  try {
    await requests.send(upload.key, 'abortUpload', bucket, upload.key, upload.uploadId);
  } catch (error) {
    // Completed or aborted meanwhile: nothing is left of it either way.
    if (!requests.isNotFound(error)) throw error;
  }
}

/** Empty objects carrying the pending marker, under the prefix. */
async function* reservations(target: CleanupTarget): AsyncGenerator<ListedObject> {
  const { requests, bucket, keyPrefix } = target;
  let token: string | undefined;
  do {
    const page = await requests.send(keyPrefix || undefined, 'list', bucket, { prefix: keyPrefix, token });
    for (const object of page.objects) {
      if (object.size !== 0 || !object.key.startsWith(keyPrefix)) continue;
      if (object.metadata !== undefined) {
        if (isPending(object.metadata)) yield object;
        continue;
      }
      // Listings without metadata: ask for it (reservations are empty, so few objects qualify).
      const head = await requests.send(object.key, 'head', bucket, object.key);
      if (head !== undefined && head.size === 0 && isPending(head.metadata)) {
        yield { ...object, etag: head.etag, lastModified: head.lastModified };
      }
    }
    token = page.next;
  } while (token !== undefined);
}

/** Deletes a reservation only if it is still that reservation (`If-Match`); false when it was replaced. */
async function removeReservation(target: CleanupTarget, object: ListedObject): Promise<boolean> {
  const { requests, bucket } = target;
  try {
    await requests.send(object.key, 'delete', bucket, object.key, { ifMatch: object.etag });
    return true;
  } catch (error) {
    if (requests.isPreconditionFailed(error)) return false;
    if (requests.isNotFound(error)) return true;
    throw error;
  }
}
