/**
 * Nothing left behind, on a real MinIO: a process killed with SIGKILL in the middle of a
 * 256 MiB save leaves its reservation and its incomplete multipart upload; `stowage gc`
 * (storage.cleanup) removes exactly those, and every other object, in the prefix and
 * outside it, is untouched. Fresh leftovers are kept by the default 24 h threshold, and
 * a dry run removes nothing. Without a server: a loud skip; with CI=true, a failure.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMinioStorage, type MinioOptions } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import type { CleanupReport } from '../src/driver.js';
import { requireBuiltCli, stowage } from './support/cli.js';
import {
  adminClient,
  driverEnv,
  incompleteUploads,
  minioConnection,
  randomBucket,
  rawKeys,
  removeBucket,
  reservations,
  s3Connection,
} from './support/object-stores.js';
import { requireServerOrSkip } from './support/servers.js';

const MiB = 1024 * 1024;
/**
 * The "newest part" case: uploads started this long before gc, a threshold shorter than
 * that, and the slack a server's whole-second part dates need before a part counts as old.
 */
const STARTED_AGO_MS = 6_000;
const OLDER_THAN_MS = 3_000;
const PART_DATE_SLACK_MS = 1_500;
const server = await requireServerOrSkip('s3', 'gc on minio (test/gc.test.ts)');
const test = suite('gc on minio');

