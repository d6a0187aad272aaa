/**
 * Soak: SOAK_OPERATIONS mixed operations against a real MinIO, half through each
 * object-store driver,
 * the mix of a web application (reads outnumber writes; small objects, some streamed,
 * some large enough to be uploaded in parts; existence checks, listings, URLs, deletes,
 * misses), with memory and open handles sampled along the way. It fails on unbounded
 * growth:
 *
 * - the retained JS heap (after a full garbage collection) may not grow by more than
 *   HEAP_SLOPE_LIMIT per 1,000 operations over the second half of the run (a leak of
 *   one kilobyte per operation would be four times that);
 * - the resident set may not grow by more than RSS_GROWTH_LIMIT over the second half
 *   (the median of its last RSS_EDGE samples against that of its first);
 * - open file descriptors and active handles may not exceed the first sample after
 *   warm-up by more than the requests in flight, and are back to where they were before
 *   the storage existed once it is closed.
 *
 * The figures are printed as a table (docs/reliability.md, "Soak").
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import { isStorageError } from '../src/errors.js';
import type { Storage } from '../src/storage.js';
import { adminClient, minioConnection, randomBucket, removeBucket, s3Connection } from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const SOAK_OPERATIONS = Number(process.env.STOWAGE_SOAK_OPERATIONS ?? 20_000);
const PER_DRIVER = SOAK_OPERATIONS / 2;
const CONCURRENCY = 8;
const SAMPLES = 20;
/** The first samples are warm-up (connection pools, JIT, caches) and are not judged. */
const WARM_UP_SAMPLES = 2;
const MiB = 1024 * 1024;
const HEAP_SLOPE_LIMIT = 0.25 * MiB;
const RSS_GROWTH_LIMIT = 48 * MiB;
/** Samples at each end of the judged half whose median RSS is compared. */
const RSS_EDGE = 3;
/** Live objects kept in the bucket: saves beyond it delete the oldest. */
const LIVE_OBJECTS = 400;

// A full collection before each sample, so that the heap figure is what is retained.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Sample {
  operations: number;
  rss: number;
  /** The JS heap retained after a full collection. */
  heap: number;
  /** Buffers and other memory outside the heap (freed asynchronously, so noisier). */
  external: number;
  fds: number;
  handles: number;
}

const server = await requireServerOrSkip('s3', 'soak');
if (server) for (const kind of ['minio', 's3'] as const) soak(kind, server);

function soak(kind: 'minio' | 's3', server: S3ServerInfo): void {
  const test = suite(`${kind}: soak`);
  test(`${PER_DRIVER} mixed operations: memory and handles stay bounded`, async () => {
    const before = sample(0);
    const bucket = randomBucket(`soak-${kind}`);
    const options = { bucket, privateBuckets: [bucket], partSize: 5 * MiB };
    const storage: Storage =
      kind === 'minio'
        ? createMinioStorage({ ...minioConnection(server), ...options })
        : createS3Storage({ ...s3Connection(server), ...options });
    await storage.initializeBuckets();
    const samples: Sample[] = [];
    const counts = new Map<string, number>();
    const started = Date.now();
    try {
      const workload = new Workload(storage);
      let done = 0;
      const every = PER_DRIVER / SAMPLES;
      for (let batch = 1; batch <= SAMPLES; batch++) {
        const target = Math.round(batch * every);
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (done < target) {
              done++;
              const name = await workload.step();
              counts.set(name, (counts.get(name) ?? 0) + 1);
            }
          }),
        );
        samples.push(sample(done));
      }
    } finally {
      await storage.close();
      await removeBucket(adminClient(server), bucket);
    }
    const seconds = (Date.now() - started) / 1000;
    // Idle keep-alive sockets close after the agents' timeouts (a few seconds).
    const after = await settle(before);
    print(kind, samples, before, after, counts, seconds);

    const judged = samples.slice(WARM_UP_SAMPLES);
    const half = judged.slice(Math.floor(judged.length / 2) - 1);
    const heapSlope = slope(half.map((s) => [s.operations, s.heap])) * 1000;
    const rssGrowth = rssGrowthOf(half);
    assert.ok(heapSlope <= HEAP_SLOPE_LIMIT, `heap grows ${Math.round(heapSlope / 1024)} KiB per 1,000 operations`);
    assert.ok(rssGrowth <= RSS_GROWTH_LIMIT, `RSS grew ${mib(rssGrowth)} MiB over the second half`);
    const first = judged[0] as Sample;
    for (const s of judged) {
      assert.ok(
        s.fds <= first.fds + 2 * CONCURRENCY,
        `${s.fds} file descriptors at ${s.operations} (${first.fds} after warm-up)`,
      );
      assert.ok(s.handles <= first.handles + 2 * CONCURRENCY, `${s.handles} handles at ${s.operations}`);
    }
    assert.ok(after.fds <= before.fds, `${after.fds} file descriptors once closed, ${before.fds} before`);
    assert.ok(after.handles <= before.handles, `${after.handles} handles once closed, ${before.handles} before`);
  });
  test.run();
}

/** The mix: each step picks an operation by weight; names come from a bounded pool. */
class Workload {
  readonly #storage: Storage;
  readonly #live: string[] = [];
  #next = 0;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  /** Runs one operation; resolves with its name. */
  async step(): Promise<string> {
    try {
      return await this.#operation(Math.random() * 100);
    } catch (error) {
      // A read may pick an object that a concurrent step is deleting.
      if (isStorageError(error, 'NOT_FOUND')) return 'read of an object deleted meanwhile (NOT_FOUND)';
      throw error;
    }
  }

