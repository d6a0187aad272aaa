/**
 * Throughput of the two object-store drivers on a 4-node × 2-drive distributed MinIO
 * (test/support/minio-cluster.ts, the nodes in network namespaces on this machine) against
 * the single MinIO process the tests use, in one run, as ratios: small objects (saves
 * per second, a few in flight) and one 1 GiB streamed save (MiB/s). Needs root, ip netns
 * and the minio binary of scripts/install-minio.sh.
 *
 *   node --import tsx bench/cluster.ts [--small N] [--large-mib N]
 */
import { randomBytes } from 'node:crypto';
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

const { values } = parseArgs({ options: { small: { type: 'string' }, 'large-mib': { type: 'string' } } });
const smallCount = Number(values.small ?? 400);
const largeBytes = Number(values['large-mib'] ?? 1024) * MiB;

interface Figures {
  smallPerSecond: number;
  largeMiBps: number;
}

const single = await s3Server();
if (!single) throw new Error('no MinIO: bash scripts/install-minio.sh');
const cluster = await startMinioCluster();
const rows: string[] = [];
try {
  for (const driver of ['minio', 's3'] as const) {
    const one = await measure(driver, single);
    const four = await measure(driver, cluster.server(0));
    rows.push(
      `| ${driver} | ${one.smallPerSecond.toFixed(0)} | ${four.smallPerSecond.toFixed(0)} | ${(four.smallPerSecond / one.smallPerSecond).toFixed(2)}x | ${one.largeMiBps.toFixed(0)} | ${four.largeMiBps.toFixed(0)} | ${(four.largeMiBps / one.largeMiBps).toFixed(2)}x |`,
    );
  }
} finally {
  await cluster.stop();
  await single.stop();
}
console.log(
  `\n${smallCount} saves of ${SMALL_SIZE / 1024} KiB, ${IN_FLIGHT} in flight; one ${largeBytes / MiB} MiB streamed save\n`,
);
console.log('| driver | small/s, 1 process | small/s, 4 nodes | ratio | MiB/s, 1 process | MiB/s, 4 nodes | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

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
