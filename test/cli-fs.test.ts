/** The built CLI against the fs driver in a temporary directory: every file command and sync. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../src/cli/exit-codes.js';
import type { SyncReport } from '../src/cli/sync.js';
import { type CliResult, requireBuiltCli, stowage } from './support/cli.js';

const test = suite('cli on fs');
const work = mkdtempSync(join(tmpdir(), 'stowage-cli-'));
const media = join(work, 'media');
const statics = join(work, 'static');
const site = join(work, 'site');
const env = {
  STORAGE_DRIVER: 'fs',
  STORAGE_FS_LOCATION: media,
  STORAGE_FS_BASE_URL: 'https://media.example.com/m/',
  STORAGE_FS_STATIC_LOCATION: statics,
};
const run = (args: string[], input?: Buffer | string) => stowage(args, { env, cwd: work, input });

test.before(requireBuiltCli);
test.after(() => rmSync(work, { recursive: true, force: true }));

function ok(result: CliResult): CliResult {
  assert.is(result.code, 0, result.stderr);
  assert.not.match(result.stdout + result.stderr, '\x1b[', 'no terminal escapes when not on a terminal');
  return result;
}

test('put, get, ls, url, rm round-trip bytes and names', async () => {
  const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
  writeFileSync(join(work, 'blob.bin'), bytes);
  const name = 'docs/été 2024 #1.bin';
  assert.is(ok(await run(['put', 'blob.bin', name])).stdout, `${name}\n`);
  assert.equal(readFileSync(join(media, name)), bytes, 'stored where STORAGE_FS_LOCATION says');
  ok(await run(['get', name, 'copy.bin']));
  assert.equal(readFileSync(join(work, 'copy.bin')), bytes);
  assert.equal((await run(['get', name, '-'])).bytes, bytes, 'get - writes the bytes to stdout');
  const listing = JSON.parse(ok(await run(['ls', '-r', '--json'])).stdout) as { files: Array<{ name: string }> };
  assert.equal(
    listing.files.map((f) => f.name),
    [name],
  );
  assert.is(ok(await run(['ls'])).stdout, 'docs/\n');
  assert.is(ok(await run(['url', name])).stdout, 'https://media.example.com/m/docs/%C3%A9t%C3%A9%202024%20%231.bin\n');
  assert.is(ok(await run(['rm', name])).stdout, `deleted ${name}\n`);
  assert.is((await run(['get', name])).code, EXIT.NOT_FOUND);
  ok(await run(['rm', name]));
});

test('put never overwrites unless --overwrite', async () => {
  const first = ok(await run(['put', '-', 'same.txt'], 'one')).stdout.trim();
  const second = ok(await run(['put', '-', 'same.txt'], 'two')).stdout.trim();
  assert.is(first, 'same.txt');
  assert.match(second, /^same_[A-Za-z0-9]{7}\.txt$/);
  assert.is(ok(await run(['put', '-', 'same.txt', '--overwrite'], 'three')).stdout.trim(), 'same.txt');
  assert.is(readFileSync(join(media, 'same.txt'), 'utf8'), 'three');
});

test('get of a missing object leaves no local file behind', async () => {
  assert.is((await run(['get', 'absent.txt', 'absent-copy.txt'])).code, EXIT.NOT_FOUND);
  assert.throws(() => readFileSync(join(work, 'absent-copy.txt')));
});

function writeSite(files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(site, name, '..'), { recursive: true });
    writeFileSync(join(site, name), content);
  }
}

async function sync(...args: string[]): Promise<SyncReport> {
  return JSON.parse(ok(await run(['sync', site, ...args, '--json'])).stdout) as SyncReport;
}

test('sync: uploads to the static storage, then skips what is unchanged', async () => {
  writeSite({ 'index.html': '<h1>hi</h1>', 'css/app.css': 'body{}', 'js/app.js': 'go()', '.hidden': 'x', 'a~': 'y' });
  const first = await sync('assets');
  assert.equal(first.uploaded, ['assets/css/app.css', 'assets/index.html', 'assets/js/app.js']);
  assert.is(readFileSync(join(statics, 'assets/css/app.css'), 'utf8'), 'body{}', 'the static storage by default');
  const second = await sync('assets');
  assert.equal(second.uploaded, []);
  assert.is(second.unchanged.length, 3);
});

test('sync: a change that keeps the size is found by checksum; mtimes do not matter', async () => {
  writeSite({ 'css/app.css': 'body[}' }); // as long as 'body{}'
  const future = new Date(Date.now() + 3600_000);
  utimesSync(join(site, 'index.html'), future, future);
  const report = await sync('assets');
  assert.equal(report.uploaded, ['assets/css/app.css']);
  assert.is(readFileSync(join(statics, 'assets/css/app.css'), 'utf8'), 'body[}');
});

test('sync --dry-run reports and changes nothing; --delete removes what is gone', async () => {
  writeSite({ 'index.html': '<h1>changed</h1>' });
  rmSync(join(site, 'js'), { recursive: true });
  const dry = await sync('assets', '--dry-run', '--delete');
  assert.ok(dry.dryRun);
  assert.equal(dry.uploaded, ['assets/index.html']);
  assert.equal(dry.deleted, ['assets/js/app.js']);
  assert.is(readFileSync(join(statics, 'assets/index.html'), 'utf8'), '<h1>hi</h1>', 'dry run changed nothing');
  assert.is(readFileSync(join(statics, 'assets/js/app.js'), 'utf8'), 'go()');
  const real = await sync('assets', '--delete', '--concurrency', '2');
  assert.equal(real.uploaded, ['assets/index.html']);
  assert.equal(real.deleted, ['assets/js/app.js']);
  assert.throws(() => readFileSync(join(statics, 'assets/js/app.js')));
  assert.is(readFileSync(join(statics, 'assets/index.html'), 'utf8'), '<h1>changed</h1>');
});

test('sync --storage default writes to the media storage; human output ends with a summary', async () => {
  const result = ok(await run(['--storage', 'default', 'sync', site, 'collected']));
  assert.match(result.stdout, 'upload collected/index.html');
  assert.match(result.stdout.trimEnd().split('\n').pop() ?? '', /^2 uploaded, 0 unchanged, 0 deleted, 0 failed$/);
  assert.is(readFileSync(join(media, 'collected/index.html'), 'utf8'), '<h1>changed</h1>');
});

test('sync into its own source is refused with one line and nothing written; the default static location is apart', async () => {
  const project = join(work, 'project');
  mkdirSync(join(project, 'static/css'), { recursive: true });
  writeFileSync(join(project, 'static/css/site.css'), 'body{}');
  const inProject = (args: string[], extra: Record<string, string> = {}) =>
    stowage(args, { env: { STORAGE_DRIVER: 'fs', ...extra }, cwd: project });
  const refused = await inProject(['sync', 'static', 'assets'], { STORAGE_FS_STATIC_LOCATION: './static' });
  assert.is(refused.code, EXIT.CONFIG, refused.stderr);
  assert.is(refused.stdout, '');
  assert.is(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr);
  assert.match(refused.stderr, 'lies inside the source directory');
  assert.equal(readdirSync(join(project, 'static')), ['css'], 'nothing written into the source');
  // The default (./staticfiles) is beside ./static, so the usual command just works.
  ok(await inProject(['sync', 'static']));
  assert.is(readFileSync(join(project, 'staticfiles/css/site.css'), 'utf8'), 'body{}');
  assert.equal(readdirSync(join(project, 'static')), ['css']);
});

test('sync of a missing directory exits 3', async () => {
  const result = await run(['sync', join(work, 'nope')]);
  assert.is(result.code, EXIT.NOT_FOUND);
});

test.run();