if (server) {
  const admin = adminClient(server);
  const bucket = randomBucket('gc');
  const options: MinioOptions = {
    ...minioConnection(server),
    bucket,
    location: 'app',
    privateBuckets: [bucket],
    bucketCheckOnSave: true,
  };
  const storage = createMinioStorage(options);
  const neighbour = createMinioStorage({ ...options, location: 'other' });

  test.before(requireBuiltCli);
  test.after(async () => {
    await storage.close();
    await neighbour.close();
    await removeBucket(admin, bucket);
  });

  test('a save killed with SIGKILL leaves a reservation and an upload; gc removes those and nothing else', async () => {
    for (const name of ['keep/a.txt', 'keep/empty.txt', 'killed/sibling.txt']) {
      await storage.save(name, name.endsWith('empty.txt') ? '' : `bytes of ${name}`);
    }
    await neighbour.save('outside.txt', 'outside');
    // A leftover outside the prefix: a writer of the neighbour storage, killed too.
    await killDuringSave({ ...options, location: 'other' }, 'killed/outside.bin');
    await killDuringSave(options, 'killed/big.bin');
    const before = await rawKeys(admin, bucket, '');
    assert.ok(before.includes('app/killed/big.bin'), 'the reservation is there');
    // MinIO lists incomplete uploads for one exact key only.
    assert.equal(
      await incompleteUploads(admin, bucket, 'app/killed/big.bin'),
      ['app/killed/big.bin'],
      'and the upload',
    );

    const fresh = await storage.cleanup();
    assert.is(fresh.olderThan, 24 * 3600 * 1000);
    assert.equal([fresh.uploads.length, fresh.reservations.length], [0, 0], 'the default 24 h keeps fresh ones');
    assert.ok(fresh.kept.some((kept) => kept.name === 'killed/big.bin'));

    const env = driverEnv('minio', server, { media: bucket, statics: `${bucket}-static` });
    const cli = (args: string[]) => stowage(args, { env: { ...env, MINIO_LOCATION: 'app' } });
    const dry = await cli(['gc', '--older-than', '0', '--dry-run', '--json']);
    assert.is(dry.code, 0, dry.stderr);
    const planned = JSON.parse(dry.stdout) as CleanupReport;
    assert.equal(
      planned.uploads.map((u) => u.name),
      ['killed/big.bin'],
    );
    assert.equal(
      planned.reservations.map((r) => r.name),
      ['killed/big.bin'],
    );
    assert.equal(await rawKeys(admin, bucket, ''), before, 'a dry run removes nothing');

    const result = await cli(['gc', '--older-than', '0']);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, /1 uploads and 1 reservations removed, 0 kept/);
    assert.equal(await incompleteUploads(admin, bucket, 'app/killed/big.bin'), [], 'no upload left');
    assert.equal(await reservations(admin, bucket, 'app/'), [], 'no reservation left under the prefix');
    assert.equal(
      await rawKeys(admin, bucket, ''),
      before.filter((key) => key !== 'app/killed/big.bin'),
      'every other object is still there',
    );
    for (const name of ['keep/a.txt', 'killed/sibling.txt']) {
      assert.is(await (await storage.open(name)).text(), `bytes of ${name}`);
    }
    assert.is((await storage.stat('keep/empty.txt')).size, 0, 'an empty object without the marker stays');
    const outside = 'other/killed/outside.bin';
    assert.equal(await incompleteUploads(admin, bucket, outside), [outside], "the neighbour's upload stays");
    assert.ok((await reservations(admin, bucket, 'other/')).includes('other/killed/outside.bin'));
  });

  test('an upload started long ago whose newest part is recent is kept; without a recent part it is removed', async () => {
    // Both drivers, each in a bucket of its own: the part dates come from each transport's ListParts.
    const buckets = [randomBucket('gc-recent-minio'), randomBucket('gc-recent-s3')] as const;
    const own = (b: string) => ({ bucket: b, privateBuckets: [b], bucketCheckOnSave: true });
    const writers = [
      createMinioStorage({ ...minioConnection(server), ...own(buckets[0]) }),
      createS3Storage({ ...s3Connection(server), ...own(buckets[1]) }),
    ];
    try {
      const started = await Promise.all(
        writers.flatMap((writer) =>
          ['writing.bin', 'idle.bin'].map((name) =>
            writer.createMultipartUpload(`recent/${name}`, { size: 6 * MiB, partSize: 5 * MiB, maxSize: 6 * MiB }),
          ),
        ),
      );
      await sleep(STARTED_AGO_MS);
      for (const [i, writer] of writers.entries()) {
        // A part of the "writing" upload, sent just now, as a browser still uploading sends
        // it; gc runs right after, so the part is seconds younger than the threshold.
        const [part] = started[2 * i]?.parts ?? [];
        const answer = await fetch(part?.url ?? '', {
          method: 'PUT',
          headers: part?.headers,
          body: new Uint8Array(5 * MiB),
        });
        assert.is(answer.status, 200, await answer.text());
        const report = await writer.cleanup({ olderThan: OLDER_THAN_MS });
        const label = `${writer.driver.name} driver`;
        assert.equal(
          report.uploads.map((upload) => upload.name),
          ['recent/idle.bin'],
          `${label}: the upload without a part is removed`,
        );
        assert.equal(
          report.reservations.map((r) => r.name),
          ['recent/idle.bin'],
        );
        assert.equal(
          report.kept.map(({ name, kind, reason }) => [name, kind, reason]),
          [
            ['recent/writing.bin', 'upload', 'still being written'],
            ['recent/writing.bin', 'reservation', 'its upload is still being written'],
          ],
          `${label}: the upload whose newest part is recent is kept, with its reservation`,
        );
        const key = 'recent/writing.bin';
        assert.equal(await incompleteUploads(admin, buckets[i] as string, key), [key], `${label}: still there`);
      }
      // Once its newest part is older than the threshold too, nothing keeps it.
      await sleep(OLDER_THAN_MS + PART_DATE_SLACK_MS);
      for (const writer of writers) {
        const report = await writer.cleanup({ olderThan: OLDER_THAN_MS });
        assert.equal(
          report.uploads.map((upload) => upload.name),
          ['recent/writing.bin'],
        );
        assert.equal(report.kept, []);
      }
      for (const b of buckets) {
        assert.equal(await reservations(admin, b, ''), []);
        assert.equal(await incompleteUploads(admin, b, 'recent/writing.bin'), []);
      }
    } finally {
      for (const writer of writers) await writer.close();
      for (const b of buckets) await removeBucket(admin, b);
    }
  });

  test('gc on a driver that leaves nothing succeeds; a bad --older-than is a usage error', async () => {
    const memory = await stowage(['gc', '--json'], { env: { STORAGE_DRIVER: 'memory' } });
    assert.is(memory.code, 0, memory.stderr);
    assert.is((JSON.parse(memory.stdout) as { supported: boolean }).supported, false);
    const bad = await stowage(['gc', '--older-than', 'yesterday'], { env: { STORAGE_DRIVER: 'memory' } });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, '30m, 24h or 7d');
  });
}

test.run();

/** Starts a child saving 256 MiB under `name` and kills it (SIGKILL) once its upload has parts. */
async function killDuringSave(options: MinioOptions, name: string): Promise<void> {
  if (!server) return;
  const admin = adminClient(server);
  const prefix = `${options.location}/`;
  const child = spawn(
    process.execPath,
    [
      '--conditions=stowage-source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'support/gc-child.ts'),
      JSON.stringify({ options, name, bytes: 256 * MiB }),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Wait until the upload exists and has received a part, so the kill lands mid-upload.
  const deadline = Date.now() + 120_000;
  for (;;) {
    assert.not.match(output, 'finished', 'the save finished before it could be killed');
    assert.ok(Date.now() < deadline, 'the child never started its upload');
    if ((await uploadedBytes(admin, options.bucket, `${prefix}${name}`)) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  assert.is(await exited, 'SIGKILL');
}

/** The bytes the incomplete uploads of `key` have received (minio-js sums their parts). */
async function uploadedBytes(admin: ReturnType<typeof adminClient>, bucket: string, key: string): Promise<number> {
  let total = 0;
  for await (const upload of admin.listIncompleteUploads(bucket, key, true)) {
    if (upload.key === key) total += Number(upload.size ?? 0);
  }
  return total;
}
