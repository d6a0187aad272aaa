/**
 * One fresh, isolated storage per driver, for the tests that run the same scenario on
 * every driver (races, hostile names): memory, fs (a temporary directory), and, when a
 * server is available, minio and s3 on the same MinIO (a bucket each). `serverTargets()`
 * gives the two object-store drivers alone, on any S3 server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileSystemStorage } from '../../drivers/fs/index.js';
import { createMemoryStorage } from '../../drivers/memory/index.js';
import { createMinioStorage } from '../../drivers/minio/index.js';
import { createS3Storage } from '../../drivers/s3/index.js';
import type { Storage } from '../../src/storage.js';
import { adminClient, minioConnection, randomBucket, removeBucket, s3Connection } from './object-stores.js';
import type { S3ServerInfo } from './servers.js';

export interface Target {
  storage: Storage;
  /** The fs driver's directory. */
  location?: string | undefined;
  cleanup(): Promise<void>;
}

export interface TargetFactory {
  /** The driver (`memory`, `fs`, `minio`, `s3`), followed by ` on <server>` for serverTargets(…, server). */
  name: string;
  create(): Promise<Target>;
}

/** memory and fs always; minio and s3 when `server` is given. */
export function targets(server: S3ServerInfo | undefined, label: string): TargetFactory[] {
  const local: TargetFactory[] = [
    {
      name: 'memory',
      create: async () => {
        const storage = createMemoryStorage();
        return { storage, cleanup: () => storage.close() };
      },
    },
    {
      name: 'fs',
      create: async () => {
        const base = await mkdtemp(join(tmpdir(), `stowage-${label}-`));
        const location = join(base, 'location');
        const storage = createFileSystemStorage({ location });
        return { storage, location, cleanup: () => rm(base, { recursive: true, force: true }) };
      },
    },
  ];
  return server ? [...local, ...serverTargets(server, label)] : local;
}

/**
 * minio and s3 on `server`, each in a bucket of its own; `on` names the server in the
 * targets' names (`minio on seaweedfs`).
 */
export function serverTargets(server: S3ServerInfo, label: string, on?: string): TargetFactory[] {
  const onServer = (driver: 'minio' | 's3', build: (bucket: string) => Storage): TargetFactory => ({
    name: on ? `${driver} on ${on}` : driver,
    create: async () => {
      const bucket = randomBucket(`${label}-${driver}`);
      const storage = build(bucket);
      await storage.initializeBuckets();
      return {
        storage,
        cleanup: async () => {
          await storage.close();
          await removeBucket(adminClient(server), bucket);
        },
      };
    },
  });
  return [
    onServer('minio', (bucket) => createMinioStorage({ ...minioConnection(server), bucket, privateBuckets: [bucket] })),
    onServer('s3', (bucket) => createS3Storage({ ...s3Connection(server), bucket, privateBuckets: [bucket] })),
  ];
}
