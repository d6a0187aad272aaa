/**
 * The test runner behind `npm test`: runs every test/**\/*.test.ts file in its own
 * process (uvu under tsx), at most STOWAGE_TEST_JOBS at a time, and ends with the line
 * `N passed, N failed`. Arguments filter the files by substring.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/** How long one test file may run (the slowest, the MinIO cluster's, takes about 2.5 minutes). */
const FILE_LIMIT_MINUTES = 15;

interface Counts {
  total: number;
  passed: number;
  skipped: number;
  failed: number;
}

const ROOT = join(import.meta.dirname, '..');
checkNodeVersion();
const JOBS = Number(process.env.STOWAGE_TEST_JOBS ?? 2);
const filters = process.argv.slice(2);
const files = findTests(join(ROOT, 'test')).filter(
  (file) => filters.length === 0 || filters.some((f) => file.includes(f)),
);
const scratch = mkdtempSync(join(tmpdir(), 'stowage-test-'));
const totals: Counts = { total: 0, passed: 0, skipped: 0, failed: 0 };
const started = Date.now();

let next = 0;
await Promise.all(Array.from({ length: Math.min(JOBS, files.length) }, worker));
rmSync(scratch, { recursive: true, force: true });

console.log(
  `\n${files.length} files, ${totals.total} tests, ${totals.skipped} skipped, ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exitCode = totals.failed > 0 || files.length === 0 ? 1 : 0;

async function worker(): Promise<void> {
  while (next < files.length) {
    const file = files[next++] as string;
    const counts = await runFile(file);
    totals.total += counts.total;
    totals.passed += counts.passed;
    totals.skipped += counts.skipped;
    totals.failed += counts.failed;
  }
}

/** Runs one file, printing its output in one piece when it ends (files run in parallel). */
async function runFile(file: string): Promise<Counts> {
  const name = relative(ROOT, file);
  const resultPath = join(scratch, `${name.replace(/[/\\]/g, '_')}.json`);
  const begun = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=stowage-source', '--import', 'tsx', join(ROOT, 'test/support/uvu-file.ts'), name],
    { cwd: ROOT, env: { ...process.env, STOWAGE_TEST_RESULT: resultPath }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  // A file that hangs fails with what it printed so far (its suites' dots say which test),
  // instead of holding the whole run until CI gives up.
  const limit = setTimeout(() => {
    output += `\n${name}: still running after ${FILE_LIMIT_MINUTES} minutes; killed.\n`;
    child.kill('SIGKILL');
  }, FILE_LIMIT_MINUTES * 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(limit);
  let counts: Counts;
  try {
    counts = JSON.parse(readFileSync(resultPath, 'utf8')) as Counts;
  } catch {
    counts = { total: 1, passed: 0, skipped: 0, failed: 1 };
    output += `\n${name}: the test process ended (exit ${code}) without reporting results.\n`;
  }
  if (code !== 0 && counts.failed === 0) {
    counts.failed = 1;
    output += `\n${name}: the test process exited with ${code}.\n`;
  }
  const status = counts.failed > 0 ? 'FAIL' : 'ok';
  console.log(
    `\n── ${name} ── ${status} (${counts.passed}/${counts.total}, ${((Date.now() - begun) / 1000).toFixed(1)} s)`,
  );
  process.stdout.write(output);
  return counts;
}

/** Says which Node runs the tests, and stops at once on one older than `engines` allows. */
function checkNodeVersion(): void {
  const { engines } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  console.log(`npm test on Node ${process.version} (${process.execPath})`);
  const floor = /^>=(\d+)\.(\d+)$/.exec(engines.node);
  if (!floor) throw new Error(`package.json engines.node is ${engines.node}; test/run.ts expects ">=major.minor"`);
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const [, floorMajor, floorMinor] = floor.map(Number) as [number, number, number];
  if (major < floorMajor || (major === floorMajor && minor < floorMinor)) {
    console.error(`stowage needs Node ${engines.node} (package.json engines); this is ${process.version}.`);
    process.exit(1);
  }
}

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTests(path));
    else if (entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}
