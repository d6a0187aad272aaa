/**
 * The MinIO every object-store section talks to: the test helper's (test/support/servers.ts),
 * its data on tmpfs unless asked for disk (the disk's fsync would hide the client's cost).
 */
import { existsSync, statfsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type S3ServerInfo, s3Server } from '../test/support/servers.js';
import { GiB } from './workload.js';

export interface BenchServer extends S3ServerInfo {
  /** Where MinIO keeps its data, in words. */
  data: string;
}

export async function startBenchServer(onDisk: boolean): Promise<BenchServer> {
  const tmpfs = '/dev/shm';
  const useTmpfs = !onDisk && existsSync(tmpfs) && statfsSync(tmpfs).bavail * statfsSync(tmpfs).bsize > 8 * GiB;
  const saved = process.env.TMPDIR;
  if (useTmpfs) process.env.TMPDIR = tmpfs;
  try {
    const server = await s3Server();
    if (!server) {
      console.error('bench: no MinIO available; install it with bash scripts/install-minio.sh (see the banner above).');
      process.exit(1);
    }
    return Object.assign(server, { data: useTmpfs ? 'tmpfs (/dev/shm)' : 'disk (the temporary directory)' });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/**
 * Empties the trash of the benchmark's own MinIO (a binary the test helper started):
 * MinIO moves a deleted object into `.minio.sys/tmp/.trash` and frees it only when its
 * sweeper runs, which falls behind 1 GiB objects deleted every few seconds; on tmpfs that
 * trash is the machine's memory (a full run filled 23 GB until the kernel killed MinIO).
 * What is there is deleted already; nothing else is touched. Nothing to do for a server
 * given by STOWAGE_TEST_S3_ENDPOINT or in a container.
 */
export async function emptyTrash(server: BenchServer): Promise<void> {
  if (server.dataDir === undefined) return;
  const trash = join(server.dataDir, '.minio.sys', 'tmp', '.trash');
  const entries = await readdir(trash).catch(() => []);
  await Promise.all(entries.map((entry) => rm(join(trash, entry), { recursive: true, force: true })));
}
