/**
 * stowage/browser's multipart uploads in a real page (headless Chromium) against
 * MinIO on another origin, through a proxy that records what the page sends and can
 * answer a part with 503: parallel parts with progress, then open() gives identical
 * bytes; a part that fails once is retried; an upload stopped by a reload resumes from
 * the parts listed by the server; an aborted upload stops sending; a file of another
 * size than the upload was made for is refused before any byte goes out.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../contracts/context.js';
import { createS3Storage } from '../drivers/s3/index.js';
import type { MultipartTarget, UploadedPart } from '../src/browser/index.js';
import { appServer, openPage, type PageHelpers, requireBrowserOrSkip, storeProxy } from './support/browser.js';
import { adminClient, incompleteUploads, randomBucket, removeBucket, s3Connection } from './support/object-stores.js';
import { requireServerOrSkip } from './support/servers.js';

const MiB = 1024 * 1024;

/** What the page reports of one upload. */
interface PageOutcome {
  ok: boolean;
  errorName?: string;
  code?: string;
  message?: string;
  parts?: UploadedPart[];
  /** Every progress event's `loaded`, and the total of the first one. */
  progress: number[];
  total?: number;
  retries: Array<{ partNumber?: number | undefined; attempt: number; status: number }>;
  sha256: string;
}

interface PageRun {
  seed: number;
  size: number;
  target: MultipartTarget;
  concurrency?: number;
  uploaded?: UploadedPart[];
  /** Abort once this many parts are done. */
  abortAfterParts?: number;
}

const server = await requireServerOrSkip('s3', 'browser multipart uploads');
const browser = server && (await requireBrowserOrSkip('browser multipart uploads'));

