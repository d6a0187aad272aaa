/**
 * A browser upload as an application runs it, for the real-browser tests: the JSON
 * endpoints an Express or Fastify app exposes over a storage (docs/browser-uploads.md),
 * and the page's side (`run`): ask the app for a multipart upload, send the parts with
 * stowage/browser, ask the app to complete it (or to abort it when the upload failed).
 */
import type { Page } from 'playwright-core';
import type { MultipartTarget, UploadedPart } from '../../src/browser/index.js';
import type { Storage } from '../../src/storage.js';
import type { PageHelpers } from './browser.js';

const MiB = 1024 * 1024;

/** What the page reports of one upload. */
export interface PageOutcome {
  ok: boolean;
  errorName?: string;
  code?: string;
  message?: string;
  /** The name the application reserved, and what its completion answered. */
  name?: string;
  uploadId?: string;
  stat?: { name: string; size: number };
  /** Every progress event's `loaded`, and the total of the first one. */
  progress: number[];
  total?: number;
  retries: Array<{ partNumber?: number | undefined; attempt: number; status: number }>;
  /** Each accepted part's number and the ETag the page read from its answer (none when CORS hides it). */
  parts: Array<{ partNumber: number; etag?: string | undefined }>;
  sha256: string;
}

export interface PageRun {
  seed: number;
  size: number;
  name: string;
  partSize?: number;
  concurrency?: number;
  /** Resume the upload kept in sessionStorage (its parts listed by the application) instead of starting one. */
  resume?: boolean;
  /** On failure, keep the upload for resuming instead of asking the application to abort it. */
  keep?: boolean;
  /** Abort once this many parts are done, then ask the application to abort. */
  abortAfterParts?: number;
  /** Ask for an upload of this size, then send a file of `size` bytes. */
  claimedSize?: number;
}

/** The application's endpoints over `storage`, as docs/browser-uploads.md shows them. */
export function uploadRoutes(storage: Storage) {
  return {
    '/uploads': (body: unknown) => {
      const { name, size, type, partSize } = body as { name: string; size: number; type: string; partSize?: number };
      return storage.createMultipartUpload(name, {
        size,
        contentType: type || undefined,
        maxSize: 100 * MiB,
        partSize,
      });
    },
    '/uploads/parts': (body: unknown) => {
      const { name, uploadId } = body as { name: string; uploadId: string };
      return storage.listUploadedParts(name, uploadId);
    },
    '/uploads/complete': (body: unknown) => {
      const { name, uploadId } = body as { name: string; uploadId: string };
      return storage.completeMultipartUpload(name, uploadId);
    },
    '/uploads/abort': (body: unknown) => {
      const { name, uploadId } = body as { name: string; uploadId: string };
      return storage.abortMultipartUpload(name, uploadId);
    },
  };
}

/**
 * In the page, as an application's script does it: asks the app for an upload (kept in
 * sessionStorage, so that a reloaded page can resume it with the parts the app lists),
 * uploads with stowage/browser, then asks the app to complete it, or to abort it when
 * the upload failed (unless `keep`).
 */
export function run(page: Page, spec: PageRun): Promise<PageOutcome> {
  return page.evaluate(async (spec) => {
    const { stowage, testFile, sha256Hex } = window as unknown as PageHelpers;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(path, { method: 'POST', body: JSON.stringify(body) });
      const answer = await response.json();
      if (!response.ok) throw Object.assign(new Error(answer.message), { code: answer.code });
      return answer;
    };
    const file = testFile(spec.seed, spec.size);
    const digest = await sha256Hex(file);
    const progress: number[] = [];
    let total: number | undefined;
    const retries: PageOutcome['retries'] = [];
    const parts: PageOutcome['parts'] = [];
    const controller = new AbortController();
    let partsDone = 0;
    let upload: MultipartTarget | undefined;
    try {
      let uploaded: UploadedPart[] | undefined;
      if (spec.resume) {
        upload = JSON.parse(sessionStorage.getItem('upload') ?? 'null') as MultipartTarget;
        uploaded = await post('/uploads/parts', { name: upload.name, uploadId: upload.uploadId });
      } else {
        const size = spec.claimedSize ?? file.size;
        upload = await post('/uploads', { name: spec.name, size, type: file.type, partSize: spec.partSize });
        sessionStorage.setItem('upload', JSON.stringify(upload));
      }
      const target = upload as MultipartTarget;
      const result = await stowage.upload(file, target, {
        concurrency: spec.concurrency,
        uploaded,
        signal: controller.signal,
        retryDelayMs: 50,
        onProgress: (event) => {
          total ??= event.total;
          progress.push(event.loaded);
        },
        onRetry: ({ partNumber, attempt, error }) => retries.push({ partNumber, attempt, status: error.status }),
        onPart: ({ partNumber, etag }) => {
          parts.push({ partNumber, etag });
          if (++partsDone === spec.abortAfterParts) controller.abort();
        },
      });
      const stat = await post('/uploads/complete', { name: result.name, uploadId: target.uploadId });
      return {
        ok: true,
        name: target.name,
        uploadId: target.uploadId,
        stat,
        progress,
        total,
        retries,
        parts,
        sha256: digest,
      };
    } catch (error) {
      const { name, code, message } = error as Error & { code?: string };
      if (upload && !spec.keep) {
        await post('/uploads/abort', { name: upload.name, uploadId: upload.uploadId }).catch(() => {});
      }
      return {
        ok: false,
        errorName: name,
        code,
        message,
        name: upload?.name,
        uploadId: upload?.uploadId,
        progress,
        total,
        retries,
        parts,
        sha256: digest,
      };
    }
  }, spec);
}
