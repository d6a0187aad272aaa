/**
 * `stowage/s3`: the S3 driver on the AWS SDK v3, for AWS S3 and S3-compatible servers.
 * The SDK packages are optional peer dependencies, loaded only by this entry point.
 */
import type { InitializeReport } from '../../src/buckets.js';
import type { StorageAlias } from '../../src/driver.js';
import { configError, type EnvReader } from '../../src/env.js';
import { driverEntry } from '../../src/options.js';
import { Storage } from '../../src/storage.js';
import { resolveSettings } from './client.js';
import { S3Driver } from './driver.js';
import { S3_OPTIONS, type S3Options } from './options.js';

export type { InitializeReport } from '../../src/buckets.js';
export { S3Driver } from './driver.js';
export { mapS3Error } from './errors.js';
export { type ChecksumMode, S3_OPTIONS, type S3Options } from './options.js';

/** A Storage on one S3 bucket: `createS3Storage({ bucket: 'media', endpoint: 'http://127.0.0.1:9000' })`. */
export function createS3Storage(options: S3Options): Storage<S3Driver> {
  const driver = new S3Driver(options);
  return new Storage({ driver, replaceExisting: driver.replaceExisting });
}

/**
 * Creates every configured bucket that is missing, gives public buckets an anonymous
 * read-only policy, strips it from private ones, applies the policy hooks; idempotent.
 * Resolves with a report of what changed.
 */
export async function initializeBuckets(config: S3Options): Promise<InitializeReport> {
  const driver = new S3Driver(config);
  try {
    return await driver.initializeBuckets();
  } finally {
    await driver.close();
  }
}

/** The registry's entry for `STORAGE_DRIVER=s3`: options declared once, read from `AWS_*` and `S3_*`. */
export const s3Entry = { ...driverEntry(S3_OPTIONS, createS3Storage), optionsFromEnv };

/**
 * The options the environment sets for one storage alias: each variable checked by its
 * declaration (naming it), the key pair read whole, then the checks across variables.
 */
function optionsFromEnv(env: EnvReader, alias: StorageAlias): S3Options {
  const options = S3_OPTIONS.fromEnv(env, alias);
  const credentials = credentialsFromEnv(env);
  if (credentials !== undefined) options.credentials = credentials;
  const endpoint = env.string('AWS_ENDPOINT_URL_S3') === undefined ? 'AWS_ENDPOINT_URL' : 'AWS_ENDPOINT_URL_S3';
  const labels: Partial<Record<keyof S3Options, string>> = {
    bucket: alias === 'static' ? 'S3_STATIC_BUCKET' : 'S3_BUCKET',
    endpoint,
    endpoints: 'S3_ENDPOINTS',
    staticBucket: 'S3_STATIC_BUCKET',
    publicBuckets: 'S3_PUBLIC_BUCKETS',
    privateBuckets: 'S3_PRIVATE_BUCKETS',
    externalEndpoint: 'S3_EXTERNAL_ENDPOINT',
    customDomain: 'S3_CUSTOM_DOMAIN',
    maxAttempts: 'AWS_MAX_ATTEMPTS',
  };
  resolveSettings(options, (option) => labels[option] ?? option);
  return options;
}

/**
 * Static credentials from the env reader (which may not be process.env), or
 * undefined for the SDK's default chain (profiles, SSO, roles).
 */
function credentialsFromEnv(env: EnvReader): S3Options['credentials'] {
  const accessKeyId = env.string('AWS_ACCESS_KEY_ID');
  const secretAccessKey = env.string('AWS_SECRET_ACCESS_KEY');
  const sessionToken = env.string('AWS_SESSION_TOKEN');
  if (accessKeyId === undefined && secretAccessKey === undefined) {
    if (sessionToken !== undefined) {
      throw configError('AWS_SESSION_TOKEN', 'is set without AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    }
    return undefined;
  }
  if (accessKeyId === undefined)
    throw configError('AWS_ACCESS_KEY_ID', 'is required when AWS_SECRET_ACCESS_KEY is set');
  if (secretAccessKey === undefined) {
    throw configError('AWS_SECRET_ACCESS_KEY', 'is required when AWS_ACCESS_KEY_ID is set');
  }
  return { accessKeyId, secretAccessKey, sessionToken };
}
