/**
 * CORS from the bucket's own rules, in a real page (headless Chromium), on the servers
 * here that honour bucket CORS (SeaweedFS and versitygw: see docs/servers.md; MinIO's
 * CORS is server-wide, moto answers no preflight). The page's origin is allowed by the
 * rule `initializeBuckets` sets from `corsOrigins`, and by nothing else: before the rule,
 * the same upload is refused; after it, a multipart upload reads its part ETags and
 * completes, with identical bytes; a page on an origin not in the rule is refused, and
 * none of its parts reaches the server. A proxy in front of the server records what the
 * pages send. What a server does without bucket rules is declared per server below
 * (a registered skip there, and the declaration itself checked).
 */
import type { Browser, Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sha256 } from '../contracts/context.js';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import type { Storage } from '../src/storage.js';
import { type AppServer, appServer, openPage, requireBrowserOrSkip, storeProxy } from './support/browser.js';
import { requireGatewayOrSkip } from './support/gateways.js';
import { adminClient, minioConnection, randomBucket, removeBucket, s3Connection } from './support/object-stores.js';
import { run, uploadRoutes } from './support/page-uploads.js';
import type { S3ServerInfo } from './support/servers.js';

const MiB = 1024 * 1024;
/** Three parts: two of 5 MiB (the smallest S3 allows) and one of 1 MiB. */
const SPEC = { size: 11 * MiB, partSize: 5 * MiB };

/** What a server allows a bucket without CORS rules, as measured. */
interface WithoutRules {
  /** Every origin may use such a bucket: a server-wide default, not the bucket's rules. */
  allowsEveryOrigin: boolean;
  /** Where that default is set. */
  setting?: string;
}

const WITHOUT_RULES: Record<'seaweedfs' | 'versitygw', WithoutRules> = {
  // `weed server -s3.allowedOrigins`, default "*", applies to buckets without a CORS configuration.
  seaweedfs: { allowsEveryOrigin: true, setting: 'its -s3.allowedOrigins defaults to *' },
  // `--cors-allow-origin` (VGW_CORS_ALLOW_ORIGIN) is unset by default: no origin.
  versitygw: { allowsEveryOrigin: false },
};

const browser = await requireBrowserOrSkip('browser uploads with bucket CORS');
if (browser) {
  const servers: Array<[keyof typeof WITHOUT_RULES, S3ServerInfo]> = [];
  for (const name of ['seaweedfs', 'versitygw'] as const) {
    const server = await requireGatewayOrSkip(name, `browser uploads with bucket CORS on ${name}`);
    if (server) servers.push([name, server]);
  }
  for (const [name, server] of servers) {
    for (const driver of ['minio', 's3'] as const) {
      await corsUploads(browser, name, server, driver, WITHOUT_RULES[name]);
    }
  }
  const done = suite('browser uploads with bucket CORS: cleanup');
  done('closes the browser', async () => {
    await browser.close();
  });
  done.run();
}

async function corsUploads(
  browser: Browser,
  on: string,
  server: S3ServerInfo,
  driver: 'minio' | 's3',
  withoutRules: WithoutRules,
): Promise<void> {
  const admin = adminClient(server);
  const proxy = await storeProxy(server.endpoint);
  const bucket = randomBucket(`cors-${driver}`);
  // The page's origin and a second one, both served by the same application.
  const routes: Record<string, (body: unknown) => unknown> = {};
  const app = await appServer(routes);
  const elsewhere = await appServer(routes);
  const options = {
    bucket,
    privateBuckets: [bucket],
    externalEndpoint: proxy.endpoint,
    corsOrigins: [app.origin],
  };
  const storage: Storage =
    driver === 'minio'
      ? createMinioStorage({ ...minioConnection(server), ...options })
      : createS3Storage({ ...s3Connection(server), ...options });
  for (const [path, route] of Object.entries(uploadRoutes(storage))) {
    app.routes.set(path, route);
    elsewhere.routes.set(path, route);
  }
  const test = suite(`browser uploads with bucket CORS (${driver} driver on ${on})`);
  let page: Page;
  const partPuts = (uploadId: string | undefined) =>
    proxy.seen.filter(
      (request) =>
        request.method === 'PUT' && new URL(request.url, 'http://store').searchParams.get('uploadId') === uploadId,
    );

  test.before(async () => {
    // The bucket exists, without any CORS rule yet.
    await admin.makeBucket(bucket, server.region);
    page = await openPage(browser, app);
  });
  test.after(async () => {
    await page.context().close();
    await storage.close();
    await removeBucket(admin, bucket);
    for (const closing of [app, elsewhere, proxy] as Array<AppServer | { close(): Promise<void> }>) {
      await closing.close();
    }
  });

  const before =
    'before initializeBuckets sets the rule, the same upload is refused: the server allows no origin itself';
  if (withoutRules.allowsEveryOrigin) {
    test.skip(`${before} [skipped on ${on}: ${withoutRules.setting}]`, () => {});
    test('the declared gap: without bucket rules, the server lets the page in by its own default', async () => {
      const outcome = await run(page, { ...SPEC, seed: 1, name: 'uploads/early.bin' });
      assert.ok(outcome.ok, `refused: the server no longer allows every origin by default (${outcome.message})`);
    });
  } else {
    test(before, async () => {
      const outcome = await run(page, { ...SPEC, seed: 1, name: 'uploads/early.bin' });
      assert.not.ok(outcome.ok, 'uploaded without a CORS rule');
      assert.is(outcome.code, 'UNAVAILABLE');
      assert.match(outcome.message ?? '', 'CORS');
      assert.is(partPuts(outcome.uploadId).length, 0, 'no part reached the server');
    });
  }

  test('initializeBuckets sets the rule; a multipart upload from the page reads its part ETags and completes', async () => {
    const report = await storage.initializeBuckets();
    const cors = report.rules.find((rule) => rule.kind === 'cors');
    assert.is(cors?.status, 'set', JSON.stringify(cors));
    const outcome = await run(page, { ...SPEC, seed: 2, name: 'uploads/allowed.bin' });
    assert.ok(outcome.ok, outcome.message);
    assert.is(partPuts(outcome.uploadId).length, 3);
    // The page reads each part's ETag: the rule exposes it (ETag is always in ExposeHeaders).
    const etags = outcome.parts.sort((x, y) => x.partNumber - y.partNumber).map((part) => part.etag ?? '');
    assert.is(etags.length, 3);
    for (const etag of etags) assert.match(etag, /^"?[0-9a-f]{32}"?$/, `part ETags read by the page: ${etags}`);
    assert.equal(outcome.stat && { name: outcome.stat.name, size: outcome.stat.size }, {
      name: 'uploads/allowed.bin',
      size: SPEC.size,
    });
    assert.is(sha256(await (await storage.open('uploads/allowed.bin')).bytes()), outcome.sha256);
  });

  test('a page on an origin the rule does not name is refused, and none of its parts reaches the server', async () => {
    const other = await openPage(browser, elsewhere);
    try {
      const outcome = await run(other, { ...SPEC, seed: 3, name: 'uploads/elsewhere.bin' });
      assert.not.ok(outcome.ok, `uploaded from ${elsewhere.origin}`);
      assert.is(outcome.code, 'UNAVAILABLE');
      assert.match(outcome.message ?? '', 'CORS');
      assert.is(partPuts(outcome.uploadId).length, 0);
      assert.not.ok(await storage.exists('uploads/elsewhere.bin'), 'aborted: no object, no reservation');
    } finally {
      await other.context().close();
    }
  });

  test.run();
}
