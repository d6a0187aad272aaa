/**
 * Large objects: a generated stream of `bytes` saved, then read back, by each
 * contender, each case in a fresh child process (bench/large-child.ts) that reports
 * the time and the resident set size above its own baseline. The cases take turns in
 * an order that reverses on every other pass (A B C D, D C B A), as the small-object
 * blocks do. Throughput is the fastest pass (the one least disturbed by other load on
 * the machine), memory the median.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from 'minio';
import type { Contender, ContenderId, Target } from './contenders.js';
import type { LargeCase, LargeDirection, LargeMeasure } from './large-child.js';
import { median, round } from './workload.js';

export interface LargeOptions {
  bytes: number;
  passes: number;
  prefix: string;
  /** Removes what a case stored. */
  admin: Client;
  /** Where a case that failed is said (the run goes on without its figure). */
  failures?: string[];
  /** Runs after each contender's objects of a pass are removed (the server's trash emptied). */
  afterRemove?: () => Promise<void>;
  log: (line: string) => void;
}

export interface LargeResult {
  contender: ContenderId | 'django-minio-backend';
  direction: LargeDirection;
  bytes: number;
  /**
   * The fastest pass, MB/s (10^6 bytes per second): the pass least disturbed by other
   * load on the machine (every pass is in `passes`).
   */
  mbPerSecond: number;
  /** Median peak RSS above the baseline, MiB. */
  rssGrowthMiB: number;
  /** CPU time of the client process per GiB moved in the fastest pass, seconds (undefined for Python). */
  cpuSecondsPerGiB?: number | undefined;
  passes: Array<{ ms: number; rssGrowthMiB: number; maxRssGrowthMiB: number; cpuMs?: number | undefined }>;
}

const CHILD = join(import.meta.dirname, 'large-child.ts');
export const LARGE_DIRECTIONS: readonly LargeDirection[] = ['save', 'save-known', 'read'];
const MiB = 1024 * 1024;

export async function largeObjects(
  target: Target,
  contenders: readonly Contender[],
  options: LargeOptions,
): Promise<LargeResult[]> {
  const measured = new Map<string, LargeMeasure[]>();
  for (let pass = 0; pass < options.passes; pass++) {
    const order = pass % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const name = `${options.prefix}large/${contender.id}/${pass}.bin`;
      const known = `${options.prefix}large/${contender.id}/${pass}-known.bin`;
      try {
        for (const direction of LARGE_DIRECTIONS) {
          // The read reads what the length-unknown save stored.
          const caseName = direction === 'save-known' ? known : name;
          const spec = { contender: contender.id, target, name: caseName, bytes: options.bytes, direction };
          const measure = await runCase(spec).catch((error: unknown) => {
            // One failing case is a finding of the run, not the end of it.
            const why = firstLine(error);
            options.failures?.push(`large objects: ${contender.label}, ${direction} failed (no figure): ${why}`);
            options.log(`  ${contender.label.padEnd(32)} ${direction.padEnd(10)} failed: ${why}`);
            return undefined;
          });
          if (measure === undefined) continue;
          const key = `${contender.id}:${direction}`;
          measured.set(key, [...(measured.get(key) ?? []), measure]);
          options.log(
            `  ${contender.label.padEnd(32)} ${direction.padEnd(10)} ${mbps(options.bytes, measure.ms).toFixed(0).padStart(5)} MB/s  RSS +${growth(measure).toFixed(0)} MiB`,
          );
        }
      } finally {
        await options.admin.removeObject(target.bucket, name).catch(() => {});
        await options.admin.removeObject(target.bucket, known).catch(() => {});
        await options.afterRemove?.();
      }
    }
  }
  const results: LargeResult[] = [];
  for (const contender of contenders) {
    for (const direction of LARGE_DIRECTIONS) {
      const runs = measured.get(`${contender.id}:${direction}`);
      if (runs) results.push(largeResult(contender.id, direction, options.bytes, runs));
    }
  }
  return results;
}

/** The median figures of a contender's passes in one direction. */
export function largeResult(
  contender: LargeResult['contender'],
  direction: LargeDirection,
  bytes: number,
  runs: readonly LargeMeasure[],
): LargeResult {
  return {
    contender,
    direction,
    bytes,
    mbPerSecond: round(Math.max(...runs.map((m) => mbps(bytes, m.ms))), 0),
    rssGrowthMiB: round(median(runs.map(growth)), 1),
    cpuSecondsPerGiB: runs.every((m) => m.cpuMs !== undefined)
      ? round((fastest(runs).cpuMs as number) / 1000 / (bytes / 1024 ** 3), 2)
      : undefined,
    passes: runs.map((m) => ({
      ms: round(m.ms, 0),
      rssGrowthMiB: round(growth(m), 1),
      maxRssGrowthMiB: round((m.maxRss - m.baselineRss) / MiB, 1),
      cpuMs: m.cpuMs === undefined ? undefined : round(m.cpuMs, 0),
    })),
  };
}

/** Runs one case in a fresh process; `nodeArgs` go before the script (e.g. `--cpu-prof`). */
export async function runCase(spec: LargeCase, nodeArgs: readonly string[] = []): Promise<LargeMeasure> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', ...nodeArgs, '--import', 'tsx', CHILD, JSON.stringify(spec)],
    { cwd: join(import.meta.dirname, '..'), maxBuffer: 1024 * 1024, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as LargeMeasure;
}

function fastest(runs: readonly LargeMeasure[]): LargeMeasure {
  return runs.reduce((a, b) => (b.ms < a.ms ? b : a));
}

function mbps(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

function growth(measure: LargeMeasure): number {
  return (measure.peakRss - measure.baselineRss) / MiB;
}

/** The last line of a failed case's error (the child's stderr ends with it), without the stack. */
function firstLine(error: unknown): string {
  const { stderr, message } = error as { stderr?: string; message?: string };
  const lines = (stderr || message || String(error)).split('\n').map((line) => line.trim());
  return lines.find((line) => /^(\w*Error|Error)\b/.test(line)) ?? lines.find(Boolean) ?? 'failed';
}
