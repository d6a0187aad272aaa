/**
 * Layers point one way: the driver contract and the facade import no driver, drivers
 * never import the registry, the memory and fs drivers share no code but the contract
 * and shared helpers, and what only driver authors need is in `stowage/driver-kit`, not
 * the root entry.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(import.meta.dirname, '../..');
const test = suite('layers');

/** Every module `file` imports or re-exports (type-only ones included), as written. */
function importsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  return [...source.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1] as string);
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `${dir}/${file}`);
}

test('the driver contract and the facade import no driver and not the registry', () => {
  for (const file of ['src/driver.ts', 'src/storage.ts', 'src/options.ts', 'src/hierarchy.ts', 'src/driver-kit.ts']) {
    const imports = importsOf(file);
    assert.ok(imports.length > 0, `${file} has imports`);
    const wrong = imports.filter(
      (path) => path.includes('drivers/') || path.endsWith('/registry.js') || path === './registry.js',
    );
    assert.equal(wrong, [], `${file} imports ${wrong.join(', ')}`);
  }
  assert.ok(
    importsOf('src/registry.ts').includes('./driver.js'),
    'the registry takes the contract types from src/driver.ts',
  );
});

test('drivers import the contract, never the registry', () => {
  for (const file of filesUnder('drivers')) {
    const wrong = importsOf(file).filter((path) => path.endsWith('/registry.js'));
    assert.equal(wrong, [], `${file} imports ${wrong.join(', ')}`);
  }
});

test('the memory driver is its own code on memfs; the fs driver has no memory-only branches', () => {
  for (const file of filesUnder('drivers/memory')) {
    const wrong = importsOf(file).filter((path) => path.includes('/fs/') || path.startsWith('../fs'));
    assert.equal(wrong, [], `${file} imports the fs driver: ${wrong.join(', ')}`);
  }
  assert.ok(importsOf('drivers/memory/driver.ts').includes('memfs'), 'memfs stays the memory store');
  for (const file of filesUnder('drivers/fs')) {
    const source = readFileSync(join(ROOT, file), 'utf8');
    assert.not.match(source, /memfs|backend|\.ino\b|metadata table/i, `${file} has a memory-only branch`);
  }
});

test('the root entry holds the user API; the bucket kit and option kit are in stowage/driver-kit', async () => {
  const root = await import('../../src/index.js');
  const kit = await import('../../src/driver-kit.js');
  for (const name of [
    'BucketPlan',
    'initializeBuckets',
    'parsePolicyHooks',
    'publicReadPolicy',
    'samePolicy',
    'EnvReader',
  ]) {
    assert.not.ok(name in root, `stowage exports ${name}`);
    assert.ok(name in kit, `stowage/driver-kit exports ${name}`);
  }
  for (const name of ['defineOptions', 'option', 'driverEntry', 'optionsTable', 'CAPABILITY_METHODS', 'Storage']) {
    assert.ok(name in kit, `stowage/driver-kit exports ${name}`);
  }
  for (const name of [
    'Storage',
    'StorageError',
    'isStorageError',
    'createStorage',
    'createStorageFromEnv',
    'isoDatePrefix',
  ]) {
    assert.ok(name in root, `stowage exports ${name}`);
  }
});

test.run();
