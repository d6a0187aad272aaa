/** The sync planner on a storage that keeps metadata (memory): the sha256 metadata path. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMemoryStorage } from '../../drivers/memory/index.js';
import { localFiles, SHA256_METADATA, type SyncOptions, syncFiles } from '../../src/cli/sync.js';

const test = suite('sync');
const dir = mkdtempSync(join(tmpdir(), 'stowage-sync-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const options: SyncOptions = { prefix: 'static', dryRun: false, delete: false, concurrency: 3, all: false };
const noProgress = { advance() {}, stop() {} };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('uploads store the sha256 as metadata, with the content type of the extension', async () => {
  writeFileSync(join(dir, 'app.css'), 'body{}');
  const storage = createMemoryStorage();
  const report = await syncFiles(storage, await localFiles(dir, 'static', false), options, noProgress);
  assert.equal(report.uploaded, ['static/app.css']);
  const stat = await storage.stat('static/app.css');
  assert.is(stat.metadata[SHA256_METADATA], sha256('body{}'));
  assert.is(stat.contentType, 'text/css');
});

test('an object with matching sha256 metadata is not read back', async () => {
  writeFileSync(join(dir, 'app.css'), 'body{}');
  const storage = createMemoryStorage();
  // Same size, different bytes, but metadata that claims the local checksum: trusted.
  await storage.save('static/app.css', 'BODY{}', { metadata: { [SHA256_METADATA]: sha256('body{}') } });
  const report = await syncFiles(storage, await localFiles(dir, 'static', false), options, noProgress);
  assert.equal(report.unchanged, ['static/app.css']);
});

test('an object without the metadata is compared by content', async () => {
  writeFileSync(join(dir, 'app.css'), 'body{}');
  writeFileSync(join(dir, 'same.txt'), 'same');
  const storage = createMemoryStorage();
  await storage.save('static/app.css', 'BODY{}');
  await storage.save('static/same.txt', 'same');
  const report = await syncFiles(storage, await localFiles(dir, 'static', false), options, noProgress);
  assert.equal(report.uploaded, ['static/app.css']);
  assert.equal(report.unchanged, ['static/same.txt']);
  assert.is(await (await storage.open('static/app.css')).text(), 'body{}');
});

test("one file's failure is reported, the others still sync", async () => {
  writeFileSync(join(dir, 'ok.txt'), 'fine');
  const storage = createMemoryStorage();
  const files = [
    ...(await localFiles(dir, 'static', false)),
    { path: join(dir, 'gone.txt'), name: 'static/gone.txt', size: 1 },
  ];
  const report = await syncFiles(storage, files, options, noProgress);
  assert.equal(
    report.failed.map((f) => [f.name, f.code]),
    [['static/gone.txt', 'NOT_FOUND']],
  );
  assert.ok(report.uploaded.includes('static/ok.txt'));
});

test.run();
