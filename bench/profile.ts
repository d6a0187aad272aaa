/**
 * Where a large save's client CPU goes: one save of `--bytes` (1 GiB by default) per
 * stowage driver under `node --cpu-prof`, each in a fresh process (bench/large-child.ts),
 * summarised per GiB by what the sampled frames do (hashing, garbage collection, stream
 * plumbing, HTTP, ...), counting only the samples inside the transfer.
 *
 *   node --import tsx bench/profile.ts [--bytes=MiB] [--direction=save|save-known|read] [--disk]
 *     [--contenders=stowage-minio,stowage-s3,node-http,...]   (any of the lineup; these two by default)
 *
 * `npm run build` first: the drivers are measured as built. It prints a Markdown summary
 * and writes bench/results/profile-<time>.json; the raw profiles stay in a temporary
 * directory (printed) for Chrome DevTools or speedscope.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ContenderId, minioClient, type Target } from './contenders.js';
import { runCase } from './large.js';
import type { LargeCase, LargeMeasure } from './large-child.js';
import { startBenchServer } from './server.js';
import { GiB, MiB, round } from './workload.js';

const IDLE = 'idle (waiting for I/O)';

/** What a sampled frame is doing, decided by its own function and script (first match wins). */
const CATEGORIES: ReadonlyArray<{ name: string; test: (frame: Frame) => boolean }> = [
  { name: 'garbage collection', test: (f) => f.functionName === '(garbage collector)' },
  {
    name: 'hashing and checksums',
    test: (f) =>
      /crypto|hash|sha256|md5|crc32|checksum/i.test(f.url) ||
      /^(update|digest|_update|_digest|hash|createHash|crc32)$/.test(f.functionName),
  },
  { name: 'stream plumbing (node:stream)', test: (f) => /^node:(internal\/)?streams?\b/.test(f.url) },
  {
    name: 'HTTP and sockets',
    test: (f) =>
      /^node:(_http|http|https|net|internal\/(http|net|stream_base|dns)|tls)/.test(f.url) ||
      /undici/.test(f.url) ||
      /^(writev|writeBuffer|writeUtf8String|onStreamRead)$/.test(f.functionName),
  },
  {
    name: 'Buffer copies',
    test: (f) => /^node:buffer/.test(f.url) || /^(copy|set|concat|from|subarray)$/.test(f.functionName),
  },
  { name: 'stowage', test: (f) => /\/dist\/(src|drivers)\//.test(f.url) },
  {
    name: 'SDK (minio-js, @aws-sdk, @smithy)',
    test: (f) => /node_modules\/(minio|@aws-sdk|@smithy|@aws-crypto)\//.test(f.url),
  },
  {
    name: 'the benchmark itself (RSS sampling, the source)',
    test: (f) => /\/bench\//.test(f.url) || f.functionName === 'rss',
  },
  { name: IDLE, test: (f) => f.functionName === '(idle)' },
  { name: 'native, outside JavaScript', test: (f) => /^\((program|root)\)$/.test(f.functionName) },
  { name: 'other JavaScript', test: () => true },
];

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: Frame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  contender: ContenderId;
  direction: LargeCase['direction'];
  bytes: number;
  ms: number;
  /** The process's CPU time per GiB (user + system, getrusage), seconds. */
  cpuSecondsPerGiB: number;
  /**
   * The process's CPU time per GiB split by category, seconds: each category's share of
   * the busy (not idle) samples times `cpuSecondsPerGiB`. Samples are taken on the wall
   * clock, so on a loaded machine a sample can stand for time the thread was not running;
   * the shares hold, the sampled seconds would not.
   */
  categories: Record<string, number>;
  /** Idle samples per GiB, seconds of wall time spent waiting for I/O. */
  idleSecondsPerGiB: number;
  /** The frames with the most self time, estimated CPU seconds per GiB as the categories. */
  top: Array<{ frame: string; seconds: number }>;
}

