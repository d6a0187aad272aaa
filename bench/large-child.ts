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
import { type ContenderId, contender, type Target } from './contenders.js';
import { drain, generatedStream, MiB } from './workload.js';

export interface LargeCase {
  contender: ContenderId;
  target: Target;
  name: string;
  bytes: number;
  direction: 'save' | 'read';
}

export interface LargeMeasure {
  ms: number;
  /** RSS before the transfer (after a garbage collection), bytes. */
  baselineRss: number;
  /** Highest RSS sampled during the transfer, bytes. */
  peakRss: number;
  /** The kernel's high-water mark of the whole process (getrusage), bytes: a check on the sampling. */
  maxRss: number;
  /** CPU time of this process during the transfer (user + system), milliseconds. */
  cpuMs?: number;
  /**
   * The transfer's start and end on the monotonic clock, microseconds: the clock of a
   * `--cpu-prof` profile's samples, so that bench/profile.ts counts the transfer only.
   */
  windowMicros?: [number, number];
}

const SAMPLE_MS = 5;

const spec = JSON.parse(process.argv[2] ?? '') as LargeCase;
const session = await contender(spec.contender).open(spec.target);
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
if (spec.direction === 'save') {
  await session.saveStream(spec.name, generatedStream(spec.bytes, block), spec.bytes);
} else {
  const read = await drain(await session.readStream(spec.name));
  if (read !== spec.bytes) throw new Error(`read ${read} bytes of ${spec.bytes}`);
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const endedMicros = monotonicMicros();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
await session.close();
const measure: LargeMeasure = {
  ms,
  baselineRss,
  peakRss,
  maxRss: process.resourceUsage().maxRSS * 1024,
  cpuMs: (cpu.user + cpu.system) / 1000,
  windowMicros: [startedMicros, endedMicros],
};
console.log(JSON.stringify(measure));

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
