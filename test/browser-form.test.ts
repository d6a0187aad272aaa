/**
 * POST-policy uploads from a real page (headless Chromium) to MinIO on another origin,
 * through stowage/browser, with both object-store drivers signing: the upload arrives
 * byte for byte; the server refuses another Content-Type, a file over maxSize and an
 * expired policy, and nothing is stored then; the consistency check on start runs
 * before createUploadUrl when that is the application's first call.
 */
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../contracts/context.js';
import type { UploadUrl, UploadUrlOptions } from '../src/driver.js';
import type { Storage } from '../src/storage.js';
import { appServer, openPage, type PageHelpers, requireBrowserOrSkip } from './support/browser.js';
import {
  adminClient,
  objectStorage,
  randomBucket,
  rawKeys,
  removeBucket,
  reservations,
} from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

type DriverName = 'minio' | 's3';

/** What the page reports of one upload attempt. */
interface PageOutcome {
  ok: boolean;
  status?: number;
  code?: string;
  serverCode?: string;
  message?: string;
  /** Every progress event's `loaded`. */
  progress: number[];
  sha256?: string;
}

const server = await requireServerOrSkip('s3', 'browser form uploads');
const browser = server && (await requireBrowserOrSkip('browser form uploads'));

if (server && browser) {
  const app = await appServer();
  const admin = adminClient(server);
  const buckets: string[] = [];
  for (const driver of ['minio', 's3'] as const) formUploads(driver);
  startup();
  const done = suite('browser form uploads: cleanup');
  done('closes the browser, the app and the buckets', async () => {
    await browser.close();
    await app.close();
    for (const bucket of buckets) await removeBucket(admin, bucket);
  });
  done.run();

  function storageFor(driver: DriverName, bucket: string, extra: { consistencyCheckOnStart?: boolean } = {}): Storage {
    buckets.push(bucket);
    // The page's origin in the bucket's CORS rule: MinIO allows it server-wide, and a
    // server with bucket CORS (STOWAGE_TEST_S3_ENDPOINT) by that rule.
    const common = { bucket, privateBuckets: [bucket], corsOrigins: [app.origin], ...extra };
    return objectStorage(driver, server as S3ServerInfo, common);
  }

  /**
   * In the page: `size` random bytes as a File of `type`, uploaded to `target` with
   * `fields` overriding the policy's fields. Resolves with what happened, never rejects.
   */
  function uploadFromPage(
    page: Page,
    target: UploadUrl,
    file: { size: number; type: string },
    fields: Record<string, string> = {},
  ): Promise<PageOutcome> {
    return page.evaluate(
      async ({ target, file, fields }) => {
        const { stowage, testFile, sha256Hex } = window as unknown as PageHelpers;
        const upload = testFile(Math.floor(Math.random() * 2 ** 32), file.size, file.type);
        const sha256 = await sha256Hex(upload);
        const progress: number[] = [];
        try {
          const form = { method: 'POST' as const, url: target.url, fields: { ...target.fields, ...fields } };
          const result = await stowage.upload(upload, form, {
            onProgress: ({ loaded }) => progress.push(loaded),
            retries: 0,
          });
          return { ok: true, status: result.status, progress, sha256 };
        } catch (error) {
          const { code, status, serverCode, message } = error as Record<string, string & number>;
          return { ok: false, code, status, serverCode, message, progress, sha256 };
        }
      },
      { target, file, fields },
    );
  }

  function formUploads(driver: DriverName): void {
    const test = suite(`browser form uploads (${driver} driver)`);
    const bucket = randomBucket(`form-${driver}`);
    const storage = storageFor(driver, bucket);
    let page: Page;
    test.before(async () => {
      await storage.initializeBuckets();
      page = await openPage(browser as NonNullable<typeof browser>, app);
    });
    test.after(async () => {
      await page.context().close();
      await storage.close();
    });
    const sign = (name: string, options: UploadUrlOptions) => storage.createUploadUrl(name, options);

    test('a cross-origin POST-policy upload arrives byte for byte (204), with progress', async () => {
      const target = await sign('form/photo.png', { contentType: 'image/png', maxSize: 3_000_000, expiresIn: 300 });
      assert.not.equal(new URL(target.url).origin, app.origin, 'the store is on another origin than the page');
      const outcome = await uploadFromPage(page, target, { size: 2_500_000, type: 'image/png' });
      assert.ok(outcome.ok, outcome.message);
      assert.is(outcome.status, 204);
      assert.is(outcome.progress.at(-1), 2_500_000, 'the last progress event is the whole file');
      await assertStored(storage, 'form/photo.png', 'image/png', outcome.sha256);
    });

    test('another Content-Type field is refused (403) and nothing is stored', async () => {
      const target = await sign('form/typed.png', { contentType: 'image/png', maxSize: 1000, expiresIn: 300 });
      const outcome = await uploadFromPage(
        page,
        target,
        { size: 100, type: 'text/html' },
        { 'Content-Type': 'text/html' },
      );
      assert.not.ok(outcome.ok);
      assert.is(outcome.status, 403);
      assert.is(outcome.code, 'PERMISSION_DENIED');
      assertNoSecrets(outcome.message, target);
      assertNothingStored(
        await reservations(admin, bucket, 'form/typed'),
        await storage.exists('form/typed.png'),
        'form/typed.png',
      );
    });

    test('the content-type limit checks the form field, not the bytes (as docs/browser-uploads.md says)', async () => {
      const target = await sign('form/field-only.png', { contentType: 'image/png', maxSize: 1000, expiresIn: 300 });
      // A File whose own type is text/html, sent with the policy's field unchanged.
      const outcome = await uploadFromPage(page, target, { size: 100, type: 'text/html' });
      assert.ok(outcome.ok, outcome.message);
      assert.is((await storage.stat('form/field-only.png')).contentType, 'image/png');
    });

    test('a file over maxSize is refused (EntityTooLarge) and nothing is stored', async () => {
      const target = await sign('form/big.bin', { maxSize: 1000, expiresIn: 300 });
      const outcome = await uploadFromPage(page, target, { size: 1001, type: 'application/octet-stream' });
      assert.not.ok(outcome.ok);
      assert.is(outcome.status, 400);
      assert.is(outcome.serverCode, 'EntityTooLarge');
      assert.is(outcome.code, 'PERMISSION_DENIED');
      assertNothingStored(
        await reservations(admin, bucket, 'form/big'),
        await storage.exists('form/big.bin'),
        'form/big.bin',
      );
      const exact = await sign('form/exact.bin', { maxSize: 1000, expiresIn: 300 });
      const fits = await uploadFromPage(page, exact, { size: 1000, type: 'application/octet-stream' });
      assert.ok(fits.ok, `exactly maxSize is allowed: ${fits.message}`);
    });

    test('a presigned PUT from the page (S3 driver; UNSUPPORTED on the MinIO driver)', async () => {
      const size = 300_000;
      const options = { method: 'PUT', size, contentType: 'image/png', expiresIn: 300 } as const;
      if (driver === 'minio') {
        assert.is(
          await storage.createUploadUrl('put/photo.png', options).catch((e: { code: string }) => e.code),
          'UNSUPPORTED',
        );
        return;
      }
      const target = await storage.createUploadUrl('put/photo.png', options);
      const outcome = await page.evaluate(
        async ({ target, size }) => {
          const { stowage, testFile, sha256Hex } = window as unknown as PageHelpers;
          const file = testFile(5, size, 'image/png');
          const progress: number[] = [];
          const result = await stowage.upload(file, target, { onProgress: ({ loaded }) => progress.push(loaded) });
          return { status: result.status, name: result.name, last: progress.at(-1), sha256: await sha256Hex(file) };
        },
        { target: { ...target, method: 'PUT' as const }, size },
      );
      assert.equal([outcome.status, outcome.name, outcome.last], [200, 'put/photo.png', size]);
      await assertStored(storage, 'put/photo.png', 'image/png', outcome.sha256);
    });

    test('an expired policy is refused (403) and nothing is stored', async () => {
      const target = await sign('form/late.bin', { expiresIn: 1, maxSize: 1000 });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, target.expiresAt.getTime() - Date.now()) + 1500));
      const outcome = await uploadFromPage(page, target, { size: 10, type: 'application/octet-stream' });
      assert.not.ok(outcome.ok);
      assert.is(outcome.status, 403);
      assert.is(outcome.code, 'PERMISSION_DENIED');
      assert.match(outcome.serverCode ?? '', /AccessDenied/);
      assertNoSecrets(outcome.message, target);
      assertNothingStored(
        await reservations(admin, bucket, 'form/late'),
        await storage.exists('form/late.bin'),
        'form/late.bin',
      );
    });

    test.run();
  }

  function startup(): void {
    const test = suite('browser form uploads: consistency check on start');
    for (const driver of ['minio', 's3'] as const) {
      test(`${driver}: createUploadUrl as the first call creates the bucket first`, async () => {
        const bucket = randomBucket(`start-${driver}`);
        const storage = storageFor(driver, bucket, { consistencyCheckOnStart: true });
        const page = await openPage(browser as NonNullable<typeof browser>, app);
        try {
          const target = await storage.createUploadUrl('first.bin', { maxSize: 1000, expiresIn: 300 });
          const outcome = await uploadFromPage(page, target, { size: 10, type: 'application/octet-stream' });
          assert.ok(outcome.ok, `the upload to a bucket the check should have created: ${outcome.message}`);
          assert.equal(await rawKeys(admin, bucket, ''), ['first.bin']);
        } finally {
          await page.context().close();
          await storage.close();
        }
      });
    }
    test.run();
  }
}

/** `name` holds the bytes the page hashed, with `contentType`. */
async function assertStored(storage: Storage, name: string, contentType: string, digest: string | undefined) {
  const stored = await storage.open(name);
  assert.is(stored.contentType, contentType);
  assert.is(sha256(await stored.bytes()), digest);
}

/** A refused upload leaves no file, only its name's reservation (invisible to stowage, found by cleanup). */
function assertNothingStored(reserved: string[], exists: boolean, name: string): void {
  assert.is(exists, false, `${name} exists`);
  assert.equal(reserved, [name], 'the reservation stays until it expires or is cleaned up');
}

/** Upload errors name the request but never its signature or policy. */
function assertNoSecrets(message: string | undefined, target: UploadUrl): void {
  assert.ok(message, 'an error message');
  for (const [field, value] of Object.entries(target.fields ?? {})) {
    if (/signature|policy|credential/i.test(field)) assert.not.ok(message?.includes(value), `message holds ${field}`);
  }
  assert.not.match(message ?? '', /X-Amz-Signature/i);
}