const TOP_FRAMES = 12;

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const value = (flag: string) => args.find((a) => a.startsWith(`--${flag}=`))?.split('=')[1];
  const bytes = Number(value('bytes') ?? 1024) * MiB;
  const direction = (value('direction') ?? 'save') as LargeCase['direction'];
  const contenders = (value('contenders') ?? 'stowage-minio,stowage-s3').split(',') as ContenderId[];
  const server = await startBenchServer(args.includes('--disk'));
  const target: Target = { ...server, bucket: `stowage-profile-${randomBytes(4).toString('hex')}` };
  const admin = await minioClient(target);
  await admin.makeBucket(target.bucket, target.region);
  const directory = mkdtempSync(join(tmpdir(), 'stowage-profile-'));
  const summaries: ProfileSummary[] = [];
  try {
    for (const contender of contenders) {
      const name = `profile/${contender}.bin`;
      if (direction === 'read') await runCase({ contender, target, name, bytes, direction: 'save' });
      summaries.push(await profileCase({ contender, target, name, bytes, direction }, join(directory, contender)));
      await admin.removeObject(target.bucket, name).catch(() => {});
    }
  } finally {
    await admin.removeBucket(target.bucket).catch(() => {});
    await server.stop();
  }
  console.log(renderProfiles(summaries));
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
  const out = join(import.meta.dirname, 'results', `profile-${stamp}.json`);
  writeFileSync(out, `${JSON.stringify({ bytes, direction, node: process.versions.node, summaries }, null, 2)}\n`);
  console.log(`\nwrote ${out}; raw profiles in ${directory}`);
}

/** Runs one case under --cpu-prof and summarises its samples inside the transfer. */
export async function profileCase(spec: LargeCase, directory: string): Promise<ProfileSummary> {
  const measure = await runCase(spec, ['--cpu-prof', `--cpu-prof-dir=${directory}`]);
  const file = readdirSync(directory).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${directory}`);
  const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
  return summarise(spec, measure, profile);
}

function summarise(spec: LargeCase, measure: LargeMeasure, profile: CpuProfile): ProfileSummary {
  const [from, to] = measure.windowMicros ?? [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const bySelf = new Map<string, number>();
  const byCategory = new Map<string, number>();
  const perGiB = GiB / spec.bytes;
  let time = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (time < from || time > to) return;
    const frame = frames.get(id) as Frame;
    const category = CATEGORIES.find((c) => c.test(frame))?.name as string;
    byCategory.set(category, (byCategory.get(category) ?? 0) + delta);
    const key = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    bySelf.set(key, (bySelf.get(key) ?? 0) + delta);
  });
  const idle = byCategory.get(IDLE) ?? 0;
  byCategory.delete(IDLE);
  const busy = [...byCategory.values()].reduce((a, b) => a + b, 0);
  const cpuSecondsPerGiB = ((measure.cpuMs ?? 0) / 1000) * perGiB;
  const seconds = (micros: number) => round(busy > 0 ? (micros / busy) * cpuSecondsPerGiB : 0, 2);
  return {
    contender: spec.contender,
    direction: spec.direction,
    bytes: spec.bytes,
    ms: round(measure.ms, 0),
    cpuSecondsPerGiB: round(cpuSecondsPerGiB, 2),
    categories: Object.fromEntries(
      [...byCategory].sort((a, b) => b[1] - a[1]).map(([name, micros]) => [name, seconds(micros)]),
    ),
    idleSecondsPerGiB: round((idle / 1e6) * perGiB, 2),
    top: [...bySelf]
      .filter(([frame]) => !frame.startsWith('(idle)'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_FRAMES)
      .map(([frame, micros]) => ({ frame, seconds: seconds(micros) })),
  };
}

/** A Markdown table per profile: categories, then the busiest frames. */
export function renderProfiles(summaries: readonly ProfileSummary[]): string {
  const out: string[] = [];
  for (const s of summaries) {
    out.push(
      '',
      `**${s.contender}, ${s.direction} of ${s.bytes / MiB} MiB**: ${s.ms} ms, client CPU ${s.cpuSecondsPerGiB} s/GiB`,
      '',
      '| where the client CPU goes | s/GiB |',
      '|---|---|',
      ...Object.entries(s.categories).map(([name, sec]) => `| ${name} | ${sec} |`),
      '',
      '| busiest frames (self time) | CPU s/GiB |',
      '|---|---|',
      ...s.top.map((t) => `| \`${t.frame.replaceAll('|', '\\|')}\` | ${t.seconds} |`),
    );
  }
  return out.join('\n');
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\/.*\/(bench\/)/, '$1');
}
