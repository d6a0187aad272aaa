/**
 * The runner's check of a test file's shape (test/support/uvu-file.ts): a file that queues
 * a suite and then awaits at its top level before queuing another fails, because run on
 * its own uvu would run its suites twice at once; awaiting first, or queuing only a
 * skipped suite before the await, passes.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const RUNNER = join(import.meta.dirname, 'uvu-file.ts');
/** uvu as the runner imports it, so that the file's suites land in the runner's queue. */
const UVU = import.meta.resolve('uvu');
const test = suite('the test runner: a file whose suites would run twice on their own fails');

/** The counts and output of `body` run as a test file by uvu-file.ts. */
async function runFile(body: string): Promise<{ failed: number; passed: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-uvu-file-'));
  try {
    const file = join(dir, 'shape.test.mjs');
    const result = join(dir, 'result.json');
    await writeFile(
      file,
      `import { suite } from '${UVU}';\nconst later = () => new Promise((r) => setTimeout(r, 20));\n${body}\n`,
    );
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', RUNNER, file], {
      env: { ...process.env, STOWAGE_TEST_RESULT: result },
    }).catch((error: { stdout: string; stderr: string }) => error);
    const counts = JSON.parse(await readFile(result, 'utf8')) as { failed: number; passed: number };
    return { ...counts, output: stdout + stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const passing = (name: string) => `{ const s = suite('${name}'); s('ok', () => {}); s.run(); }`;

test('a suite, a top-level await, then another suite: failed, saying why', async () => {
  const { failed, passed, output } = await runFile(`${passing('a')}\nawait later();\n${passing('b')}`);
  assert.is(passed, 2, 'the tests themselves ran, once each');
  assert.is(failed, 1);
  assert.match(output, 'awaits at its top level before queuing another');
});

test('the await before the first suite: passed', async () => {
  const { failed, passed } = await runFile(`await later();\n${passing('a')}\n${passing('b')}`);
  assert.equal({ failed, passed }, { failed: 0, passed: 2 });
});

test('only a skipped suite before the await (a missing server): passed', async () => {
  const skipped = `{ const k = suite('no server'); k.skip('needs a server', () => {}); k.run(); }`;
  const { failed, passed } = await runFile(`${skipped}\nawait later();\n${passing('b')}`);
  assert.equal({ failed, passed }, { failed: 0, passed: 1 });
});

test.run();
