/**
 * The environment of a docs sample marked `needs=minio` or `needs=s3`: the test's MinIO
 * server (test/support/servers.ts) configured through the driver's own variables, with
 * fresh buckets per sample, so a sample reads exactly like an application's code.
 */
import { randomBytes } from 'node:crypto';
import { DRIVER_NAMES } from '../../src/registry.js';
import type { Server } from './doc-blocks.js';
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
  const endpoint = new URL(server.endpoint);
  if (driver === 's3') {
    return {
      STORAGE_DRIVER: 's3',
      AWS_ENDPOINT_URL_S3: server.endpoint,
      AWS_ACCESS_KEY_ID: server.accessKey,
      AWS_SECRET_ACCESS_KEY: server.secretKey,
      AWS_REGION: server.region,
      S3_BUCKET: media,
      S3_STATIC_BUCKET: statics,
      S3_PRIVATE_BUCKETS: media,
      S3_BUCKET_CHECK_ON_SAVE: 'true',
    };
  }
  return {
    STORAGE_DRIVER: 'minio',
    MINIO_ENDPOINT: endpoint.host,
    MINIO_USE_HTTPS: String(endpoint.protocol === 'https:'),
    MINIO_ACCESS_KEY: server.accessKey,
    MINIO_SECRET_KEY: server.secretKey,
    MINIO_REGION: server.region,
    MINIO_DEFAULT_BUCKET: media,
    MINIO_STATIC_FILES_BUCKET: statics,
    MINIO_PRIVATE_BUCKETS: media,
    MINIO_BUCKET_CHECK_ON_SAVE: 'true',
  };
}
