/**
 * The MinIO every object-store section talks to: the test helper's (test/support/servers.ts),
 * its data on tmpfs unless asked for disk (the disk's fsync would hide the client's cost).
 */
import { existsSync, statfsSync } from 'node:fs';
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
