/**
 * `npm run bench`: what stowage costs against the raw SDKs and the other storage
 * libraries, measured in one run against one MinIO (started by the test helper,
 * test/support/servers.ts) so that the ratios hold on a noisy machine. It reports; it
 * never fails on a figure. docs/benchmarks.md explains the sections and the figures.
 *
 *   npm run bench                  the full run (about 7 minutes on 2 idle cores, 15 at load 10–14)
 *   npm run bench -- --quick       a smoke-sized run (under a minute)
 *   npm run bench -- --docs        also rewrite docs/benchmarks.md's tables and docs/benchmarks.svg
 *   npm run bench -- --only=small,large   some sections: startup, local, small, requests, contention, large;
 *                                  add django to include django-minio-backend in the object-store ones
 *   npm run bench -- --disk        keep MinIO's data on disk instead of tmpfs
 *   npm run bench -- --passes=1    large-object passes for every contender (default 3)
 *
 * `npm run bench` builds first and imports `stowage` by its package name without the
 * stowage-source condition, so the code measured is the built JavaScript users run.
 * Each run writes bench/results/<time>[-quick].json and the chart beside it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createFileSystemStorage } from 'stowage/fs';
import { createMemoryStorage } from 'stowage/memory';
import { createMinioStorage } from 'stowage/minio';
import { createS3Storage } from 'stowage/s3';
import { CONTROLS, type Contender, type ContenderId, minioClient, type Target } from './contenders.js';
import { type ContentionResult, peerContention, stowageContention } from './contention.js';
import { django, djangoSpec } from './django.js';
import { type LargeResult, largeObjects, largeResult } from './large.js';
import { LINEUP } from './lineup.js';
import { localDrivers } from './local.js';
import { writeReport } from './report.js';
import { startRequestCounter } from './request-counter.js';
import type { BenchResults, Section } from './results.js';
import { emptyTrash, startBenchServer } from './server.js';
import { PHASES, type Phase, type SmallResult, smallObjectsByGroup } from './small.js';
import { startup } from './startup.js';
import { GiB, MiB, round } from './workload.js';

const ROOT = join(import.meta.dirname, '..');
const SECTIONS: readonly Section[] = ['startup', 'local', 'small', 'requests', 'contention', 'large', 'django'];
/** The largest object django-minio-backend saves and reads (see largeDjango). */
const DJANGO_LARGE_BYTES = 128 * MiB;
/** Operations of each kind sent through the counting proxy. */
const COUNTED_OPERATIONS = 10;

/** Everything with small-object operations: all but the limits. */
const STORAGE_LAYERS = LINEUP.filter((c) => c.kind !== 'limit');
/** The small-object section's processes: one per SDK, with the layers built on it (bench/small.ts). */
const SDK_GROUPS = [...new Set(STORAGE_LAYERS.map((c) => c.sdk))].map((sdk) =>
  STORAGE_LAYERS.filter((c) => c.sdk === sdk).map((c) => c.id),
);

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const writeDocs = args.includes('--docs');
const onDisk = args.includes('--disk');
const only = args
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',') as Section[] | undefined;
const passes = args.find((arg) => arg.startsWith('--passes='))?.slice('--passes='.length);
const unknown = args.filter((arg) => !/^--(quick|docs|disk|only=.*|passes=[1-9]\d*)$/.test(arg));
if (unknown.length > 0 || only?.some((s) => !SECTIONS.includes(s))) {
  console.error(
    `bench: unknown argument ${unknown.join(' ') || only?.join(',')}; see the comment at the top of bench/run.ts`,
  );
  process.exit(2);
}
const wanted = (section: Section) => !only || only.includes(section);

const sizes = quick
  ? {
      smallCount: 100,
      blocks: 2,
      smallWarmup: 40,
      largeBytes: 32 * MiB,
      largePasses: 1,
      writers: 50,
      memory: 2000,
      fs: 500,
      startupRuns: 1,
    }
  : {
      smallCount: 4000,
      // Blocks of 200: the CPU ratios are block-by-block, and their intervals narrow with the count.
      blocks: 20,
      // With 40, a 4 KiB read's CPU per operation still fell by half over the first few
      // thousand operations, and the early blocks decided the ratios.
      smallWarmup: 400,
      largeBytes: 1 * GiB,
      largePasses: Number(passes ?? 3),
      writers: 200,
      memory: 20000,
      fs: 2000,
      startupRuns: 5,
    };
