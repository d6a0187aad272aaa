/**
 * One fresh, isolated storage per driver, for the tests that run the same scenario on
 * every driver (races, hostile names): memory, fs (a temporary directory), and, when a
 * server is available, minio and s3 on the same MinIO (a bucket each).
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
  name: 'memory' | 'fs' | 'minio' | 's3';
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
  if (!server) return local;
  const onServer = (name: 'minio' | 's3', build: (bucket: string) => Storage): TargetFactory => ({
    name,
    create: async () => {
      const bucket = randomBucket(`${label}-${name}`);
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
    ...local,
    onServer('minio', (bucket) => createMinioStorage({ ...minioConnection(server), bucket, privateBuckets: [bucket] })),
    onServer('s3', (bucket) => createS3Storage({ ...s3Connection(server), bucket, privateBuckets: [bucket] })),
  ];
}
