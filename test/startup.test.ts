/**
 * Importing `stowage` and `stowage/memory` loads no SDK (SPEC "Package entry points"),
 * even where the SDKs are installed, as they are here: a loader hook records every
 * module a fresh process resolves (support/import-trace.mjs). Checked on the sources
 * and, when built (npm test builds first), on the files users get. The driver entry
 * points do load their SDK, which shows the trace sees SDK modules when they load.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SDK_MODULE, tracedModules } from './support/imports.js';

const ROOT = join(import.meta.dirname, '..');
const test = suite('start-up: no SDK without its driver');
const SOURCE = { conditions: ['stowage-source'], tsx: true } as const;
const built = existsSync(join(ROOT, 'dist', 'src', 'index.js'));

test('stowage + stowage/memory (sources) load stowage and memfs, no SDK', async () => {
  const modules = await tracedModules(['stowage', 'stowage/memory'], SOURCE);
  assert.ok(modules.includes('/src/index.ts'), 'the trace records stowage itself');
  assert.ok(modules.includes('/drivers/memory/index.ts'), 'and the memory driver');
  assert.equal(
    modules.filter((m) => SDK_MODULE.test(m)),
    [],
  );
});

test('stowage + stowage/memory (built files) load no SDK', async () => {
  if (!built) {
    console.warn('start-up test: dist/ is missing (npm test builds it); checked the sources only');
    return;
  }
  const modules = await tracedModules(['stowage', 'stowage/memory']);
  assert.ok(modules.includes('/dist/src/index.js'), 'the built entry point');
  assert.ok(modules.includes('/dist/drivers/memory/index.js'), 'the built memory driver');
  assert.equal(
    modules.filter((m) => SDK_MODULE.test(m)),
    [],
  );
});

test('stowage/fs loads no SDK either', async () => {
  const modules = await tracedModules(['stowage', 'stowage/fs'], SOURCE);
  assert.ok(modules.includes('/drivers/fs/index.ts'));
  assert.equal(
    modules.filter((m) => SDK_MODULE.test(m)),
    [],
  );
});

test('the trace does see an SDK: stowage/minio loads minio, stowage/s3 loads @aws-sdk', async () => {
  const minio = await tracedModules(['stowage/minio'], SOURCE);
  assert.ok(
    minio.some((m) => m.includes('/node_modules/minio/')),
    'minio in the trace of stowage/minio',
  );
  const s3 = await tracedModules(['stowage/s3'], SOURCE);
  assert.ok(
    s3.some((m) => m.includes('/node_modules/@aws-sdk/')),
    '@aws-sdk in the trace of stowage/s3',
  );
});

test.run();