const concurrencies = [1, 16];
const started = new Date();
const log = (line: string) => console.log(line);

const results: BenchResults = {
  version: 1,
  startedAt: started.toISOString(),
  durationSeconds: 0,
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  quick,
  sizes: { ...sizes, concurrencies, smallObjectBytes: 4096 },
  machine: await machine(),
  stowage: await stowageBuild(),
  contenders: [...LINEUP, ...CONTROLS].map(({ id, label, sdk, kind, work }) => ({ id, label, sdk, kind, work })),
  small: [],
  requests: {},
  contention: [],
  large: [],
  local: [],
  notes: [],
};

log(
  `stowage benchmarks${quick ? ' (quick)' : ''}: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}`,
);

if (wanted('startup')) {
  log('\n== start-up: import in a fresh process');
  results.startup = await startup(sizes.startupRuns, log);
}
if (wanted('local')) {
  log('\n== memory and fs drivers, 4 KiB objects');
  results.local = await localDrivers({ memory: sizes.memory, fs: sizes.fs }, concurrencies, log);
}

const objectStore = SECTIONS.filter((s) => !['startup', 'local'].includes(s)).some(wanted);
if (objectStore) {
  const server = await startServer();
  const bucket = `stowage-bench-${randomBytes(4).toString('hex')}`;
  const target: Target = {
    endpoint: server.endpoint,
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: server.region,
    bucket,
  };
  const admin = await minioClient(target);
  await admin.makeBucket(bucket, target.region);
  const prefix = `run-${started.getTime()}/`;
  const djangoRunner = wanted('django') ? await django(!quick) : 'not asked for (--only)';
  if (typeof djangoRunner === 'string') {
    results.notes.push(`django-minio-backend skipped: ${djangoRunner}`);
    log(`\ndjango-minio-backend skipped: ${djangoRunner}`);
  }
  const py = typeof djangoRunner === 'string' ? undefined : djangoRunner;
  try {
    if (wanted('small')) {
      log(`\n== small objects: ${sizes.smallCount} × 4 KiB per contender and concurrency`);
      results.small = await smallObjectsByGroup(target, SDK_GROUPS, {
        count: sizes.smallCount,
        concurrencies,
        blocks: sizes.blocks,
        warmup: sizes.smallWarmup,
        prefix,
        log,
      });
      if (py) {
        const django = await py.call<SmallResult[]>('small', {
          ...djangoSpec(target, prefix),
          count: sizes.smallCount,
          concurrencies,
        });
        for (const result of django) {
          log(
            `  c=${String(result.concurrency).padStart(2)} ${'django-minio-backend'.padEnd(32)} ${PHASES.map((p) => `${p} ${String(result.opsPerSecond[p]).padStart(6)}/s`).join('  ')}`,
          );
        }
        results.small.push(...django);
      }
    }
    if (wanted('requests')) {
      log(`\n== HTTP requests per operation (${COUNTED_OPERATIONS} of each, through a counting proxy)`);
      results.requests = await countRequests(target, STORAGE_LAYERS, prefix, py);
    }
    if (wanted('contention')) {
      log(`\n== names under contention: ${sizes.writers} concurrent saves of one name`);
      results.contention = await contention(target, prefix, py);
    }
    if (wanted('large')) {
      log(
        `\n== large objects: ${sizes.largeBytes / MiB} MiB generated stream, saved and read back, each case in a fresh process`,
      );
      // Every contender takes every pass, in turns: the limits, so that every ratio to them is
      // within one pass's conditions, and the peers, so that "ahead of every peer" compares
      // best passes with best passes. The peers only in the full run: --quick stays a smoke
      // test of the code.
      const lineup = LINEUP.filter((c) => !quick || c.kind !== 'peer');
      results.large = await largeObjects(target, lineup, {
        bytes: sizes.largeBytes,
        passes: sizes.largePasses,
        prefix,
        admin,
        log,
        failures: results.notes,
        afterRemove: () => emptyTrash(server),
      });
      if (!quick && py) results.large.push(...(await largeDjango(py, target, prefix, sizes.largeBytes)));
    }
  } finally {
    await removeBucket(admin, bucket);
    await server.stop();
  }
}

results.durationSeconds = round((Date.now() - started.getTime()) / 1000, 0);
const stamp = started
  .toISOString()
  .replace(/[:.]/g, '-')
  .replace(/-\d{3}Z$/, 'Z');
