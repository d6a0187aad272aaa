/**
 * Presigned multipart uploads end to end in a real page (headless Chromium), with each
 * object-store driver: the page asks the application (JSON endpoints, as an Express or
 * Fastify app exposes them, docs/browser-uploads.md) for an upload, sends the parts to
 * MinIO on another origin through stowage/browser, and asks the application to
 * complete. A proxy in front of MinIO records what the page sends and can answer a part
 * with 503. Checked: 64 MiB with progress, then open() gives identical bytes; a part
 * that fails once is retried; an upload stopped by a reload resumes from the parts
 * the server lists; an aborted upload leaves no parts and no reservation; two browsers
 * (two Chromium processes) uploading one name get two names; a file of another size is
 * refused before sending.
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../contracts/context.js';
import type { MultipartTarget } from '../src/browser/index.js';
import {
  type AppServer,
  appServer,
  browserProcessId,
  launchChromium,
  openPage,
  requireBrowserOrSkip,
  type StoreProxy,
  storeProxy,
} from './support/browser.js';
import {
  adminClient,
  incompleteUploads,
  objectStorage,
  randomBucket,
  rawKeys,
  removeBucket,
  reservations,
} from './support/object-stores.js';
import { run, uploadRoutes } from './support/page-uploads.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const MiB = 1024 * 1024;

const server = await requireServerOrSkip('s3', 'browser multipart uploads');
const browser = server && (await requireBrowserOrSkip('browser multipart uploads'));

if (server && browser) {
  const proxy = await storeProxy(server.endpoint);
  const apps: AppServer[] = [];
  for (const driver of ['minio', 's3'] as const) apps.push(await multipartUploads(driver, server, browser, proxy));
  const done = suite('browser multipart uploads: cleanup');
  done('closes the browser, the apps and the proxy', async () => {
    await browser.close();
    for (const app of apps) await app.close();
    await proxy.close();
  });
  done.run();
}

async function multipartUploads(
  driver: 'minio' | 's3',
  server: S3ServerInfo,
  browser: Browser,
  proxy: StoreProxy,
): Promise<AppServer> {
  const admin = adminClient(server);
  const bucket = randomBucket(`browser-${driver}`);
  const app = await appServer();
  // The page's origin in the bucket's CORS rule: MinIO allows it server-wide, and a server
  // with bucket CORS (STOWAGE_TEST_S3_ENDPOINT) by that rule.
  const common = { bucket, privateBuckets: [bucket], externalEndpoint: proxy.endpoint, corsOrigins: [app.origin] };
  const storage = objectStorage(driver, server, common);
  for (const [path, route] of Object.entries(uploadRoutes(storage))) app.routes.set(path, route);
  const test = suite(`browser multipart uploads (${driver} driver)`);
  let page: Page;

  test.before(async () => {
    await storage.initializeBuckets();
    page = await openPage(browser, app);
  });
  test.after(async () => {
    await page.context().close();
    await removeBucket(admin, bucket);
    await storage.close();
  });

  const query = (url: string) => new URL(url, 'http://store').searchParams;
  const partPuts = (uploadId: string | undefined) =>
    proxy.seen.filter((request) => request.method === 'PUT' && query(request.url).get('uploadId') === uploadId);
  const partNumberOf = (url: string) => Number(query(url).get('partNumber'));

  test('64 MiB in 8 MiB parts, four at a time, with progress; open() gives identical bytes', async () => {
    const size = 64 * MiB;
    const outcome = await run(page, { seed: 64, size, name: 'uploads/big.bin', concurrency: 4 });
    assert.ok(outcome.ok, outcome.message);
    assert.is(outcome.name, 'uploads/big.bin');
    assert.equal(outcome.stat && { name: outcome.stat.name, size: outcome.stat.size }, {
      name: 'uploads/big.bin',
      size,
    });
    assert.is(outcome.total, size);
    assert.is(outcome.progress.at(-1), size, 'the last progress event is the whole file');
    assert.ok(
      outcome.progress.length > 8,
      `progress within parts, not only per part (${outcome.progress.length} events)`,
    );
    const puts = partPuts(outcome.uploadId);
    assert.is(puts.length, 8);
    const overlap = puts.some((a) =>
      puts.some((b) => a !== b && b.started < (a.ended ?? 0) && a.started < (b.ended ?? 0)),
    );
    assert.ok(overlap, 'parts were in flight at the same time');
    const stored = await storage.open('uploads/big.bin');
    assert.is(stored.size, size);
    assert.is(sha256(await stored.bytes()), outcome.sha256);
    assert.equal(await reservations(admin, bucket, 'uploads/big'), [], 'the reservation became the file');
  });

  test('a part answered 503 is retried, and the upload completes intact', async () => {
    let uploadId: string | undefined;
    const original = app.routes.get('/uploads');
    app.routes.set('/uploads', async (body) => {
      const upload = (await original?.(body)) as MultipartTarget;
      uploadId = upload.uploadId;
      proxy.failNext(
        (request) =>
          request.method === 'PUT' &&
          query(request.url).get('uploadId') === uploadId &&
          partNumberOf(request.url) === 2,
        503,
      );
      return upload;
    });
    try {
      const outcome = await run(page, { seed: 2, size: 11 * MiB, name: 'uploads/retried.bin', partSize: 5 * MiB });
      assert.ok(outcome.ok, outcome.message);
      assert.equal(outcome.retries, [{ partNumber: 2, attempt: 1, status: 503 }]);
      assert.equal(
        partPuts(uploadId)
          .map((request) => partNumberOf(request.url))
          .sort(),
        [1, 2, 2, 3],
      );
      assert.is(sha256(await (await storage.open('uploads/retried.bin')).bytes()), outcome.sha256);
    } finally {
      if (original) app.routes.set('/uploads', original);
    }
  });

  test('an upload stopped by a reload resumes from the listed parts, sending only the rest', async () => {
    const size = 16 * MiB;
    const name = 'uploads/resumed.bin';
    const first = await run(page, {
      seed: 7,
      size,
      name,
      partSize: 5 * MiB,
      concurrency: 1,
      abortAfterParts: 1,
      keep: true,
    });
    assert.not.ok(first.ok);
    assert.is(first.errorName, 'AbortError');
    await page.reload();
    await page.waitForFunction(() => 'stowage' in window);
    const upload = { name: first.name as string, uploadId: first.uploadId as string };
    const held = await storage.listUploadedParts(upload.name, upload.uploadId);
    assert.ok(held.length >= 1 && held.length < 4, `parts held after the stop: ${held.length}`);
    const sentBefore = partPuts(upload.uploadId).length;
    const second = await run(page, { seed: 7, size, name, resume: true });
    assert.ok(second.ok, second.message);
    assert.is(second.sha256, first.sha256, 'the same file after the reload');
    const heldBytes = held.reduce((sum, part) => sum + part.size, 0);
    assert.is(second.progress[0], heldBytes, 'progress starts at what was held');
    const resent = partPuts(upload.uploadId)
      .slice(sentBefore)
      .map((request) => partNumberOf(request.url));
    for (const part of held) assert.not.ok(resent.includes(part.partNumber), `part ${part.partNumber} sent again`);
    assert.is(resent.length, 4 - held.length);
    assert.is(sha256(await (await storage.open(upload.name)).bytes()), second.sha256);
  });

  test('an aborted upload leaves no parts and no reservation (seen with an admin client)', async () => {
    const outcome = await run(page, {
      seed: 3,
      size: 30 * MiB,
      name: 'uploads/aborted.bin',
      partSize: 5 * MiB,
      concurrency: 2,
      abortAfterParts: 1,
    });
    assert.not.ok(outcome.ok);
    assert.is(outcome.errorName, 'AbortError');
    const sent = partPuts(outcome.uploadId).length;
    assert.ok(sent <= 2, `no part started after the abort (${sent} of 6 sent, 2 at a time)`);
    assert.equal(await incompleteUploads(admin, bucket, 'uploads/aborted'), []);
    assert.equal(await rawKeys(admin, bucket, 'uploads/aborted'), [], 'no reservation, no object');
  });

  test('two browsers (two Chromium processes) uploading one name at once get two names, both intact', async () => {
    const second = await launchChromium();
    const other = await openPage(second, app);
    try {
      assert.is.not(await browserProcessId(second), await browserProcessId(browser), 'two Chromium processes');
      const spec = { size: 6 * MiB, name: 'uploads/same.bin', partSize: 5 * MiB };
      const [a, b] = await Promise.all([run(page, { ...spec, seed: 11 }), run(other, { ...spec, seed: 12 })]);
      assert.ok(a.ok && b.ok, `${a.message} ${b.message}`);
      const names = [a.name, b.name];
      assert.ok(names.includes('uploads/same.bin'), names.join());
      assert.not.equal(a.name, b.name);
      assert.match(names.find((n) => n !== 'uploads/same.bin') ?? '', /^uploads\/same_[A-Za-z0-9]{7}\.bin$/);
      assert.is(sha256(await (await storage.open(a.name as string)).bytes()), a.sha256);
      assert.is(sha256(await (await storage.open(b.name as string)).bytes()), b.sha256);
    } finally {
      await second.close();
    }
  });

  test('a file of another size than the upload was made for is refused before sending', async () => {
    const outcome = await run(page, { seed: 4, size: 16 * MiB, claimedSize: 12 * MiB, name: 'uploads/mismatch.bin' });
    assert.not.ok(outcome.ok);
    assert.is(outcome.code, 'INVALID_CONFIG');
    assert.is(partPuts(outcome.uploadId).length, 0);
    assert.equal(await incompleteUploads(admin, bucket, 'uploads/mismatch'), [], 'the page asked the app to abort');
  });

  test.run();
  return app;
}
