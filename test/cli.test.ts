/**
 * The built CLI as a subprocess: help, usage errors, configuration errors, exit codes and
 * the one-line error contract. The memory driver lives and dies with each process, so
 * these cases need no state between runs (file operations are in cli-fs.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { EXIT } from '../src/cli/exit-codes.js';
import { ROOT, requireBuiltCli, stowage } from './support/cli.js';

const test = suite('cli');
const MEMORY = { STORAGE_DRIVER: 'memory' };
const COMMANDS = ['put', 'get', 'ls', 'url', 'rm', 'sync', 'init-buckets', 'health', 'gc'];

test.before(requireBuiltCli);

/** Exactly one line on stderr, without a stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.not.match(stderr, /\n\s+at /, 'no stack trace');
  return lines[0] as string;
}

test('--help for the program and every command', async () => {
  const main = await stowage(['--help'], { env: MEMORY });
  assert.is(main.code, 0);
  for (const command of COMMANDS) assert.match(main.stdout, command);
  for (const command of COMMANDS) {
    const help = await stowage([command, '--help'], { env: MEMORY });
    assert.is(help.code, 0, command);
    assert.match(help.stdout, `Usage: stowage ${command}`);
  }
});

test('--version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = await stowage(['--version']);
  assert.is(result.code, 0);
  assert.is(result.stdout.trim(), version);
});

test('usage errors exit 2 with one line', async () => {
  for (const args of [
    [],
    ['frobnicate'],
    ['put'],
    ['url', 'x', '--expires-in', 'soon'],
    ['--storage', 'archive', 'ls'],
    ['put', '-'],
    ['sync', '.', '--concurrency', '0'],
  ]) {
    const result = await stowage(args, { env: MEMORY });
    assert.is(result.code, EXIT.USAGE, `stowage ${args.join(' ')}: ${result.stderr}`);
    if (args.length > 0) oneLine(result.stderr);
  }
});

test('an unknown driver exits 4 with one line naming STORAGE_DRIVER', async () => {
  const result = await stowage(['ls'], { env: { STORAGE_DRIVER: 'ftp' } });
  assert.is(result.code, EXIT.CONFIG);
  assert.match(oneLine(result.stderr), 'STORAGE_DRIVER');
  assert.is(result.stdout, '');
});

test('a bad variable exits 4 naming it; --json makes the error one JSON line', async () => {
  const env = { STORAGE_DRIVER: 'fs', STORAGE_FS_FILE_MODE: 'rwx' };
  const plain = await stowage(['ls'], { env });
  assert.is(plain.code, EXIT.CONFIG);
  assert.match(oneLine(plain.stderr), 'STORAGE_FS_FILE_MODE');
  const json = await stowage(['ls', '--json'], { env });
  assert.is(json.code, EXIT.CONFIG);
  const { error } = JSON.parse(oneLine(json.stderr)) as { error: { code: string; message: string } };
  assert.is(error.code, 'INVALID_CONFIG');
  assert.match(error.message, 'STORAGE_FS_FILE_MODE');
});

test('--debug adds the stack', async () => {
  const result = await stowage(['get', 'missing.txt', '--debug'], { env: MEMORY });
  assert.is(result.code, EXIT.NOT_FOUND);
  assert.match(result.stderr, /\n\s+at /);
});

test('each error code has its exit code', async () => {
  const cases: Array<[string[], number]> = [
    [['get', 'missing.txt'], EXIT.NOT_FOUND],
    [['put', 'no-such-local-file.txt'], EXIT.NOT_FOUND],
    [['url', 'a.txt'], EXIT.UNSUPPORTED],
    [['url', 'a.txt', '--expires-in', '60'], EXIT.UNSUPPORTED],
    [['put', '-', '../outside.txt'], EXIT.INVALID_NAME],
    [['rm', '/absolute'], EXIT.INVALID_NAME],
  ];
  for (const [args, code] of cases) {
    const result = await stowage(args, { env: MEMORY, input: 'data' });
    assert.is(result.code, code, `stowage ${args.join(' ')}: ${result.stderr}`);
    oneLine(result.stderr);
  }
});

test('memory: put from stdin prints the stored name; --json gives size and type', async () => {
  const plain = await stowage(['put', '-', 'notes/a.txt'], { env: MEMORY, input: 'hello' });
  assert.is(plain.code, 0, plain.stderr);
  assert.is(plain.stdout, 'notes/a.txt\n');
  const json = await stowage(['put', '-', 'notes/a.txt', '--json'], { env: MEMORY, input: 'hello' });
  assert.equal(JSON.parse(json.stdout), { name: 'notes/a.txt', size: 5, contentType: 'text/plain' });
});

test('health and init-buckets on a driver without a server or buckets succeed', async () => {
  const health = await stowage(['health', '--json'], { env: MEMORY });
  assert.is(health.code, EXIT.OK);
  const status = JSON.parse(health.stdout) as { driver: string; available: boolean };
  assert.is(status.driver, 'memory');
  assert.is(status.available, true);
  const init = await stowage(['init-buckets', '--json'], { env: MEMORY });
  assert.is(init.code, EXIT.OK);
  assert.equal(JSON.parse(init.stdout), {
    driver: 'memory',
    bucketManagement: false,
    created: [],
    policySet: [],
    policyRemoved: [],
    unchanged: [],
    rules: [],
  });
  const human = await stowage(['init-buckets'], { env: MEMORY });
  assert.match(human.stdout, 'nothing to initialise');
});

test.run();
