/**
 * One large-object case in a process of its own (bench/large.ts starts it), so that
 * the memory one case leaves behind cannot count against the next:
 * `node --expose-gc --import tsx bench/large-child.ts '<LargeCase JSON>'`.
 *
 * It opens the contender, collects garbage, takes the resident set size as its
 * baseline, then saves a generated stream of `bytes` (or reads the object back and
 * counts its bytes) while sampling the RSS every SAMPLE_MS. It prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ContenderId, Target } from './contenders.js';
import { lineupContender } from './lineup.js';
import { drain, generatedStream, MiB } from './workload.js';

export interface LargeCase {
  contender: ContenderId;
  target: Target;
  name: string;
  bytes: number;
  direction: LargeDirection;
}

/** `save`: length unknown; `save-known`: the length announced up front; `read`: the object back. */
export type LargeDirection = 'save' | 'save-known' | 'read';

export interface LargeMeasure {
  ms: number;
  /** RSS before the transfer (after a garbage collection), bytes. */
  baselineRss: number;
  /** Highest RSS sampled during the transfer, bytes. */
  peakRss: number;
  /** The kernel's high-water mark of the whole process (getrusage), bytes: a check on the sampling. */
  maxRss: number;
  /**
   * CPU time during the transfer (user + system), milliseconds: this process's, plus that
   * of the child processes it waited for (curl).
   */
  cpuMs?: number;
  /**
   * The transfer's start and end on the monotonic clock, microseconds: the clock of a
   * `--cpu-prof` profile's samples, so that bench/profile.ts counts the transfer only.
   */
  windowMicros?: [number, number];
}

const SAMPLE_MS = 5;
/** USER_HZ: the unit of /proc's CPU times (100 per second on every Linux build that matters). */
const CLOCK_TICK_MS = 10;

const spec = JSON.parse(process.argv[2] ?? '') as LargeCase;
const session = await lineupContender(spec.contender).open(spec.target);
// The source block (and anything the contender allocates up front) belongs in the baseline.
const block = randomBytes(4 * MiB);
(globalThis as { gc?: () => void }).gc?.();
const baselineRss = process.memoryUsage.rss();
let peakRss = baselineRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, SAMPLE_MS);
const startedMicros = monotonicMicros();
const started = performance.now();
const cpuBefore = process.cpuUsage();
const childrenBefore = childrenCpuMs();
if (spec.direction === 'save') {
  await session.saveStream(spec.name, generatedStream(spec.bytes, block), spec.bytes);
} else if (spec.direction === 'save-known') {
  const body = generatedStream(spec.bytes, block);
  if (session.saveSized) await session.saveSized(spec.name, body, spec.bytes);
  else await session.saveStream(spec.name, body, spec.bytes);
} else {
  const read = session.readCount
    ? await session.readCount(spec.name)
    : await drain(await session.readStream(spec.name));
  if (read !== spec.bytes) throw new Error(`read ${read} bytes of ${spec.bytes}`);
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const childrenMs = childrenCpuMs() - childrenBefore;
const endedMicros = monotonicMicros();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await session.close();
const measure: LargeMeasure = {
  ms,
  baselineRss,
  peakRss,
  maxRss: process.resourceUsage().maxRSS * 1024,
  cpuMs: (cpu.user + cpu.system) / 1000 + childrenMs,
  windowMicros: [startedMicros, endedMicros],
};
console.log(JSON.stringify(measure));

/**
 * CPU time of the children this process waited for, milliseconds: cutime + cstime of
 * /proc/self/stat (fields 16 and 17, in clock ticks of 10 ms on Linux); 0 elsewhere.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * CLOCK_TICK_MS;
  } catch {
    return 0;
  }
}

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
