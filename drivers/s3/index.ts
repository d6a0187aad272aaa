/**
 * `stowage/s3`: the S3 driver on the AWS SDK v3, for AWS S3 and S3-compatible servers.
 * The SDK packages are optional peer dependencies, loaded only by this entry point.
 */
import { type InitializeReport, parsePolicyHooks } from '../../src/buckets.js';
import type { DriverEntry } from '../../src/driver.js';
import { configError, type EnvReader } from '../../src/env.js';
import { MAX_MAX_ATTEMPTS } from '../../src/retry.js';
import { Storage } from '../../src/storage.js';
import { resolveSettings } from './client.js';
import { S3Driver } from './driver.js';
import type { S3Options } from './options.js';

export type { InitializeReport } from '../../src/buckets.js';
export { S3Driver } from './driver.js';
export { mapS3Error } from './errors.js';
export type { ChecksumMode, S3Options } from './options.js';

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

/** The registry's entry for `STORAGE_DRIVER=s3`. */
export const s3Entry: DriverEntry<S3Options> = {
  create(options) {
    return createS3Storage(options);
  },
  optionsFromEnv(env, alias) {
    const bucketVariable = alias === 'static' ? 'S3_STATIC_BUCKET' : 'S3_BUCKET';
    const endpointVariable =
      env.string('AWS_ENDPOINT_URL_S3') === undefined ? 'AWS_ENDPOINT_URL' : 'AWS_ENDPOINT_URL_S3';
    const options: S3Options = {
      bucket: env.required(bucketVariable, `for the ${alias} storage with STORAGE_DRIVER=s3`),
      region: env.string('AWS_REGION'),
      credentials: credentialsFromEnv(env),
      endpoint: env.string('AWS_ENDPOINT_URL_S3') ?? env.string('AWS_ENDPOINT_URL'),
      endpoints: env.list('S3_ENDPOINTS'),
      externalEndpoint: env.string('S3_EXTERNAL_ENDPOINT'),
      forcePathStyle: env.boolean('S3_FORCE_PATH_STYLE'),
      urlExpirySeconds: env.number('S3_URL_EXPIRY_SECONDS', { min: 1, max: 7 * 24 * 3600 }),
      customDomain: env.string('S3_CUSTOM_DOMAIN'),
      staticBucket: env.string('S3_STATIC_BUCKET'),
      publicBuckets: env.list('S3_PUBLIC_BUCKETS'),
      privateBuckets: env.list('S3_PRIVATE_BUCKETS'),
      policyHooks: parsePolicyHooks(env.json('S3_POLICY_HOOKS'), 'S3_POLICY_HOOKS'),
      allowAnonymousList: env.boolean('S3_ALLOW_ANONYMOUS_LIST'),
      bucketCheckOnSave: env.boolean('S3_BUCKET_CHECK_ON_SAVE'),
      consistencyCheckOnStart: env.boolean('S3_CONSISTENCY_CHECK_ON_START'),
      replaceExisting: env.boolean('S3_REPLACE_EXISTING') ?? env.boolean('STORAGE_REPLACE_EXISTING'),
      conditionalWrites: env.boolean('S3_CONDITIONAL_WRITES'),
      partSize: env.number('S3_PART_SIZE', { min: 5 * 1024 * 1024 }),
      queueSize: env.number('S3_QUEUE_SIZE', { min: 1, max: 64 }),
      requestChecksumCalculation: env.choice('AWS_REQUEST_CHECKSUM_CALCULATION', CHECKSUM_CHOICES),
      responseChecksumValidation: env.choice('AWS_RESPONSE_CHECKSUM_VALIDATION', CHECKSUM_CHOICES),
      connectionTimeoutMs: env.number('S3_CONNECTION_TIMEOUT_MS', { min: 1 }),
      requestTimeoutMs: env.number('S3_REQUEST_TIMEOUT_MS', { min: 0 }),
      maxAttempts: env.number('AWS_MAX_ATTEMPTS', { min: 1, max: MAX_MAX_ATTEMPTS }),
      healthTimeoutMs: env.number('S3_HEALTH_TIMEOUT_MS', { min: 1 }),
    };
    // Checked here too, so that an error names the variable rather than the option.
    const labels: Partial<Record<keyof S3Options, string>> = {
      ...ENV_LABELS,
      bucket: bucketVariable,
      endpoint: endpointVariable,
    };
    resolveSettings(options, (option) => labels[option] ?? option);
    return options;
  },
};

/** The variable each checked option comes from. */
const ENV_LABELS: Partial<Record<keyof S3Options, string>> = {
  endpoints: 'S3_ENDPOINTS',
  staticBucket: 'S3_STATIC_BUCKET',
  publicBuckets: 'S3_PUBLIC_BUCKETS',
  privateBuckets: 'S3_PRIVATE_BUCKETS',
  externalEndpoint: 'S3_EXTERNAL_ENDPOINT',
  customDomain: 'S3_CUSTOM_DOMAIN',
  urlExpirySeconds: 'S3_URL_EXPIRY_SECONDS',
  partSize: 'S3_PART_SIZE',
  queueSize: 'S3_QUEUE_SIZE',
  requestChecksumCalculation: 'AWS_REQUEST_CHECKSUM_CALCULATION',
  responseChecksumValidation: 'AWS_RESPONSE_CHECKSUM_VALIDATION',
  connectionTimeoutMs: 'S3_CONNECTION_TIMEOUT_MS',
  requestTimeoutMs: 'S3_REQUEST_TIMEOUT_MS',
  healthTimeoutMs: 'S3_HEALTH_TIMEOUT_MS',
  maxAttempts: 'AWS_MAX_ATTEMPTS',
};

const CHECKSUM_CHOICES = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'] as const;

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