if (server && browser) {
  const app = await appServer();
  const proxy = await storeProxy(server.endpoint);
  const admin = adminClient(server);
  const bucket = randomBucket('multipart');
  const storage = createS3Storage({ ...s3Connection(server), bucket, privateBuckets: [bucket] });
  const direct = new S3Client({ ...s3Connection(server), forcePathStyle: true });
  const signer = new S3Client({ ...s3Connection(server, proxy.endpoint), forcePathStyle: true });
  const test = suite('browser multipart uploads');
  let page: Page;

  test.before(async () => {
    await storage.initializeBuckets();
    page = await openPage(browser, app);
  });
  test.after(async () => {
    await browser.close();
    await app.close();
    await proxy.close();
    await removeBucket(admin, bucket);
    await storage.close();
  });

  /** The server side: initiates an upload and presigns one URL per part, for the proxy's endpoint. */
  async function begin(name: string, size: number, partSize: number): Promise<MultipartTarget> {
    const { UploadId } = await direct.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: name }));
    const uploadId = UploadId as string;
    const count = Math.max(1, Math.ceil(size / partSize));
    const parts = [];
    for (let partNumber = 1; partNumber <= count; partNumber++) {
      const command = new UploadPartCommand({ Bucket: bucket, Key: name, UploadId: uploadId, PartNumber: partNumber });
      parts.push({ partNumber, url: await getSignedUrl(signer, command, { expiresIn: 600 }) });
    }
    return { name, uploadId, partSize, parts };
  }

  async function listed(target: MultipartTarget): Promise<UploadedPart[]> {
    const { Parts } = await direct.send(
      new ListPartsCommand({ Bucket: bucket, Key: target.name, UploadId: target.uploadId }),
    );
    return (Parts ?? []).map((part) => ({ partNumber: part.PartNumber ?? 0, size: part.Size ?? 0, etag: part.ETag }));
  }

  async function complete(target: MultipartTarget): Promise<void> {
    const parts = await listed(target);
    await direct.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: target.name,
        UploadId: target.uploadId,
        MultipartUpload: { Parts: parts.map((part) => ({ PartNumber: part.partNumber, ETag: part.etag })) },
      }),
    );
  }

  function run(page: Page, spec: PageRun): Promise<PageOutcome> {
    return page.evaluate(async (spec) => {
      const { stowage, testFile, sha256Hex } = window as unknown as PageHelpers;
      const file = testFile(spec.seed, spec.size);
      const digest = await sha256Hex(file);
      const progress: number[] = [];
      let total: number | undefined;
      const retries: PageOutcome['retries'] = [];
      const controller = new AbortController();
      let partsDone = 0;
      try {
        const result = await stowage.upload(file, spec.target, {
          concurrency: spec.concurrency,
          uploaded: spec.uploaded,
          signal: controller.signal,
          retryDelayMs: 50,
          onProgress: (event) => {
            total ??= event.total;
            progress.push(event.loaded);
          },
          onRetry: ({ partNumber, attempt, error }) => retries.push({ partNumber, attempt, status: error.status }),
          onPart: () => {
            if (++partsDone === spec.abortAfterParts) controller.abort();
          },
        });
        return { ok: true, parts: result.parts, progress, total, retries, sha256: digest };
      } catch (error) {
        const { name, code, message } = error as Error & { code?: string };
        return { ok: false, errorName: name, code, message, progress, total, retries, sha256: digest };
      }
    }, spec);
  }

  const query = (url: string) => new URL(url, 'http://store').searchParams;
  const isPartOf = (target: MultipartTarget, request: { method: string; url: string }) =>
    request.method === 'PUT' && query(request.url).get('uploadId') === target.uploadId;
  const partPuts = (target: MultipartTarget) => proxy.seen.filter((request) => isPartOf(target, request));
  const partNumberOf = (url: string) => Number(query(url).get('partNumber'));

  test('64 MiB in 8 MiB parts, four at a time, with progress; open() gives identical bytes', async () => {
    const size = 64 * MiB;
    const target = await begin('multipart/big.bin', size, 8 * MiB);
    const outcome = await run(page, { seed: 64, size, target, concurrency: 4 });
    assert.ok(outcome.ok, outcome.message);
    assert.equal(
      outcome.parts?.map((part) => part.size),
      Array.from({ length: 8 }, () => 8 * MiB),
    );
    assert.is(outcome.total, size);
    assert.is(outcome.progress.at(-1), size, 'the last progress event is the whole file');
    assert.ok(
      outcome.progress.length > 8,
      `progress within parts, not only per part (${outcome.progress.length} events)`,
    );
    const puts = partPuts(target);
    assert.is(puts.length, 8);
    const overlapping = puts.some((a) =>
      puts.some((b) => a !== b && b.started < (a.ended ?? 0) && a.started < (b.ended ?? 0)),
    );
    assert.ok(overlapping, 'parts were in flight at the same time');
    await complete(target);
    const stored = await storage.open('multipart/big.bin');
    assert.is(stored.size, size);
    assert.is(sha256(await stored.bytes()), outcome.sha256);
  });

  test('a part answered 503 is retried, and the upload completes intact', async () => {
    const size = 11 * MiB;
    const target = await begin('multipart/retried.bin', size, 5 * MiB);
    proxy.failNext((request) => isPartOf(target, request) && partNumberOf(request.url) === 2, 503);
    const outcome = await run(page, { seed: 2, size, target });
    assert.ok(outcome.ok, outcome.message);
    assert.equal(outcome.retries, [{ partNumber: 2, attempt: 1, status: 503 }]);
    assert.equal(
      partPuts(target)
        .map((request) => partNumberOf(request.url))
        .sort(),
      [1, 2, 2, 3],
    );
    await complete(target);
    assert.is(sha256(await (await storage.open('multipart/retried.bin')).bytes()), outcome.sha256);
  });

  test('an upload stopped by a reload resumes from the listed parts, sending only the rest', async () => {
    const size = 16 * MiB;
    const target = await begin('multipart/resumed.bin', size, 5 * MiB);
    const first = await run(page, { seed: 7, size, target, concurrency: 1, abortAfterParts: 1 });
    assert.not.ok(first.ok);
    assert.is(first.errorName, 'AbortError');
    await page.reload();
    await page.waitForFunction(() => 'stowage' in window);
    const uploaded = await listed(target);
    assert.ok(uploaded.length >= 1 && uploaded.length < 4, `parts held after the stop: ${uploaded.length}`);
    const sentBefore = partPuts(target).length;
    const second = await run(page, { seed: 7, size, target, uploaded });
    assert.ok(second.ok, second.message);
    assert.is(second.sha256, first.sha256, 'the same file after the reload');
    assert.is(
      second.progress[0],
      uploaded.reduce((sum, part) => sum + part.size, 0),
      'progress starts at what was held',
    );
    const resent = partPuts(target)
      .slice(sentBefore)
      .map((request) => partNumberOf(request.url));
    for (const part of uploaded) assert.not.ok(resent.includes(part.partNumber), `part ${part.partNumber} sent again`);
    assert.is(resent.length, 4 - uploaded.length);
    await complete(target);
    assert.is(sha256(await (await storage.open('multipart/resumed.bin')).bytes()), second.sha256);
  });

  test('abort stops every request in flight and rejects with AbortError', async () => {
    const size = 30 * MiB;
    const target = await begin('multipart/aborted.bin', size, 5 * MiB);
    const outcome = await run(page, { seed: 3, size, target, concurrency: 2, abortAfterParts: 1 });
    assert.not.ok(outcome.ok);
    assert.is(outcome.errorName, 'AbortError');
    const sent = partPuts(target).length;
    assert.ok(sent <= 2, `no part started after the abort (${sent} of 6 sent, 2 at a time)`);
    await direct.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: target.name, UploadId: target.uploadId }));
    assert.equal(await incompleteUploads(admin, bucket, 'multipart/aborted'), []);
  });

  test('a file of another size than the upload was made for is refused before sending', async () => {
    const target = await begin('multipart/mismatch.bin', 12 * MiB, 5 * MiB);
    const outcome = await run(page, { seed: 4, size: 16 * MiB, target });
    assert.not.ok(outcome.ok);
    assert.is(outcome.code, 'INVALID_CONFIG');
    assert.is(partPuts(target).length, 0);
    await direct.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: target.name, UploadId: target.uploadId }));
  });

  test.run();
}
