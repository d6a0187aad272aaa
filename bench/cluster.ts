/**
 * Throughput of the two object-store drivers on a 4-node × 2-drive distributed MinIO
 * (test/support/minio-cluster.ts, the nodes in network namespaces on this machine) against
 * the single MinIO process the tests use, in one run, as ratios: small objects (saves
 * per second, a few in flight) and one 1 GiB streamed save of unknown length (MiB/s, a
 * multipart upload). Then the time from a node's death to the first successful save of a
 * client talking to that node with the others as `endpoints`: SIGKILL, then saves until
 * one succeeds, timed (the first attempt meets the dead node, the retry goes to the next
 * endpoint; a save that fails all its attempts is counted and printed), KILLS times per
 * driver. The load average before and after is printed with the figures.
 * Needs root, ip netns and the minio binary of scripts/install-minio.sh.
 *
 *   node --import tsx bench/cluster.ts [--small N] [--large-mib N]
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { generatedStream, mapLimit } from '../contracts/context.js';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import type { Storage } from '../src/storage.js';
import { startMinioCluster } from '../test/support/minio-cluster.js';
import {
  adminClient,
  minioConnection,
  randomBucket,
  removeBucket,
  s3Connection,
} from '../test/support/object-stores.js';
import { type S3ServerInfo, s3Server } from '../test/support/servers.js';

const MiB = 1024 * 1024;
const SMALL_SIZE = 16 * 1024;
const IN_FLIGHT = 8;
/** Kills per driver for the death-to-retry figure. */
const KILLS = 5;
/** What the clients of the death-to-retry figure are given: a dead node must be left in seconds. */
const FAILOVER = { requestTimeoutMs: 2_000, maxAttempts: 5 };
/** Saves tried after a death before the figure gives up. */
const MAX_SAVES_AFTER_DEATH = 20;
/** The saves after a death that failed all their attempts, with their errors. */
const failedSaves: string[] = [];

const { values } = parseArgs({ options: { small: { type: 'string' }, 'large-mib': { type: 'string' } } });
const smallCount = Number(values.small ?? 400);
const largeBytes = Number(values['large-mib'] ?? 1024) * MiB;

interface Figures {
  smallPerSecond: number;
  largeMiBps: number;
}

const single = await s3Server();
if (!single) throw new Error('no MinIO: bash scripts/install-minio.sh');
const loadBefore = loadavg();
const cluster = await startMinioCluster();
const rows: string[] = [];
const retries: string[] = [];
try {
  for (const driver of ['minio', 's3'] as const) {
    const one = await measure(driver, single);
    const four = await measure(driver, cluster.server(0));
    rows.push(
      `| ${driver} | ${one.smallPerSecond.toFixed(0)} | ${four.smallPerSecond.toFixed(0)} | ${(four.smallPerSecond / one.smallPerSecond).toFixed(2)}x | ${one.largeMiBps.toFixed(0)} | ${four.largeMiBps.toFixed(0)} | ${(four.largeMiBps / one.largeMiBps).toFixed(2)}x |`,
    );
  }
  for (const driver of ['minio', 's3'] as const) {
    const times = (await deathToRetry(driver)).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    retries.push(
      `| ${driver} | ${median.toFixed(0)} | ${(times[0] as number).toFixed(0)} | ${(times.at(-1) as number).toFixed(0)} |`,
    );
  }
} finally {
  await cluster.stop();
  await single.stop();
}
const loadAfter = loadavg();
console.log(
  `\n${smallCount} saves of ${SMALL_SIZE / 1024} KiB, ${IN_FLIGHT} in flight; one ${largeBytes / MiB} MiB streamed save\n`,
);
console.log('| driver | small/s, 1 process | small/s, 4 nodes | ratio | MiB/s, 1 process | MiB/s, 4 nodes | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\nA node's death to the first successful save through the next endpoint, ${KILLS} kills (ms)\n`);
console.log('| driver | median | min | max |');
console.log('|---|---|---|---|');
for (const row of retries) console.log(row);
console.log(`\nsaves that failed after a death (every attempt): ${failedSaves.length}`);
for (const failure of failedSaves) console.log(`  ${failure}`);
const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
console.log(`\nload average (1, 5, 15 min): before ${load(loadBefore)}, after ${load(loadAfter)}`);

/** Milliseconds from a SIGKILL of the node a client talks to, to the end of its next (successful) save. */
async function deathToRetry(driver: 'minio' | 's3'): Promise<number[]> {
  const bucket = randomBucket(`bench-failover-${driver}`);
  const endpoints = [2, 3, 0].map((index) => cluster.server(index).endpoint);
  const options = { bucket, privateBuckets: [bucket], endpoints, ...FAILOVER };
  const server = cluster.server(1);
  const victim = cluster.nodes[1];
  if (!victim) throw new Error('the cluster has no node 2');
  const times: number[] = [];
  for (let kill = 0; kill < KILLS; kill++) {
    // A new client each time, so that each one starts on node 2.
    const storage: Storage =
      driver === 'minio'
        ? createMinioStorage({ ...minioConnection(server), ...options })
        : createS3Storage({ ...s3Connection(server), ...options });
    try {
      if (kill === 0) await storage.initializeBuckets();
      await storage.save(`before/${kill}.bin`, randomBytes(SMALL_SIZE));
      await victim.kill();
      const died = performance.now();
      // Saves until one succeeds: each is retried by the driver (maxAttempts) on its own.
      for (let attempt = 0; ; attempt++) {
        try {
          await storage.save(`after/${kill}-${attempt}.bin`, randomBytes(SMALL_SIZE));
          break;
        } catch (error) {
          failedSaves.push(`${(error as { code?: string }).code}: ${(error as Error).message.slice(0, 120)}`);
          if (attempt >= MAX_SAVES_AFTER_DEATH) throw error;
        }
      }
      times.push(performance.now() - died);
    } finally {
      await storage.close();
      await victim.start();
      await cluster.waitHealthy();
    }
  }
  await removeBucket(adminClient(cluster.server(0)), bucket);
  return times;
}

async function measure(driver: 'minio' | 's3', server: S3ServerInfo): Promise<Figures> {
  const bucket = randomBucket(`bench-${driver}`);
  const options = { bucket, privateBuckets: [bucket] };
  const storage: Storage =
    driver === 'minio'
      ? createMinioStorage({ ...minioConnection(server), ...options })
      : createS3Storage({ ...s3Connection(server), ...options });
  await storage.initializeBuckets();
  try {
    const bodies = Array.from({ length: smallCount }, () => randomBytes(SMALL_SIZE));
    let started = performance.now();
    await mapLimit([...bodies.entries()], IN_FLIGHT, ([i, body]) => storage.save(`small/${i}.bin`, body));
    const smallPerSecond = smallCount / ((performance.now() - started) / 1000);
    const { stream } = generatedStream(largeBytes);
    started = performance.now();
    await storage.save('large.bin', stream);
    const largeMiBps = largeBytes / MiB / ((performance.now() - started) / 1000);
    return { smallPerSecond, largeMiBps };
  } finally {
    await storage.close();
    await removeBucket(adminClient(server), bucket);
  }
}
