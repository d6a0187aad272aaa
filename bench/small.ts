/**
 * Small objects: `count` × 4 KiB save, open+read, exists and delete, at each
 * concurrency, for every contender on the same server.
 *
 * The machine is noisy (two cores shared with MinIO), so the contenders take turns:
 * the work is cut into blocks, and in each block every contender runs all four phases
 * on its share of the names, in an order that reverses from block to block (A B C, then
 * C B A, ...). Drift over the run then touches every contender alike, and the ratios
 * hold even when the absolute figures move. Each block's CPU per operation is kept
 * (`cpuMicrosPerBlock`), so that the report compares a driver with its raw SDK block by
 * block (they run next to each other in every block) and gives the ratio's confidence
 * interval (bench/report.ts `pairedCpu`).
 *
 * `npm run bench` runs the section once per SDK (`smallObjectsByGroup`): the stowage
 * driver, the raw SDK it is built on and the peers on the same SDK share a process, and
 * no other SDK runs in it. In one process with every contender, the MinIO driver's
 * open+read came out at 1.11× raw minio-js's CPU, and at 1.04× in a process with those
 * two only: code that every client's streams and sockets run through (Node's) is slower
 * for all once many kinds of objects have passed through it, and it did not slow the
 * two alike. A user's process holds one of them, as the large cases' processes do.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Contender, ContenderId, Session, Target } from './contenders.js';
import type { SmallGroup } from './small-child.js';
import { KiB, median, payload, round, timed } from './workload.js';

export const SMALL_SIZE = 4 * KiB;
export const PHASES = ['save', 'read', 'exists', 'delete'] as const;
export type Phase = (typeof PHASES)[number];

export interface SmallOptions {
  /** Objects per contender and concurrency (each phase runs this many operations). */
  count: number;
  concurrencies: readonly number[];
  /** How many turns the work is cut into (at least 2, so that the order reverses). */
  blocks: number;
  /** Operations each contender does once per concurrency before the timed blocks (connections, JIT, the heap's steady size). */
  warmup: number;
  /** Key prefix of this run; every key the section writes is under it. */
  prefix: string;
  log: (line: string) => void;
}

export interface SmallResult {
  contender: ContenderId | 'django-minio-backend';
  concurrency: number;
  count: number;
  /**
   * Operations per second of each phase: the median over the blocks, so that a block
   * hit by a burst of other load on the machine does not move the figure.
   */
  opsPerSecond: Record<Phase, number>;
  /** Milliseconds spent in each phase, summed over the blocks (count × 1000 / ms is the mean rate). */
  ms: Record<Phase, number>;
  /**
   * CPU time this process spent per operation (user + system, microseconds): the
   * client's own cost, which the other processes on the machine disturb less than the
   * wall time.
   */
  cpuMicrosPerOp?: Record<Phase, number>;
  /** The CPU microseconds per operation of each block, in block order (`cpuMicrosPerOp` is their median). */
  cpuMicrosPerBlock?: Record<Phase, number[]>;
}

