/** The sync planner on a storage that keeps metadata (memory): the sha256 metadata path. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../../contracts/context.js';
import { createFileSystemStorage } from '../../drivers/fs/index.js';
import { createMemoryStorage } from '../../drivers/memory/index.js';
import { checkSyncTarget, localFiles, SHA256_METADATA, type SyncOptions, syncFiles } from '../../src/cli/sync.js';

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

test('a target that is the source, lies inside it or contains it is refused before anything is written', async () => {
  const project = join(dir, 'project');
  const source = join(project, 'static');
  mkdirSync(join(source, 'css'), { recursive: true });
  writeFileSync(join(source, 'css/site.css'), 'body{}');
  const at = (location: string) => createFileSystemStorage({ location });
  const refused = [
    [at(source), '', 'is the source directory'],
    [at(source), 'assets', 'lies inside the source directory'],
    [at(join(source, 'css')), '', 'lies inside the source directory'],
    [at(project), 'static', 'is the source directory'],
    [at(project), '', 'contains the source directory'],
  ] as const;
  for (const [storage, prefix, why] of refused) {
    const error = await rejectsWith(checkSyncTarget(storage, source, prefix), 'INVALID_CONFIG', `${prefix}: ${why}`);
    assert.match(error.message, why);
    assert.not.match(error.message, '\n', 'one line');
  }
  // Through a symbolic link to the source, and into a location that does not exist yet.
  symlinkSync(source, join(project, 'link'));
  await rejectsWith(checkSyncTarget(at(join(project, 'link/new')), source, ''), 'INVALID_CONFIG', 'via a link');
  assert.equal(readdirSync(source), ['css'], 'nothing was written');
  // Apart: a sibling directory, a prefix beside the source, a driver with no directory.
  await checkSyncTarget(at(join(project, 'staticfiles')), source, '');
  await checkSyncTarget(at(project), source, 'collected');
  await checkSyncTarget(createMemoryStorage(), source, '');
});

test.run();
