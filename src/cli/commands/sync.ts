/** `stowage sync <dir> [prefix]`: collectstatic (see ../sync.ts for how changes are detected). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext, Run } from '../context.js';
import { exitCodeFor } from '../exit-codes.js';
import { startProgress } from '../progress.js';
import { checkSyncTarget, localFiles, type SyncOptions, type SyncReport, syncFiles } from '../sync.js';

/** Uploads at once by default: enough to hide latency, few enough for any server. */
const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;

interface SyncFlags {
  dryRun?: boolean;
  delete?: boolean;
  concurrency: number;
  all?: boolean;
  cacheControl?: string;
}

export function syncCommand(program: Command, run: Run): void {
  program
    .command('sync')
    .description(
      'upload a directory under a prefix (collectstatic), skipping files whose SHA-256 matches what is stored; ' +
        'uses the static storage unless --storage says otherwise',
    )
    .argument('<dir>', 'the local directory')
    .argument('[prefix]', 'the directory path in the storage to upload under', '')
    .option('-n, --dry-run', 'show what would be uploaded and deleted, change nothing')
    .option('--delete', 'delete objects under the prefix that have no local file')
    .addOption(
      new Option('-c, --concurrency <n>', `uploads at once, 1 to ${MAX_CONCURRENCY}`)
        .argParser(parseConcurrency)
        .default(DEFAULT_CONCURRENCY),
    )
    .option('--all', 'include dotfiles and backups ending in ~ (ignored by default, as collectstatic does)')
    .option('--cache-control <value>', 'Cache-Control to store on uploaded objects')
    .action((dir: string, prefix: string, flags: SyncFlags, command: Command) =>
      run(command, (context) => sync(context, dir, prefix, flags)),
    );
}

async function sync(context: CliContext, dir: string, prefix: string, flags: SyncFlags): Promise<number> {
  const options: SyncOptions = {
    prefix,
    dryRun: flags.dryRun === true,
    delete: flags.delete === true,
    concurrency: flags.concurrency,
    all: flags.all === true,
    cacheControl: flags.cacheControl,
  };
  const storage = await context.storage('static');
  await checkSyncTarget(storage, dir, prefix);
  const files = await localFiles(dir, prefix, options.all);
  const progress = startProgress(context, files.length, 'files');
  let report: SyncReport;
  try {
    report = await syncFiles(storage, files, options, progress);
  } finally {
    progress.stop();
  }
  context.result({ storage: context.alias('static'), ...report }, () => describe(report));
  for (const failed of report.failed) context.io.stderr.write(`${failed.name}: ${failed.message} (${failed.code})\n`);
  const first = report.failed[0];
  return first ? exitCodeFor(first.code) : 0;
}

function describe(report: SyncReport): string[] {
  const would = report.dryRun ? 'would upload' : 'uploaded';
  return [
    ...report.uploaded.map((name) => `${report.dryRun ? 'would upload' : 'upload'} ${name}`),
    ...report.deleted.map((name) => `${report.dryRun ? 'would delete' : 'delete'} ${name}`),
    `${report.uploaded.length} ${would}, ${report.unchanged.length} unchanged, ` +
      `${report.deleted.length} ${report.dryRun ? 'would be deleted' : 'deleted'}, ${report.failed.length} failed` +
      (report.dryRun ? ' (dry run: nothing changed)' : ''),
  ];
}

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_CONCURRENCY}.`);
  }
  return n;
}
