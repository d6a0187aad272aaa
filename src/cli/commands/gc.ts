/**
 * `stowage gc`: removes what killed writes left behind (reservations and incomplete
 * multipart uploads, see src/object-store/cleanup.ts) older than `--older-than`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CleanupReport } from '../../driver.js';
import type { CliContext, Run } from '../context.js';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DEFAULT_AGE = '24h';

interface GcFlags {
  olderThan: number;
  dryRun?: boolean;
}

export function gcCommand(program: Command, run: Run): void {
  program
    .command('gc')
    .description(
      'remove reservations and incomplete multipart uploads that killed writes left, older than --older-than, ' +
        'under the storage bucket and prefix; never an upload still being written',
    )
    .addOption(
      new Option('--older-than <age>', 'only leftovers older than this: a number with s, m, h or d (0: any age)')
        .argParser(parseAge)
        .default(parseAge(DEFAULT_AGE), DEFAULT_AGE),
    )
    .option('-n, --dry-run', 'show what would be removed, remove nothing')
    .action((flags: GcFlags, command: Command) => run(command, (context) => gc(context, flags)));
}

async function gc(context: CliContext, flags: GcFlags): Promise<void> {
  const storage = await context.storage();
  const driver = storage.driver.name;
  // Like init-buckets: a cron job may run gc whatever the driver; no leftovers is a success.
  if (!storage.driver.cleanup) {
    context.result({ driver, supported: false, uploads: [], reservations: [], kept: [] }, () => [
      `The ${driver} driver leaves nothing behind: nothing to clean up.`,
    ]);
    return;
  }
  const onTerminal = context.progress;
  const report = await storage.cleanup({
    olderThan: flags.olderThan,
    dryRun: flags.dryRun === true,
    onProgress: onTerminal ? (found) => context.io.stderr.write(`\rgc: ${found} found`) : undefined,
  });
  if (onTerminal) context.io.stderr.write('\n');
  context.result({ driver, supported: true, ...report }, () => describe(report));
}

function describe(report: CleanupReport): string[] {
  const verb = report.dryRun ? 'would remove' : 'removed';
  return [
    ...report.uploads.map((u) => `${verb} upload ${u.name} (${u.uploadId}, last part ${u.lastActivity})`),
    ...report.reservations.map((r) => `${verb} reservation ${r.name} (${r.lastModified})`),
    ...report.kept.map((k) => `kept ${k.kind} ${k.name}: ${k.reason}`),
    `${report.uploads.length} uploads and ${report.reservations.length} reservations ${verb}, ` +
      `${report.kept.length} kept` +
      (report.dryRun ? ' (dry run: nothing changed)' : ''),
  ];
}

function parseAge(value: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(value.trim());
  const [, amount, unit] = match ?? [];
  if (amount === undefined || (unit === '' && Number(amount) !== 0)) {
    throw new InvalidArgumentError('expected an age such as 30m, 24h or 7d (or 0 for any age).');
  }
  return Number(amount) * (UNITS[unit ?? ''] ?? 0);
}
