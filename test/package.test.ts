/**
 * The package as users get it: the exports map points at built files, `npm pack`
 * ships no tests, and a clean install without the optional SDKs can import `stowage`,
 * `stowage/memory`, `stowage/fs` and `stowage/driver-kit` (proving they do not load an
 * SDK) and run the `stowage` command.
 * Needs `npm run build` first (npm test does it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  peerDependencies?: Record<string, string>;
  bin?: Record<string, string>;
};
const test = suite('package');

test('every export resolves to built JavaScript, declarations and its source', () => {
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') {
      assert.ok(existsSync(join(ROOT, target)), `${subpath} → ${target}`);
      continue;
    }
    for (const [condition, file] of Object.entries(target)) {
      assert.ok(existsSync(join(ROOT, file)), `${subpath} [${condition}] → ${file} (run npm run build)`);
    }
    assert.ok(target.types?.endsWith('.d.ts') && target.default?.endsWith('.js'), subpath);
  }
});

test('the entry points are the documented ones: stowage/driver-kit for driver authors', () => {
  const subpaths = Object.keys(pkg.exports);
  for (const subpath of ['.', './memory', './fs', './minio', './s3', './contracts', './inversify', './driver-kit']) {
    assert.ok(subpaths.includes(subpath), `exports ${subpath}`);
  }
  const drivers = readFileSync(join(ROOT, 'docs/drivers.md'), 'utf8');
  assert.match(drivers, "from 'stowage/driver-kit'", 'docs/drivers.md shows the driver kit');
});

test('the bin points at the built CLI, with a shebang', () => {
  const bin = pkg.bin?.stowage;
  assert.ok(bin, 'package.json bin.stowage');
  assert.ok(existsSync(join(ROOT, bin)), `${bin} (run npm run build)`);
  assert.ok(readFileSync(join(ROOT, bin), 'utf8').startsWith('#!/usr/bin/env node\n'), 'shebang');
});

test('npm pack ships the built code and docs, never tests', () => {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8' });
  const files = (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
  assert.ok(files.includes('dist/src/index.js'), 'dist/src/index.js');
  assert.ok(files.includes('dist/drivers/memory/index.d.ts'), 'memory types');
  const stray = files.filter((file) => /(^|\/)test\/|\.test\.|^bench\/|^\.ci\//.test(file));
  assert.equal(stray, [], 'no tests, benchmarks or CI files');
});

test('a clean install without the SDKs imports stowage, stowage/memory and stowage/fs', () => {
  const work = mkdtempSync(join(tmpdir(), 'stowage-pack-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop() as string;
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--omit=peer',
        '--legacy-peer-deps',
        join(work, tarball),
      ],
      { cwd: work, stdio: 'pipe' },
    );
    for (const sdk of Object.keys(pkg.peerDependencies ?? {}).filter((name) => name !== 'uvu')) {
      assert.not.ok(existsSync(join(work, 'node_modules', sdk)), `${sdk} must not be installed for this check`);
    }
    const script = `
      import { createStorage, isStorageError } from 'stowage';
      import { createMemoryStorage } from 'stowage/memory';
      import { createFileSystemStorage } from 'stowage/fs';
      import { defineOptions, option } from 'stowage/driver-kit';
      if (typeof defineOptions('x', { a: option.string({ doc: 'a' }) }).resolve !== 'function') throw new Error('driver-kit');
      const memory = createMemoryStorage();
      const name = await memory.save('hello.txt', 'hi');
      const fsStorage = await createStorage({ driver: 'fs', location: './files' });
      await fsStorage.save('x.txt', await (await memory.open(name)).text());
      console.log(JSON.stringify({ text: await (await fsStorage.open('x.txt')).text(), fs: typeof createFileSystemStorage, err: typeof isStorageError }));
    `;
    writeFileSync(join(work, 'check.mjs'), script);
    const out = execFileSync(process.execPath, ['check.mjs'], { cwd: work, encoding: 'utf8' });
    assert.equal(JSON.parse(out), { text: 'hi', fs: 'function', err: 'function' });
    // The installed command works without the SDKs or inversify, on the same files.
    const cli = join(work, 'node_modules/.bin/stowage');
    const env = { ...process.env, STORAGE_DRIVER: 'fs', STORAGE_FS_LOCATION: join(work, 'files') };
    assert.is(execFileSync(cli, ['get', 'x.txt', '-'], { cwd: work, env, encoding: 'utf8' }), 'hi');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test.run();
