/**
 * Start-up cost: what `import('stowage')` + `import('stowage/memory')` costs a fresh
 * process (wall time, heap and RSS after a garbage collection; the median of `runs`
 * processes), next to the driver entry points and the bare SDKs for scale, and the
 * list of modules the import loads, checked for any SDK (test/startup.test.ts asserts
 * the same in `npm test`).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SDK_MODULE, tracedModules } from '../test/support/imports.js';
import { median, round } from './workload.js';

export interface StartupCase {
  imports: string[];
  ms: number;
  heapKiB: number;
  rssKiB: number;
}

export interface StartupResult {
  cases: StartupCase[];
  /** Modules `stowage` + `stowage/memory` loaded (ESM URLs and CommonJS files), relative to the repository. */
  modulesLoaded: number;
  /** Of those, the ones from an SDK or inversify: must be none. */
  sdkModules: string[];
}

const ROOT = join(import.meta.dirname, '..');
const CHILD = join(import.meta.dirname, 'startup', 'import-child.mjs');

const CASES: string[][] = [
  ['stowage', 'stowage/memory'],
  ['stowage', 'stowage/fs'],
  ['stowage', 'stowage/minio'],
  ['stowage', 'stowage/s3'],
  ['minio'],
  ['@aws-sdk/client-s3'],
];

export async function startup(runs: number, log: (line: string) => void): Promise<StartupResult> {
  const cases: StartupCase[] = [];
  for (const imports of CASES) {
    const samples: Array<{ ms: number; heapBytes: number; rssBytes: number }> = [];
    for (let run = 0; run < runs; run++) {
      const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, ...imports], {
        cwd: ROOT,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });
      samples.push(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
    }
    const result: StartupCase = {
      imports,
      ms: round(median(samples.map((s) => s.ms)), 1),
      heapKiB: round(median(samples.map((s) => s.heapBytes)) / 1024, 0),
      rssKiB: round(median(samples.map((s) => s.rssBytes)) / 1024, 0),
    };
    cases.push(result);
    log(`  import ${imports.join(' + ').padEnd(30)} ${String(result.ms).padStart(6)} ms  heap +${result.heapKiB} KiB`);
  }
  const loaded = await tracedModules(['stowage', 'stowage/memory']);
  const sdkModules = loaded.filter((url) => SDK_MODULE.test(url));
  log(`  stowage + stowage/memory loaded ${loaded.length} modules, ${sdkModules.length} of them from an SDK`);
  return { cases, modulesLoaded: loaded.length, sdkModules };
}
