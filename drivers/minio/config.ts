/**
 * Resolves checked `MinioOptions` (options.ts) into the settings of the object-store
 * core, with the checks that span several options, and reads the options from the
 * environment. Every problem is an INVALID_CONFIG error naming the option or variable;
 * secrets never reach a message.
 */
import { BucketPlan } from '../../src/buckets.js';
import type { StorageAlias } from '../../src/driver.js';
import { configError, type EnvReader } from '../../src/env.js';
import type { ObjectStoreSettings } from '../../src/object-store/driver.js';
import { type ExternalEndpoint, parseExternalEndpoint } from '../../src/object-store.js';
import { retryPolicy } from '../../src/retry.js';
import { type Endpoint, locationPrefix, MINIO_OPTIONS, type MinioOptions, parseEndpoint } from './options.js';

export type { Endpoint } from './options.js';

/** The external endpoint: where URLs point (with a path prefix) and the host they are signed for. */
export interface ExternalAddress extends ExternalEndpoint, Endpoint {}

/** The core's settings, and what only the MinIO driver needs. */
export interface MinioConfig extends ObjectStoreSettings {
  endpoint: Endpoint;
  /** `endpoint` and then the `endpoints` option's, for failover. */
  endpoints: Endpoint[];
  external: ExternalAddress;
  region: string;
}

const OPTION_NAMES = { public: 'publicBuckets', private: 'privateBuckets', static: 'staticBucket' };
const ENV_NAMES = {
  public: 'MINIO_PUBLIC_BUCKETS',
  private: 'MINIO_PRIVATE_BUCKETS',
  static: 'MINIO_STATIC_FILES_BUCKET',
};

/** Checks every option (unknown keys included), applies the defaults, and resolves the settings. */
export function resolveConfig(given: MinioOptions): MinioConfig {
  const options = MINIO_OPTIONS.resolve(given);
  if (options.client === undefined) {
    if (!options.accessKey) throw configError('minio option accessKey', 'is required (or pass a ready client)');
    if (!options.secretKey) throw configError('minio option secretKey', 'is required (or pass a ready client)');
  }
  const endpoint = parseEndpoint(options.endpoint, options.useHttps, 'minio option endpoint');
  const others = (options.endpoints ?? []).map((other, i) =>
    parseEndpoint(other, options.useHttps, `minio option endpoints[${i}]`),
  );
  if (others.length > 0 && options.client) {
    throw configError('minio option endpoints', 'cannot be used with a ready client, which talks to one endpoint');
  }
  const external =
    options.externalEndpoint === undefined
      ? externalOf(endpoint, options.externalUseHttps)
      : parseExternal(
          options.externalEndpoint,
          options.externalUseHttps ?? endpoint.useSSL,
          'minio option externalEndpoint',
        );
  if (options.client && options.externalEndpoint !== undefined && !(options.accessKey && options.secretKey)) {
    throw configError(
      'minio option externalEndpoint',
      'with a ready client needs accessKey and secretKey too, to sign URLs for the external host',
    );
  }
  const location = options.location ? locationPrefix(options.location, 'minio option location') : '';
  return {
    bucket: options.bucket,
    keyPrefix: location === '' ? '' : `${location}/`,
    plan: BucketPlan.forStorage(options, OPTION_NAMES),
    retry: retryPolicy(options.maxAttempts, 'minio option maxAttempts'),
    requestTimeoutMs: options.requestTimeoutMs,
    healthTimeoutMs: options.healthTimeoutMs,
    partSize: options.partSize,
    parallelParts: options.queueSize,
    conditionalWrites: options.conditionalWrites,
    bucketCheckOnSave: options.bucketCheckOnSave,
    consistencyCheckOnStart: options.consistencyCheckOnStart,
    replaceExisting: options.replaceExisting,
    urlExpirySeconds: options.urlExpirySeconds,
    external,
    pathStyle: true,
    customDomain: undefined,
    secrets: options.secretKey ? [options.secretKey] : [],
    endpoint,
    endpoints: [endpoint, ...others],
    region: options.region,
  };
}

/**
 * Reads the `MINIO_*` variables for one storage alias (each checked by its declaration,
 * naming the variable), then the checks across variables: `default` stores in
 * `MINIO_DEFAULT_BUCKET`, `static` in `MINIO_STATIC_FILES_BUCKET`, which is public.
 */
export function optionsFromEnv(env: EnvReader, alias: StorageAlias): MinioOptions {
  const options = MINIO_OPTIONS.fromEnv(env, alias);
  if (alias === 'static') options.staticBucket = options.bucket;
  const endpoint = parseEndpoint(options.endpoint, options.useHttps, 'MINIO_ENDPOINT');
  for (const other of options.endpoints ?? []) parseEndpoint(other, options.useHttps, 'MINIO_ENDPOINTS');
  if (options.externalEndpoint !== undefined) {
    parseExternal(options.externalEndpoint, options.externalUseHttps ?? endpoint.useSSL, 'MINIO_EXTERNAL_ENDPOINT');
  }
  // Conflicts between the lists: BucketPlan names the variables itself.
  new BucketPlan({ ...options, defaultBucket: options.bucket }, ENV_NAMES);
  return options;
}

function parseExternal(value: string, useHttps: boolean, setting: string): ExternalAddress {
  if (value.includes('://')) {
    const endpoint = parseExternalEndpoint(value, setting);
    const url = new URL(endpoint.origin);
    const useSSL = url.protocol === 'https:';
    return { ...endpoint, host: url.hostname, port: Number(url.port || (useSSL ? 443 : 80)), useSSL };
  }
  return externalOf(parseEndpoint(value, useHttps, setting), useHttps);
}

function externalOf(endpoint: Endpoint, useHttps: boolean | undefined): ExternalAddress {
  const useSSL = useHttps ?? endpoint.useSSL;
  const { host, port } = endpoint;
  const defaultPort = port === (useSSL ? 443 : 80);
  return {
    host,
    port,
    useSSL,
    origin: `${useSSL ? 'https' : 'http'}://${host}${defaultPort ? '' : `:${port}`}`,
    pathPrefix: '',
  };
}
