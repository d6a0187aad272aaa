/** `stowage put` and `stowage get`: one object to or from a local file (or stdin/stdout). */
import { createReadStream, createWriteStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { StorageError } from '../../errors.js';
import { Storage } from '../../storage.js';
import { type CliContext, type Run, UsageError } from '../context.js';
import { localError, localFileSize } from '../local-files.js';
import { countingStream, startProgress } from '../progress.js';

interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  overwrite?: boolean;
}

export function putCommand(program: Command, run: Run): void {
  program
    .command('put')
    .description('upload a local file (or - for stdin) and print the name it was stored under')
    .argument('<file>', 'the local file, or - to read standard input')
    .argument('[name]', 'the object name (default: the file name; required with -)')
    .option('--content-type <type>', 'Content-Type to store (default: guessed from the name)')
    .option('--cache-control <value>', 'Cache-Control to store')
    .option('--overwrite', 'replace an existing object instead of choosing another name')
    .action((file: string, name: string | undefined, options: PutOptions, command: Command) =>
      run(command, (context) => put(context, file, name, options)),
    );
}

async function put(context: CliContext, file: string, name: string | undefined, options: PutOptions): Promise<void> {
  if (file === '-' && name === undefined) {
    throw new UsageError('put - (standard input) needs a name: stowage put - <name>');
  }
  const target = name ?? basename(file);
  const size = file === '-' ? undefined : await localFileSize(file);
  const base = await context.storage();
  const storage = options.overwrite ? new Storage({ driver: base.driver, replaceExisting: true }) : base;
  const progress = startProgress(context, size ?? 0, 'bytes');
  const source: Readable = file === '-' ? process.stdin : createReadStream(file);
  const counted = countingStream(progress);
  // A failing source destroys `counted` with its error, and save reports it.
  pipeline(source, counted).catch(() => {});
  try {
    const stored = await storage.save(target, counted, {
      contentType: options.contentType,
      cacheControl: options.cacheControl,
    });
    const stat = await storage.stat(stored);
    context.result({ name: stored, size: stat.size, contentType: stat.contentType }, () => [stored]);
  } finally {
    progress.stop();
    source.destroy();
  }
}

export function getCommand(program: Command, run: Run): void {
  program
    .command('get')
    .description('download an object to a local file (or - for stdout)')
    .argument('<name>', 'the object name')
    .argument('[file]', 'the local file to write (default: the last part of the name), or - for stdout')
    .action((name: string, file: string | undefined, _options: object, command: Command) =>
      run(command, (context) => get(context, name, file)),
    );
}

async function get(context: CliContext, name: string, file: string | undefined): Promise<void> {
  const storage = await context.storage();
  // Open first: a missing object must not leave an empty local file behind.
  const stored = await storage.open(name);
  const toStdout = file === '-';
  const path = file ?? basename(stored.name);
  const progress = startProgress(context, toStdout ? 0 : stored.size, 'bytes');
  try {
    const sink = toStdout ? context.io.stdout : createWriteStream(path);
    await pipeline(stored.stream(), countingStream(progress), sink, { end: !toStdout }).catch((error: unknown) => {
      throw error instanceof StorageError ? error : localError(error, path);
    });
  } finally {
    progress.stop();
  }
  if (!toStdout) {
    context.result({ name: stored.name, file: path, size: stored.size }, () => [
      `${stored.name} → ${path} (${stored.size} bytes)`,
    ]);
  }
}