  async #operation(roll: number): Promise<string> {
    const storage = this.#storage;
    const some = () => this.#live[Math.floor(Math.random() * this.#live.length)];
    if (this.#live.length < 20 || roll < 22)
      return this.#save('save', randomBytes(1024 + Math.floor(Math.random() * 32 * 1024)));
    if (roll < 25) return this.#save('save (stream)', Readable.from([randomBytes(64 * 1024), randomBytes(64 * 1024)]));
    if (roll < 25.1) return this.#save('save (multipart)', Readable.from(chunks(6 * MiB)));
    if (roll < 28) {
      // A collision: the same name again, stored under an alternative.
      const name = some() as string;
      await this.#remember(await storage.save(name, 'again'));
      return 'save (taken name)';
    }
    if (roll < 58) {
      await (await storage.open(some() as string)).bytes();
      return 'open';
    }
    if (roll < 62) {
      await (await storage.open(some() as string, { range: { start: 10, end: 500 } })).bytes();
      return 'open (range)';
    }
    if (roll < 64) {
      const file = await storage.open(some() as string);
      file.close();
      return 'open, not read';
    }
    if (roll < 74) {
      await storage.exists(some() as string);
      return 'exists';
    }
    if (roll < 78) {
      await storage.stat(some() as string);
      return 'stat';
    }
    if (roll < 82) {
      await storage.listdir(`soak/${Math.floor(Math.random() * 10)}`);
      return 'listdir';
    }
    if (roll < 90) {
      await storage.url(some() as string, { expiresIn: 600 });
      return 'url';
    }
    if (roll < 92) {
      const error = await storage.open(`soak/missing-${this.#next++}.bin`).catch((caught: unknown) => caught);
      assert.ok(isStorageError(error, 'NOT_FOUND'), String(error));
      return 'open (missing)';
    }
    await this.#forget();
    return 'delete';
  }

  async #save(operation: string, content: Buffer | Readable): Promise<string> {
    const name = `soak/${this.#next % 10}/f${this.#next++}.bin`;
    await this.#remember(await this.#storage.save(name, content));
    return operation;
  }

  async #remember(name: string): Promise<void> {
    this.#live.push(name);
    if (this.#live.length > LIVE_OBJECTS) await this.#forget();
  }

  /** Deletes the oldest object (not one an operation in flight picked, most likely). */
  async #forget(): Promise<void> {
    const name = this.#live.shift();
    if (name !== undefined) await this.#storage.delete(name);
  }
}

function* chunks(size: number): Generator<Buffer> {
  for (let sent = 0; sent < size; sent += MiB) yield randomBytes(Math.min(MiB, size - sent));
}

/**
 * The RSS growth over `half`: the median of its last RSS_EDGE samples against that of its
 * first. One sample taken while a multipart save's part buffers were still resident (RSS
 * is not handed back at once) measured +34 MiB over its neighbours; a leak raises every
 * sample at the end.
 */
function rssGrowthOf(half: readonly Sample[]): number {
  const rss = half.map((s) => s.rss);
  return median(rss.slice(-RSS_EDGE)) - median(rss.slice(0, RSS_EDGE));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function sample(operations: number): Sample {
  collectGarbage();
  const memory = process.memoryUsage();
  return {
    operations,
    rss: memory.rss,
    heap: memory.heapUsed,
    external: memory.external,
    fds: readdirSync('/proc/self/fd').length,
    handles: (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length,
  };
}

/** Waits (up to 15 s) until descriptors and handles are back to `before`; the last sample. */
async function settle(before: Sample): Promise<Sample> {
  let now = sample(PER_DRIVER);
  for (let waited = 0; waited < 15_000 && (now.fds > before.fds || now.handles > before.handles); waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    now = sample(PER_DRIVER);
  }
  return now;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((sum, [x]) => sum + x, 0) / n;
  const my = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const sxy = points.reduce((sum, [x, y]) => sum + (x - mx) * (y - my), 0);
  const sxx = points.reduce((sum, [x]) => sum + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

function print(
  kind: string,
  samples: Sample[],
  before: Sample,
  after: Sample,
  counts: Map<string, number>,
  seconds: number,
): void {
  const judged = samples.slice(WARM_UP_SAMPLES);
  const half = judged.slice(Math.floor(judged.length / 2) - 1);
  const heapSlope = slope(half.map((s) => [s.operations, s.heap])) * 1000;
  const mix = [...counts].sort((a, b) => b[1] - a[1]).map(([name, count]) => `${name} ${count}`);
  const line = (s: Sample) =>
    `| ${String(s.operations).padStart(6)} | ${mib(s.rss).padStart(6)} | ${mib(s.heap).padStart(6)} | ${mib(s.external).padStart(6)} | ${String(s.fds).padStart(4)} | ${String(s.handles).padStart(4)} |`;
  console.log(
    `[reliability] soak ${kind}: ${PER_DRIVER} operations in ${seconds.toFixed(1)} s (${Math.round(PER_DRIVER / seconds)}/s, ${CONCURRENCY} at a time): ${mix.join(', ')}`,
  );
  console.log(
    `[reliability] soak ${kind}: heap slope over the second half ${Math.round(heapSlope / 1024)} KiB per 1,000 operations (limit ${HEAP_SLOPE_LIMIT / 1024}); RSS growth over it ${mib(rssGrowthOf(half))} MiB (limit ${mib(RSS_GROWTH_LIMIT)}); descriptors ${before.fds} before, ${after.fds} once closed; handles ${before.handles} before, ${after.handles} once closed`,
  );
  console.log('[reliability] | operations | RSS MiB | heap MiB | external MiB | fds | handles |');
  for (const s of [before, ...samples]) console.log(`[reliability] ${line(s)}`);
}
