/**
 * The built CLI against a real MinIO server (test/support/servers.ts): init-buckets,
 * health, put/get, URLs fetched over HTTP, sync with its checksum metadata — through the
 * minio driver, and the main commands through the s3 driver on the same server.
 * Without a server the file says so loudly and skips; with CI=true it fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh } from '../contracts/context.js';
import { EXIT } from '../src/cli/exit-codes.js';
import type { SyncReport } from '../src/cli/sync.js';
import { createStoragesFromEnv } from '../src/registry.js';
import { type CliResult, requireBuiltCli, stowage } from './support/cli.js';
import { driverEnv } from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const server = await requireServerOrSkip('s3', 'CLI against MinIO (test/cli-minio.test.ts)');
const test = suite('cli on minio');
const work = mkdtempSync(join(tmpdir(), 'stowage-cli-minio-'));
const run = Math.random().toString(36).slice(2, 8);
const media = `cli-${run}-media`;
const statics = `cli-${run}-static`;

function minioEnv(info: S3ServerInfo): Record<string, string> {
  return driverEnv('minio', info, { media, statics });
}

function ok(result: CliResult): CliResult {
  assert.is(result.code, 0, result.stderr);
  return result;
}

if (server) {
  const env = minioEnv(server);
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    stowage(args, { env: { ...env, ...extra }, cwd: work });

  test.before(requireBuiltCli);
  test.after(async () => {
    // Delete what this file wrote (the buckets are this run's own).
    const storages = await createStoragesFromEnv(env);
    for (const storage of Object.values(storages)) {
      try {
        for await (const stat of storage.list('', { recursive: true })) await storage.delete(stat.name);
      } catch (error) {
        // The buckets may not exist when an earlier step failed; that failure is the one to see.
        console.error(`cleanup: ${(error as Error).message}`);
      }
      await storage.close();
    }
    rmSync(work, { recursive: true, force: true });
  });

  test('health: the server answers', async () => {
    const status = JSON.parse(ok(await cli(['health', '--json'])).stdout) as { driver: string; available: boolean };
    assert.is(status.driver, 'minio');
    assert.is(status.available, true);
  });

  test('init-buckets creates both buckets, then changes nothing', async () => {
    const first = JSON.parse(ok(await cli(['init-buckets', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(first.created, [media, statics].sort());
    assert.equal(first.policySet, [statics], 'the static bucket is public');
    const second = JSON.parse(ok(await cli(['init-buckets', '--json'])).stdout) as Record<string, unknown>;
    assert.equal(second.created, []);
    assert.equal(second.unchanged, [media, statics].sort());
  });

  test('put and get round-trip bytes; a private object gets a presigned URL that works', async () => {
    const bytes = randomBytes(200_000);
    writeFileSync(join(work, 'photo.jpg'), bytes);
    const name = ok(await cli(['put', 'photo.jpg', 'photos/été #1.jpg'])).stdout.trim();
    assert.is(name, 'photos/été #1.jpg');
    ok(await cli(['get', name, 'back.jpg']));
    assert.equal(readFileSync(join(work, 'back.jpg')), bytes);
    const url = ok(await cli(['url', name, '--expires-in', '120', '--download', 'holiday.jpg'])).stdout.trim();
    assert.match(url, 'X-Amz-Signature=');
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.equal(Buffer.from(await response.arrayBuffer()), bytes);
    assert.match(response.headers.get('content-disposition') ?? '', 'attachment');
    const anonymous = await fetchFresh(url.slice(0, url.indexOf('?')));
    assert.is(anonymous.status, 403, 'the media bucket is private');
  });

  test('sync to the public static bucket: plain URLs, skip by sha256 metadata, --delete', async () => {
    const site = join(work, 'site');
    mkdirSync(join(site, 'css'), { recursive: true });
    writeFileSync(join(site, 'css/app.css'), 'body{}');
    writeFileSync(join(site, 'index.html'), '<h1>hi</h1>');
    const sync = async (...args: string[]) =>
      JSON.parse(ok(await cli(['sync', site, 'assets', '--json', ...args])).stdout) as SyncReport;
    assert.equal((await sync()).uploaded, ['assets/css/app.css', 'assets/index.html']);
    assert.equal((await sync()).unchanged, ['assets/css/app.css', 'assets/index.html']);
    writeFileSync(join(site, 'css/app.css'), 'body[]'); // same size, other bytes
    assert.equal((await sync()).uploaded, ['assets/css/app.css']);
    const url = ok(await cli(['--storage', 'static', 'url', 'assets/css/app.css'])).stdout.trim();
    assert.not.match(url, 'X-Amz-Signature', 'a plain URL on the public bucket');
    const response = await fetchFresh(url);
    assert.is(response.status, 200);
    assert.is(response.headers.get('content-type'), 'text/css');
    assert.is(await response.text(), 'body[]');
    rmSync(join(site, 'index.html'));
    assert.equal((await sync('--delete')).deleted, ['assets/index.html']);
    assert.is((await cli(['--storage', 'static', 'get', 'assets/index.html'])).code, EXIT.NOT_FOUND);
  });

  test('the s3 driver on the same server through the CLI', async () => {
    const s3 = driverEnv('s3', server, { media, statics });
    const status = JSON.parse(ok(await stowage(['health', '--json'], { env: s3 })).stdout) as { available: boolean };
    assert.ok(status.available);
    ok(await stowage(['put', '-', 'via-s3.txt'], { env: s3, input: 'through s3' }));
    assert.is(ok(await cli(['get', 'via-s3.txt', '-'])).stdout, 'through s3', 'the minio driver reads it back');
  });

  test('a server that does not answer: health exits 5, other commands 5; secrets never printed', async () => {
    const secret = `Secret-${run}-DoNotPrint`;
    const dead = { MINIO_ENDPOINT: '127.0.0.1:1', MINIO_SECRET_KEY: secret, MINIO_REQUEST_TIMEOUT_MS: '2000' };
    const health = await cli(['health'], dead);
    assert.is(health.code, EXIT.UNAVAILABLE, health.stderr);
    for (const args of [['ls'], ['put', '-', 'x.txt', '--debug'], ['get', 'x.txt', '--json']]) {
      const result = await cli(args, dead);
      assert.is(result.code, EXIT.UNAVAILABLE, `${args.join(' ')}: ${result.stderr}`);
      assert.not.ok((result.stdout + result.stderr).includes(secret), `${args.join(' ')} printed the secret`);
    }
  });
} else {
  test('skipped: no MinIO server (see the banner above)', () => {});
}

test.run();
