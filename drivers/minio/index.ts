/**
 * `stowage/minio`: the MinIO driver on the `minio` SDK (an optional peer dependency,
 * loaded only through this entry point), with everything django-minio-backend offers.
 */
import type { InitializeReport } from '../../src/buckets.js';
import type { DriverEntry } from '../../src/driver.js';
import { withContext } from '../../src/errors.js';
import { Storage } from '../../src/storage.js';
import { optionsFromEnv } from './config.js';
import { MinioDriver } from './driver.js';
import type { MinioOptions } from './options.js';

export type { MinioTransportOptions } from './client.js';
export { createMinioTransport } from './client.js';
export { MinioDriver } from './driver.js';
export type { MinioOptions } from './options.js';

/**
 * A Storage on one MinIO bucket:
 * `createMinioStorage({ endpoint: 'minio:9000', accessKey, secretKey, bucket: 'media' })`.
 * Throws INVALID_CONFIG for bad or unknown options; makes no request.
 */
export function createMinioStorage(options: MinioOptions): Storage<MinioDriver> {
  const driver = new MinioDriver(options);
  return new Storage({ driver, replaceExisting: driver.replaceExisting });
}

/**
 * Creates the buckets `options` configure (public, private, default and static),
 * gives public ones an anonymous read-only policy, strips anonymous access from
 * private ones, then applies the policy hooks. Idempotent; reports what it changed.
 * The `stowage init-buckets` command.
 */
export async function initializeBuckets(options: MinioOptions): Promise<InitializeReport> {
  try {
    const driver = new MinioDriver(options);
    try {
      return await driver.initializeBuckets();
    } finally {
      await driver.close();
    }
  } catch (error) {
    throw withContext(error, 'initializeBuckets');
  }
}

/** The registry's entry for `STORAGE_DRIVER=minio`. */
export const minioEntry: DriverEntry<MinioOptions> = {
  create: createMinioStorage,
  optionsFromEnv,
};