const base = join(ROOT, 'bench', 'results', `${stamp}${quick ? '-quick' : ''}`);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
const written = writeReport(results, `${base}.json`, { docs: writeDocs, chart: `${base}.svg` });
log(
  `\nwrote ${[`${base}.json`, ...written].map((p) => p.slice(ROOT.length + 1)).join(', ')} in ${results.durationSeconds} s`,
);

async function startServer() {
  const server = await startBenchServer(onDisk);
  results.machine.minioData = server.data;
  results.machine.minioKind = server.kind;
  return server;
}

async function countRequests(
  target: Target,
  contenders: readonly Contender[],
  prefix: string,
  py: Awaited<ReturnType<typeof django>> extends infer D ? Exclude<D, string> | undefined : never,
): Promise<Record<string, Record<Phase, number>>> {
  const counter = await startRequestCounter(target.endpoint);
  const counted: Record<string, Record<Phase, number>> = {};
  const body = randomBytes(4096);
  const perOperation = () => {
    const total = Object.values(counter.counts()).reduce((a, b) => a + b, 0);
    return round(total / COUNTED_OPERATIONS, 2);
  };
  try {
    const proxied = { ...target, endpoint: counter.endpoint };
    for (const contender of contenders) {
      const session = await contender.open(proxied);
      const names = Array.from({ length: COUNTED_OPERATIONS }, (_, i) => `${prefix}count/${contender.id}/${i}.bin`);
      const row = {} as Record<Phase, number>;
      const operations: Record<Phase, (name: string) => Promise<unknown>> = {
        save: (name) => session.save(name, body),
        read: (name) => session.read(name),
        exists: (name) => session.exists(name),
        delete: (name) => session.delete(name),
      };
      for (const phase of PHASES) {
        counter.reset();
        for (const name of names) await operations[phase](name);
        row[phase] = perOperation();
      }
      await session.close();
      counted[contender.id] = row;
      log(`  ${contender.label.padEnd(32)} ${PHASES.map((p) => `${p} ${row[p]}`).join('  ')}`);
    }
    if (py) {
      const row = {} as Record<Phase, number>;
      for (const phase of PHASES) {
        counter.reset();
        await py.call('count', { ...djangoSpec(proxied, prefix), count: COUNTED_OPERATIONS, phase });
        row[phase] = perOperation();
      }
      counted['django-minio-backend'] = row;
      log(`  ${'django-minio-backend'.padEnd(32)} ${PHASES.map((p) => `${p} ${row[p]}`).join('  ')}`);
    }
  } finally {
    await counter.close();
  }
  return counted;
}

async function contention(
  target: Target,
  prefix: string,
  py: Awaited<ReturnType<typeof django>> extends infer D ? Exclude<D, string> | undefined : never,
): Promise<ContentionResult[]> {
  const found: ContentionResult[] = [];
  const report = (result: ContentionResult) => {
    found.push(result);
    log(
      `  ${result.subject.padEnd(32)} ${String(result.ms).padStart(7)} ms  ${result.distinctNames} distinct names, ${result.survivors}/${result.writers} writes kept${result.failures ? `, ${result.failures} failed: ${result.firstError}` : ''}`,
    );
  };
  const connection = { endpoint: target.endpoint, region: target.region, bucket: target.bucket };
  const minio = createMinioStorage({
    ...connection,
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    privateBuckets: [target.bucket],
  });
  const s3 = createS3Storage({
    ...connection,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
    privateBuckets: [target.bucket],
  });
  const directory = join(ROOT, 'bench', 'results', `.fs-${randomBytes(4).toString('hex')}.tmp`);
  const subjects: Array<
    [string, { save: typeof minio.save; open: typeof minio.open; delete: typeof minio.delete; close(): Promise<void> }]
  > = [
    ['stowage-minio', minio],
    ['stowage-s3', s3],
    ['stowage-fs', createFileSystemStorage({ location: directory })],
    ['stowage-memory', createMemoryStorage()],
  ];
  try {
    for (const [subject, storage] of subjects) {
      report(await stowageContention(subject, storage, `${prefix}contention/${subject}.txt`, sizes.writers));
      await storage.close();
    }
  } finally {
    const { rm } = await import('node:fs/promises');
    await rm(directory, { recursive: true, force: true });
  }
  for (const contender of STORAGE_LAYERS.filter((c) => c.kind === 'peer')) {
    const session = await contender.open(target);
    report(await peerContention(contender.id, session, `${prefix}contention/${contender.id}.txt`, sizes.writers));
    await session.close();
  }
  if (py)
    report(await py.call<ContentionResult>('contention', { ...djangoSpec(target, prefix), writers: sizes.writers }));
  return found;
}