export async function smallObjects(
  target: Target,
  contenders: readonly Contender[],
  options: SmallOptions,
): Promise<SmallResult[]> {
  const body = payload(SMALL_SIZE);
  const sessions = new Map<ContenderId, Session>();
  for (const contender of contenders) sessions.set(contender.id, await contender.open(target));
  const results: SmallResult[] = [];
  try {
    for (const concurrency of options.concurrencies) {
      const totals = new Map<ContenderId, Record<Phase, number>>();
      /** CPU microseconds per operation of each block: the figure is their median. */
      const cpu = new Map<ContenderId, Record<Phase, number[]>>();
      /** Operations per second of each block, per contender and phase: the figure is their median. */
      const rates = new Map<ContenderId, Record<Phase, number[]>>();
      for (const contender of contenders) {
        const session = sessions.get(contender.id) as Session;
        await runBlock(
          session,
          names(options.prefix, contender.id, concurrency, 'warmup', options.warmup),
          body,
          concurrency,
        );
        totals.set(contender.id, { save: 0, read: 0, exists: 0, delete: 0 });
        cpu.set(contender.id, { save: [], read: [], exists: [], delete: [] });
        rates.set(contender.id, { save: [], read: [], exists: [], delete: [] });
      }
      const perBlock = Math.ceil(options.count / options.blocks);
      for (let block = 0; block < options.blocks; block++) {
        const order = block % 2 === 0 ? contenders : [...contenders].reverse();
        const size = Math.min(perBlock, options.count - block * perBlock);
        for (const contender of order) {
          const session = sessions.get(contender.id) as Session;
          const keys = names(options.prefix, contender.id, concurrency, `b${block}`, size);
          const { ms, cpuMicros } = await runBlock(session, keys, body, concurrency);
          const total = totals.get(contender.id) as Record<Phase, number>;
          const cpuPerOp = cpu.get(contender.id) as Record<Phase, number[]>;
          const rate = rates.get(contender.id) as Record<Phase, number[]>;
          for (const phase of PHASES) {
            total[phase] += ms[phase];
            cpuPerOp[phase].push(cpuMicros[phase] / size);
            rate[phase].push((size * 1000) / ms[phase]);
          }
        }
      }
      for (const contender of contenders) {
        const ms = totals.get(contender.id) as Record<Phase, number>;
        const result: SmallResult = {
          contender: contender.id,
          concurrency,
          count: options.count,
          opsPerSecond: mapPhases((phase) =>
            round(median((rates.get(contender.id) as Record<Phase, number[]>)[phase]), 0),
          ),
          ms: mapPhases((phase) => round(ms[phase], 1)),
          cpuMicrosPerOp: mapPhases((phase) =>
            round(median((cpu.get(contender.id) as Record<Phase, number[]>)[phase]), 0),
          ),
          cpuMicrosPerBlock: mapPhases((phase) =>
            (cpu.get(contender.id) as Record<Phase, number[]>)[phase].map((v) => round(v, 1)),
          ),
        };
        results.push(result);
        options.log(
          `  c=${String(concurrency).padStart(2)} ${contender.label.padEnd(32)} ${PHASES.map((p) => `${p} ${String(result.opsPerSecond[p]).padStart(6)}/s`).join('  ')}`,
        );
      }
    }
  } finally {
    for (const session of sessions.values()) await session.close();
  }
  return results;
}

/**
 * `smallObjects` for each group of contenders (their ids, without the A/A controls), each
 * in a fresh process (bench/small-child.ts), one after the other; the results of all.
 */
export async function smallObjectsByGroup(
  target: Target,
  groups: ReadonlyArray<readonly ContenderId[]>,
  options: SmallOptions,
): Promise<SmallResult[]> {
  const { log, ...rest } = options;
  const results: SmallResult[] = [];
  for (const contenders of groups) {
    const spec: SmallGroup = { target, contenders: [...contenders], options: rest };
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'small-child.ts'), JSON.stringify(spec)],
      {
        cwd: join(import.meta.dirname, '..'),
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      },
    );
    for (const line of stderr.split('\n')) if (line.trim() !== '') log(line);
    results.push(...(JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as SmallResult[]));
  }
  return results;
}

/** Saves, reads, checks and deletes `keys`; resolves with the milliseconds and CPU microseconds of each phase. */
async function runBlock(
  session: Session,
  keys: readonly string[],
  body: Buffer,
  concurrency: number,
): Promise<{ ms: Record<Phase, number>; cpuMicros: Record<Phase, number> }> {
  const operations: Record<Phase, (key: string) => Promise<unknown>> = {
    save: (key) => session.save(key, body),
    read: async (key) => {
      const bytes = await session.read(key);
      if (bytes.length !== body.length || bytes[0] !== body[0]) throw new Error(`read back wrong bytes for ${key}`);
    },
    exists: async (key) => {
      if (!(await session.exists(key))) throw new Error(`exists said false for ${key}`);
    },
    delete: (key) => session.delete(key),
  };
  const ms = {} as Record<Phase, number>;
  const cpuMicros = {} as Record<Phase, number>;
  for (const phase of PHASES) {
    const before = process.cpuUsage();
    ms[phase] = await timed(keys.length, concurrency, (i) => operations[phase](keys[i] as string));
    const used = process.cpuUsage(before);
    cpuMicros[phase] = used.user + used.system;
  }
  return { ms, cpuMicros };
}

function names(prefix: string, id: string, concurrency: number, block: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}small/${id}/c${concurrency}/${block}/${i}.bin`);
}

function mapPhases<T>(value: (phase: Phase) => T): Record<Phase, T> {
  return Object.fromEntries(PHASES.map((phase) => [phase, value(phase)])) as Record<Phase, T>;
}
