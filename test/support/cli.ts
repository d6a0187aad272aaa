/**
 * Runs the BUILT CLI (dist/src/cli/main.js, as `npx stowage` would) in a subprocess with
 * a clean environment: none of the developer's STORAGE_*, MINIO_*, AWS_* or S3_*
 * variables leak into a test. Needs `npm run build` (npm test does it first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as raw bytes (for `get -`). */
  bytes: Buffer;
}

const CONFIG_VARIABLE = /^(STORAGE_|MINIO_|AWS_|S3_|NODE_ENV$)/;

/**
 * Throws unless dist holds a CLI built after the last change to src/ (drivers/ is left
 * out: colleagues editing a driver during a run must not fail the CLI tests).
 */
export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does).`);
  if (newestMtime(join(ROOT, 'src')) > statSync(CLI).mtimeMs) {
    throw new Error('dist/ is older than src/: run npm run build first (npm test does).');
  }
}

/** Runs `stowage ...args`; `env` is added to a copy of process.env without storage variables. */
export function stowage(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; input?: Buffer | string } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !CONFIG_VARIABLE.test(name)) env[name] = value;
  }
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, stdout: bytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), bytes });
    });
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}