async function largeDjango(
  py: Exclude<Awaited<ReturnType<typeof django>>, string>,
  target: Target,
  prefix: string,
  bytes: number,
): Promise<LargeResult[]> {
  const name = `${prefix}large/django-minio-backend/0.bin`;
  // minio-py computes CRC32C in pure Python (about 6 MB/s here): a 1 GiB save would take
  // three minutes, so django-minio-backend gets a smaller object and the report says so.
  bytes = Math.min(bytes, DJANGO_LARGE_BYTES);
  const out: LargeResult[] = [];
  for (const direction of ['save', 'read'] as const) {
    const measure = await py.call<{ ms: number; baselineRss: number; peakRss: number; maxRss: number }>('large', {
      ...djangoSpec(target, prefix),
      bytes,
      direction,
      name,
    });
    const result = largeResult('django-minio-backend', direction, bytes, [measure]);
    out.push(result);
    log(
      `  ${'django-minio-backend'.padEnd(32)} ${direction.padEnd(4)} ${String(result.mbPerSecond).padStart(5)} MB/s  RSS +${result.rssGrowthMiB.toFixed(0)} MiB`,
    );
  }
  await (await minioClient(target)).removeObject(target.bucket, name).catch(() => {});
  return out;
}

async function removeBucket(admin: Awaited<ReturnType<typeof minioClient>>, bucket: string): Promise<void> {
  const names: string[] = [];
  for await (const item of admin.listObjectsV2(bucket, '', true)) if (item.name) names.push(item.name);
  for (let i = 0; i < names.length; i += 1000) await admin.removeObjects(bucket, names.slice(i, i + 1000));
  await admin.removeBucket(bucket);
}

async function machine(): Promise<BenchResults['machine']> {
  const cpu = cpus();
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m)?.[1] ?? cpu[0]?.model ?? '?';
  return {
    cpu: model.trim(),
    cores: cpu.length,
    memoryGiB: round(totalmem() / GiB, 1),
    node: process.versions.node,
    os: `${platform()} ${release()}`,
    host: hostname(),
    minio: await minioVersion(),
  };
}

/**
 * The MinIO release the server runs. A binary built by `go install` (scripts/install-minio.sh)
 * calls itself DEVELOPMENT.GOGET; its Go module version then says which release it is.
 */
async function minioVersion(): Promise<string> {
  const run = promisify(execFile);
  const candidates = [process.env.STOWAGE_TEST_MINIO, 'minio', join(process.env.HOME ?? '', 'go', 'bin', 'minio')];
  for (const binary of candidates) {
    if (!binary) continue;
    try {
      const { stdout } = await run(binary, ['--version']);
      const release = stdout.match(/RELEASE\.[\w-]+/)?.[0];
      if (release) return release;
      const { stdout: modules } = await run('go', ['version', '-m', binary]);
      const version = modules.match(/\tmod\tgithub\.com\/minio\/minio\t(\S+)/)?.[1] ?? '?';
      const script = readFileSync(join(ROOT, 'scripts', 'install-minio.sh'), 'utf8');
      const pinned = script.includes(version) ? script.match(/RELEASE\.[\w-]+/)?.[0] : undefined;
      return pinned ? `${pinned} (go install ${version})` : `go install ${version}`;
    } catch {
      // try the next one
    }
  }
  return 'unknown';
}

async function stowageBuild(): Promise<BenchResults['stowage']> {
  const git = async (...gitArgs: string[]) =>
    (await promisify(execFile)('git', gitArgs, { cwd: ROOT }).catch(() => ({ stdout: '' }))).stdout.trim();
  const resolved = fileURLToPath(import.meta.resolve('stowage'));
  return {
    commit: await git('rev-parse', '--short', 'HEAD'),
    changedFiles: (await git('status', '--porcelain', '--', 'src', 'drivers')).split('\n').filter(Boolean),
    entryPoint: resolved.slice(ROOT.length + 1),
  };
}

export type { ContenderId };
