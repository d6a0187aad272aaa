/**
 * Every environment variable stowage reads is listed in .env.example and documented:
 * the generic ones (src/registry.ts) in docs/configuration.md, a driver's in
 * docs/configuration.md or in docs/<driver>.md. The variables are found in the code
 * itself (quoted names in src/registry.ts and drivers/<name>/*.ts of every registered
 * driver), so a driver that adds one cannot forget the docs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fileSystemEntry } from '../../drivers/fs/index.js';
import { memoryEntry } from '../../drivers/memory/index.js';
import { minioEntry } from '../../drivers/minio/index.js';
import { s3Entry } from '../../drivers/s3/index.js';
import type { DriverEntry } from '../../src/driver.js';
import { optionsTable } from '../../src/options.js';
import { DRIVER_NAMES, type DriverName } from '../../src/registry.js';

const ROOT = join(import.meta.dirname, '../..');
/** A quoted name in code (comments use backticks, and may name settings stowage does not read). */
const VARIABLE = /['"]((?:STORAGE|MINIO|AWS|S3)_[A-Z0-9_]*[A-Z0-9])['"]/g;
const read = (path: string) => (existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : '');

/** Variables named in `files`, by the file that names them. */
function variablesIn(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) {
    for (const match of read(file).matchAll(VARIABLE)) found.set(match[1] as string, file);
  }
  return found;
}

/** Registered drivers only: a driver folder still being written is not configurable yet. */
const drivers = DRIVER_NAMES;
const envExample = read('.env.example');
const configuration = read('docs/configuration.md');

const test = suite('environment variables');

test('the generic variables are in .env.example and docs/configuration.md', () => {
  const generic = variablesIn(['src/registry.ts']);
  assert.ok(generic.has('STORAGE_DRIVER'));
  for (const variable of generic.keys()) {
    assert.ok(envExample.includes(variable), `${variable} is missing from .env.example`);
    assert.ok(configuration.includes(variable), `${variable} is missing from docs/configuration.md`);
  }
});

for (const driver of drivers) {
  test(`every variable the ${driver} driver reads is in .env.example and documented`, () => {
    const files = readdirSync(join(ROOT, 'drivers', driver))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => `drivers/${driver}/${file}`);
    const docs = configuration + read(`docs/${driver}.md`);
    for (const [variable, file] of variablesIn(files)) {
      assert.ok(envExample.includes(variable), `${variable} (read in ${file}) is missing from .env.example`);
      assert.ok(
        docs.includes(variable),
        `${variable} (${file}) is in neither docs/configuration.md nor docs/${driver}.md`,
      );
    }
  });
}

const ENTRIES: Record<DriverName, DriverEntry> = {
  memory: memoryEntry,
  fs: fileSystemEntry,
  minio: minioEntry,
  s3: s3Entry,
} as Record<DriverName, DriverEntry>;

test('the option tables of memory and fs in docs/configuration.md are the ones their declarations give', () => {
  for (const entry of [memoryEntry, fileSystemEntry]) {
    const table = optionsTable(entry.options);
    assert.ok(configuration.includes(table), `docs/configuration.md must hold this table:\n${table}`);
  }
});

test('a driver declaring its options has its table in docs/configuration.md or its own page', () => {
  for (const driver of drivers) {
    const declared = ENTRIES[driver].options;
    if (!declared) continue;
    const table = optionsTable(declared);
    const docs = configuration + read(`docs/${driver}.md`);
    assert.ok(docs.includes(table), `${driver}: docs/configuration.md or docs/${driver}.md must hold:\n${table}`);
  }
});

test.run();
