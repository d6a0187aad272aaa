/**
 * What a fresh process loads to import some specifiers, recorded by the loader hook
 * in import-trace.mjs: the proof that `stowage` and `stowage/memory` load no SDK
 * (test/startup.test.ts, and bench/startup.ts for the benchmark report).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(import.meta.dirname, '..', '..');
const TRACE_HOOK = join(import.meta.dirname, 'import-trace.mjs');

/** Modules of the optional peer dependencies (the SDKs and inversify), by path. */
export const SDK_MODULE = /\/node_modules\/(minio|@aws-sdk|@smithy|@aws-crypto|inversify)\//;

/**
 * Every module (ESM URL or CommonJS file) a fresh `node` loads to import `specifiers`
 * from the repository root, as paths relative to it. `conditions` are passed as
 * `--conditions` (`stowage-source` loads the TypeScript sources, which needs tsx too).
 */
export async function tracedModules(
  specifiers: readonly string[],
  options: { conditions?: readonly string[]; tsx?: boolean } = {},
): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'stowage-trace-'));
  const file = join(dir, 'trace.txt');
  const script = specifiers.map((specifier) => `await import(${JSON.stringify(specifier)});`).join('\n');
  try {
    await promisify(execFile)(
      process.execPath,
      [
        ...(options.conditions ?? []).map((condition) => `--conditions=${condition}`),
        ...(options.tsx ? ['--import', 'tsx'] : []),
        '--import',
        TRACE_HOOK,
        '--input-type=module',
        '--eval',
        script,
      ],
      { cwd: ROOT, env: { ...process.env, STOWAGE_IMPORT_TRACE: file, NODE_NO_WARNINGS: '1' } },
    );
    const modules = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('file:') || line.startsWith('cjs:'))
      .map((line) => (line.startsWith('cjs:') ? line.slice(4) : decodeURIComponent(new URL(line).pathname)))
      .map((path) => (path.startsWith(ROOT) ? path.slice(ROOT.length) : path));
    return [...new Set(modules)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
