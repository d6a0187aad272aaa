/**
 * CLI progress bars: drawn (by cli-progress) only on a terminal, only for transfers that
 * last, never with --json. A PassThrough flagged as a TTY stands in for the terminal.
 */
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CliContext, type GlobalOptions } from '../../src/cli/context.js';
import { startProgress } from '../../src/cli/progress.js';

const test = suite('cli progress');

function terminal(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let written = '';
  stream.on('data', (chunk: Buffer) => {
    written += chunk.toString();
  });
  return { stream, output: () => written };
}

function context(isTTY: boolean, options: GlobalOptions = {}) {
  const stdout = terminal(isTTY);
  const stderr = terminal(isTTY);
  return { context: new CliContext({ stdout: stdout.stream, stderr: stderr.stream, env: {} }, options), stderr };
}

test('a long transfer on a terminal draws a bar on stderr', async () => {
  const { context: cli, stderr } = context(true);
  const progress = startProgress(cli, 1000, 'bytes');
  await sleep(700);
  progress.advance(500);
  await sleep(150);
  progress.stop();
  assert.match(stderr.output(), '/1000 bytes');
});

test('a quick transfer draws nothing', async () => {
  const { context: cli, stderr } = context(true);
  const progress = startProgress(cli, 1000, 'bytes');
  progress.advance(1000);
  progress.stop();
  await sleep(700);
  assert.is(stderr.output(), '');
});

test('no bar without a terminal, with --json or with --no-progress', async () => {
  for (const [isTTY, options] of [
    [false, {}],
    [true, { json: true }],
    [true, { progress: false }],
  ] as const) {
    const { context: cli, stderr } = context(isTTY, options);
    assert.is(cli.progress, false);
    const progress = startProgress(cli, 1000, 'files');
    await sleep(600);
    progress.advance(10);
    progress.stop();
    assert.is(stderr.output(), '');
  }
});

test.run();
