/**
 * The environment of a docs sample marked `needs=minio` or `needs=s3`: the test's MinIO
 * server (test/support/servers.ts) configured through the driver's own variables, with
 * fresh buckets per sample, so a sample reads exactly like an application's code.
 */
import { randomBytes } from 'node:crypto';
import { DRIVER_NAMES } from '../../src/registry.js';
import type { Server } from './doc-blocks.js';
import { driverEnv } from './object-stores.js';
import { requireServerOrSkip } from './servers.js';

/** The variables for `driver` against the test server, or undefined (after a loud banner) when none runs. */
export async function serverEnv(driver: Server, id: string): Promise<Record<string, string> | undefined> {
  if (!(DRIVER_NAMES as readonly string[]).includes(driver)) {
    throw new Error(`a docs sample needs the ${driver} driver, which is not in src/registry.ts`);
  }
  const server = await requireServerOrSkip('s3', `docs samples (${id})`);
  if (!server) return undefined;
  const suffix = randomBytes(4).toString('hex');
  const media = `docs-${suffix}-media`;
  const statics = `docs-${suffix}-static`;
  const bucketCheck = driver === 's3' ? 'S3_BUCKET_CHECK_ON_SAVE' : 'MINIO_BUCKET_CHECK_ON_SAVE';
  return { ...driverEnv(driver, server, { media, statics }), [bucketCheck]: 'true' };
}
