/**
 * The `stowage` command line: commander for parsing and help, one file per group of
 * commands, and one place (here) that turns failures into a line on stderr and an
 * exit code (see exit-codes.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { StorageError } from '../errors.js';
import { STORAGE_ALIASES } from '../registry.js';
import { healthCommand, initBucketsCommand } from './commands/admin.js';
import { gcCommand } from './commands/gc.js';
import { lsCommand, rmCommand, urlCommand } from './commands/objects.js';
import { syncCommand } from './commands/sync.js';
import { getCommand, putCommand } from './commands/transfer.js';
import { CliContext, type CliIo, type Run, UsageError } from './context.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** Runs the CLI on `argv` (without node and the script) and resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.OK;
  const run: Run = async (command, action) => {
    const context = new CliContext(io, command.optsWithGlobals());
    try {
      const code = await action(context);
      exitCode = typeof code === 'number' ? code : EXIT.OK;
    } catch (error) {
      exitCode = reportError(context, error);
    } finally {
      await context.close();
    }
  };
  const program = buildProgram(io);
  for (const register of [
    putCommand,
    getCommand,
    lsCommand,
    urlCommand,
    rmCommand,
    syncCommand,
    initBucketsCommand,
    healthCommand,
    gcCommand,
  ]) {
    register(program, run);
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw error;
  }
  return exitCode;
}

function buildProgram(io: CliIo): Command {
  return new Command('stowage')
    .description(
      'Files in any stowage storage from the command line. The storage is configured by the same ' +
        'environment variables as createStorageFromEnv() (STORAGE_DRIVER=memory|fs|minio|s3, ...).',
    )
    .version(packageVersion(), '-V, --version')
    .addOption(
      new Option('--storage <alias>', 'which named storage to use (default: default; sync: static)').choices(
        STORAGE_ALIASES,
      ),
    )
    .option('--json', 'output one JSON document on stdout; errors as one JSON line on stderr')
    .option('--no-progress', 'never show progress bars (shown only on a terminal, for long transfers)')
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
}

/** One line on stderr (JSON with --json), a stack only with --debug; the exit code for the error. */
function reportError(context: CliContext, error: unknown): number {
  if (error instanceof UsageError) {
    context.io.stderr.write(`error: ${error.message}\n`);
    return EXIT.USAGE;
  }
  // Anything that is not a StorageError is a bug or an unmapped failure: UNEXPECTED, exit 1.
  const storageError =
    error instanceof StorageError
      ? error
      : new StorageError('UNEXPECTED', error instanceof Error ? error.message : String(error), { cause: error });
  const line = context.json
    ? JSON.stringify({ error: storageError.toJSON() })
    : `stowage: ${storageError.message} (${storageError.code})`;
  const lines = [line];
  if (context.debug) {
    lines.push(storageError.stack ?? '');
    if (storageError.cause instanceof Error) lines.push(`cause: ${storageError.cause.stack ?? storageError.cause}`);
  }
  context.io.stderr.write(`${redact(lines.join('\n'), context.io.env)}\n`);
  return exitCodeFor(storageError.code);
}

/** Secret-looking variables whose values must never be printed, even inside an SDK's message. */
const SECRET_VARIABLE = /SECRET|TOKEN|PASSWORD|CREDENTIAL/i;
/** Shorter values would match ordinary words. */
const MIN_SECRET_LENGTH = 6;

function redact(text: string, env: CliIo['env']): string {
  let result = text;
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_VARIABLE.test(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH) {
      result = result.split(value).join('***');
    }
  }
  return result;
}

/** The version in the package's package.json (two levels up in src/, three in dist/src/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'stowage') return pkg.version ?? '0.0.0';
    }
  }
  return '0.0.0';
}
