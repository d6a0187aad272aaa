/**
 * `stowage init-buckets` (django-minio-backend's `initialize_buckets` command) and
 * `stowage health` (its `is_minio_available`).
 */
import type { Command } from 'commander';
import type { InitializeReport } from '../../buckets.js';
import type { CliContext, Run } from '../context.js';
import { EXIT } from '../exit-codes.js';

export function initBucketsCommand(program: Command, run: Run): void {
  program
    .command('init-buckets')
    .description(
      'create missing buckets and set public/private policies and policy hooks (idempotent); ' +
        'drivers without buckets (memory, fs) have nothing to do and succeed',
    )
    .action((_options: object, command: Command) => run(command, initBuckets));
}

async function initBuckets(context: CliContext): Promise<void> {
  const storage = await context.storage();
  const driver = storage.driver.name;
  // Deploy scripts run init-buckets whatever the driver, so "no buckets" is a success.
  if (!storage.capabilities.bucketManagement) {
    const empty: InitializeReport = { created: [], policySet: [], policyRemoved: [], unchanged: [], rules: [] };
    context.result({ driver, bucketManagement: false, ...empty }, () => [
      `The ${driver} driver has no buckets: nothing to initialise.`,
    ]);
    return;
  }
  const report = await storage.initializeBuckets();
  context.result({ driver, bucketManagement: true, ...report }, () => describeReport(report));
}

function describeReport(report: InitializeReport): string[] {
  const sections: Array<[string, string[]]> = [
    ['created', report.created],
    ['policy set', report.policySet],
    ['public policy removed', report.policyRemoved],
    ['unchanged', report.unchanged],
  ];
  const lines = sections.filter(([, buckets]) => buckets.length > 0).map(([what, b]) => `${what}: ${b.join(', ')}`);
  if (lines.length === 0) return ['no buckets are configured'];
  for (const { bucket, kind, status, rule, reason, advice } of report.rules) {
    if (status === 'not-kept') lines.push(`${kind} rule NOT KEPT on ${bucket}: ${reason} Instead: ${advice}.`);
    else lines.push(`${kind} rule ${status} on ${bucket}: ${rule}`);
  }
  return lines;
}

export function healthCommand(program: Command, run: Run): void {
  program
    .command('health')
    .description(`check that the storage answers; exit ${EXIT.OK} when it does, ${EXIT.UNAVAILABLE} when it does not`)
    .action((_options: object, command: Command) => run(command, health));
}

async function health(context: CliContext): Promise<number> {
  const storage = await context.storage();
  const status = await storage.isAvailable();
  const driver = storage.driver.name;
  context.result({ driver, ...status }, () => [
    `${status.available ? 'available' : 'UNAVAILABLE'}: ${status.details} (${driver}, ${status.latencyMs} ms${
      status.status === undefined ? '' : `, HTTP ${status.status}`
    })`,
  ]);
  return status.available ? EXIT.OK : EXIT.UNAVAILABLE;
}
