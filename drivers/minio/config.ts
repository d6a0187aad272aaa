/**
 * Checks `MinioOptions` and resolves them into the driver's configuration, and reads
 * them from the environment. Every problem is an INVALID_CONFIG error naming the
 * option or variable; secrets never reach a message.
 */
import { Agent } from 'node:http';
import { BucketPlan, checkBucketName, parsePolicyHooks } from '../../src/buckets.js';
import type { StorageAlias } from '../../src/driver.js';
import { checkOptionKeys, configError, defined, type EnvReader, naming } from '../../src/env.js';
import { StorageError } from '../../src/errors.js';
import { normalizeName } from '../../src/names.js';
import {
  checkUrlExpiry,
  DEFAULT_PART_SIZE,
  type ExternalEndpoint,
  MAX_PART_SIZE,
  MIN_PART_SIZE,
  parseExternalEndpoint,
} from '../../src/object-store.js';
import { MAX_MAX_ATTEMPTS, type RetryPolicy, retryPolicy } from '../../src/retry.js';
import { MAX_URL_EXPIRY_SECONDS } from '../../src/storage.js';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_MEDIA_BUCKET,
  DEFAULT_REGION,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_STATIC_BUCKET,
  type MinioOptions,
  OPTION_KEYS,
} from './options.js';

/** A server address as minio-js wants it. */
export interface Endpoint {
  host: string;
  port: number;
  useSSL: boolean;
}

/** The external endpoint: where URLs point (with a path prefix) and the host they are signed for. */
export interface ExternalAddress extends ExternalEndpoint, Endpoint {}

/** Options checked and defaults applied. */
export interface MinioConfig {
  bucket: string;
  /** '' or `prefix/`: what keys start with. */
  keyPrefix: string;
  endpoint: Endpoint;
  /** `endpoint` and then the `endpoints` option's, for failover. */
  endpoints: Endpoint[];
  external: ExternalAddress;
  region: string;
  urlExpirySeconds: number;
  partSize: number;
  requestTimeoutMs: number;
  healthTimeoutMs: number;
  retry: RetryPolicy;
  replaceExisting: boolean;
  bucketCheckOnSave: boolean;
  consistencyCheckOnStart: boolean;
  plan: BucketPlan;
}

const BUCKET_SETTING_NAMES = { public: 'publicBuckets', private: 'privateBuckets', static: 'staticBucket' };
const ENV_BUCKET_NAMES = {
  public: 'MINIO_PUBLIC_BUCKETS',
  private: 'MINIO_PRIVATE_BUCKETS',
  static: 'MINIO_STATIC_FILES_BUCKET',
};
const HOST_PORT = /^(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?<port>\d{1,5}))?$/;
const MAX_PORT = 65_535;

/** Checks every option (unknown keys included) and applies the defaults. */
export function resolveConfig(options: MinioOptions): MinioConfig {
  if (typeof options !== 'object' || options === null) {
    throw new StorageError('INVALID_CONFIG', 'The minio driver needs an options object.', { operation: 'configure' });
  }
  checkOptionKeys('minio', options, OPTION_KEYS);
  checkTypes(options);
  if (options.client === undefined) {
    if (!options.accessKey) throw configError('minio option accessKey', 'is required (or pass a ready client)');
    if (!options.secretKey) throw configError('minio option secretKey', 'is required (or pass a ready client)');
  }
  if (typeof options.bucket !== 'string' || options.bucket === '') {
    throw configError('minio option bucket', 'is required: the bucket this storage reads and writes');
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
  const plan = BucketPlan.forStorage(options, BUCKET_SETTING_NAMES);
  return {
    bucket: options.bucket,
    keyPrefix:
      options.location === undefined || options.location === ''
        ? ''
        : `${location(options.location, 'minio option location')}/`,
    endpoint,
    endpoints: [endpoint, ...others],
    external,
    region: options.region ?? DEFAULT_REGION,
    urlExpirySeconds:
      options.urlExpirySeconds === undefined
        ? MAX_URL_EXPIRY_SECONDS
        : checkUrlExpiry(options.urlExpirySeconds, 'minio option urlExpirySeconds'),
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    healthTimeoutMs: options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
    retry: retryPolicy(options.maxAttempts, 'minio option maxAttempts'),
    replaceExisting: options.replaceExisting ?? false,
    bucketCheckOnSave: options.bucketCheckOnSave ?? false,
    consistencyCheckOnStart: options.consistencyCheckOnStart ?? false,
    plan,
  };
}

/**
 * Reads the `MINIO_*` variables for one storage alias: `default` stores in
 * `MINIO_DEFAULT_BUCKET`, `static` in `MINIO_STATIC_FILES_BUCKET`. Each value is
 * checked here, so that an error names the variable.
 */
export function optionsFromEnv(env: EnvReader, alias: StorageAlias): MinioOptions {
  const why = 'for STORAGE_DRIVER=minio';
  const useHttps = env.boolean('MINIO_USE_HTTPS');
  const endpoint = env.required('MINIO_ENDPOINT', why);
  const parsed = parseEndpoint(endpoint, useHttps, 'MINIO_ENDPOINT');
  const externalEndpoint = env.string('MINIO_EXTERNAL_ENDPOINT');
  const externalUseHttps = env.boolean('MINIO_EXTERNAL_ENDPOINT_USE_HTTPS');
  if (externalEndpoint !== undefined) {
    parseExternal(externalEndpoint, externalUseHttps ?? parsed.useSSL, 'MINIO_EXTERNAL_ENDPOINT');
  }
  const staticBucket = env.string('MINIO_STATIC_FILES_BUCKET');
  const bucket =
    alias === 'static'
      ? (staticBucket ?? DEFAULT_STATIC_BUCKET)
      : (env.string('MINIO_DEFAULT_BUCKET') ?? DEFAULT_MEDIA_BUCKET);
  const endpoints = env.list('MINIO_ENDPOINTS');
  for (const other of endpoints ?? []) parseEndpoint(other, useHttps, 'MINIO_ENDPOINTS');
  const options: MinioOptions = {
    endpoint,
    endpoints,
    useHttps,
    externalEndpoint,
    externalUseHttps,
    region: env.string('MINIO_REGION'),
    accessKey: env.required('MINIO_ACCESS_KEY', why),
    secretKey: env.required('MINIO_SECRET_KEY', why),
    bucket,
    location: env.string('MINIO_LOCATION'),
    publicBuckets: env.list('MINIO_PUBLIC_BUCKETS'),
    privateBuckets: env.list('MINIO_PRIVATE_BUCKETS'),
    staticBucket: alias === 'static' ? bucket : staticBucket,
    policyHooks: parsePolicyHooks(env.json('MINIO_POLICY_HOOKS'), 'MINIO_POLICY_HOOKS'),
    allowAnonymousList: env.boolean('MINIO_ALLOW_ANONYMOUS_LIST'),
    urlExpirySeconds: urlExpiryFromHours(env),
    bucketCheckOnSave: env.boolean('MINIO_BUCKET_CHECK_ON_SAVE'),
    consistencyCheckOnStart: env.boolean('MINIO_CONSISTENCY_CHECK_ON_START'),
    partSize: env.number('MINIO_MULTIPART_PART_SIZE', { min: MIN_PART_SIZE, max: MAX_PART_SIZE }),
    requestTimeoutMs: env.number('MINIO_REQUEST_TIMEOUT_MS', { min: 0 }),
    healthTimeoutMs: env.number('MINIO_HEALTH_TIMEOUT_MS', { min: 1, max: 600_000 }),
    maxAttempts: env.number('MINIO_MAX_ATTEMPTS', { min: 1, max: MAX_MAX_ATTEMPTS }),
    replaceExisting: env.boolean('MINIO_REPLACE_EXISTING') ?? env.boolean('STORAGE_REPLACE_EXISTING'),
  };
  if (options.location !== undefined) location(options.location, 'MINIO_LOCATION');
  const bucketVariables: [string, readonly string[] | undefined][] = [
    ['MINIO_PUBLIC_BUCKETS', options.publicBuckets],
    ['MINIO_PRIVATE_BUCKETS', options.privateBuckets],
    [alias === 'static' ? 'MINIO_STATIC_FILES_BUCKET' : 'MINIO_DEFAULT_BUCKET', [bucket]],
    ['MINIO_STATIC_FILES_BUCKET', staticBucket === undefined ? [] : [staticBucket]],
  ];
  for (const [variable, buckets] of bucketVariables) naming(variable, () => buckets?.forEach(checkBucketName));
  // Conflicts between the lists: BucketPlan names the variables itself.
  new BucketPlan({ ...options, defaultBucket: bucket }, ENV_BUCKET_NAMES);
  return defined(options) as MinioOptions;
}

/**
 * Parses `host`, `host:port` or `http(s)://host[:port]`. `useHttps` must agree with a
 * URL's scheme; the port defaults to 443 or 80.
 */
export function parseEndpoint(value: unknown, useHttps: boolean | undefined, setting: string): Endpoint {
  if (typeof value !== 'string' || value.trim() === '') {
    throw configError(setting, 'is required: the MinIO server as host:port (for example minio:9000)');
  }
  const raw = value.trim();
  if (raw.includes('://')) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw configError(setting, `must be host:port or an http(s) URL (got ${JSON.stringify(raw)})`);
    }
    const https = url.protocol === 'https:';
    const plain = (url.protocol === 'http:' || https) && url.pathname === '/' && !url.search && !url.hash;
    if (!plain || url.username || url.password) {
      throw configError(setting, `must be an http(s) URL without path, query or credentials (got ${url.origin})`);
    }
    if (useHttps !== undefined && useHttps !== https) {
      throw configError(setting, `is ${url.protocol}// but useHttps is ${useHttps}; drop one of them`);
    }
    return { host: url.hostname, port: Number(url.port || (https ? 443 : 80)), useSSL: https };
  }
  const match = HOST_PORT.exec(raw);
  const port = match?.groups?.port === undefined ? undefined : Number(match.groups.port);
  if (!match?.groups?.host || (port !== undefined && (port < 1 || port > MAX_PORT))) {
    throw configError(setting, `must be host or host:port, such as minio:9000 (got ${JSON.stringify(raw)})`);
  }
  const useSSL = useHttps ?? false;
  return { host: match.groups.host, port: port ?? (useSSL ? 443 : 80), useSSL };
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

/** A location as a key prefix without its trailing slash (`media/app`). */
function location(value: string, setting: string): string {
  try {
    return normalizeName(value.replace(/\/+$/, ''));
  } catch (error) {
    throw configError(setting, `is not a valid key prefix: ${(error as Error).message.replace(/\.$/, '')}`);
  }
}

/** MINIO_URL_EXPIRY_HOURS (django-minio-backend's `timedelta`, as hours) in seconds. */
function urlExpiryFromHours(env: EnvReader): number | undefined {
  const maxHours = MAX_URL_EXPIRY_SECONDS / 3600;
  const hours = env.number('MINIO_URL_EXPIRY_HOURS', { min: 0, max: maxHours, integer: false });
  if (hours === undefined) return undefined;
  const seconds = Math.round(hours * 3600);
  if (seconds < 1)
    throw configError('MINIO_URL_EXPIRY_HOURS', `must be at least 1 second and at most ${maxHours} hours`);
  return seconds;
}

type Expected = 'string' | 'boolean' | 'number' | 'strings' | 'hooks';

const EXPECTED: Partial<Record<keyof MinioOptions, Expected>> = {
  endpoint: 'string',
  endpoints: 'strings',
  useHttps: 'boolean',
  externalEndpoint: 'string',
  externalUseHttps: 'boolean',
  region: 'string',
  accessKey: 'string',
  secretKey: 'string',
  bucket: 'string',
  location: 'string',
  publicBuckets: 'strings',
  privateBuckets: 'strings',
  staticBucket: 'string',
  policyHooks: 'hooks',
  allowAnonymousList: 'boolean',
  urlExpirySeconds: 'number',
  bucketCheckOnSave: 'boolean',
  consistencyCheckOnStart: 'boolean',
  partSize: 'number',
  requestTimeoutMs: 'number',
  healthTimeoutMs: 'number',
  maxAttempts: 'number',
  replaceExisting: 'boolean',
};

/** Options also come from plain JavaScript: check each value's type before use. */
function checkTypes(options: MinioOptions): void {
  for (const [key, expected] of Object.entries(EXPECTED) as [keyof MinioOptions, Expected][]) {
    const value = options[key];
    if (value === undefined) continue;
    const ok =
      expected === 'strings'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : expected === 'hooks'
          ? Array.isArray(value)
          : typeof value === expected;
    if (!ok) {
      const what = expected === 'strings' ? 'an array of strings' : expected === 'hooks' ? 'an array' : `a ${expected}`;
      // Only the type is named: the value may be a secret.
      throw configError(
        `minio option ${key}`,
        `must be ${what} (got ${Array.isArray(value) ? 'array' : typeof value})`,
      );
    }
  }
  if (options.region === '') throw configError('minio option region', 'must not be empty');
  const { partSize, requestTimeoutMs } = options;
  if (
    partSize !== undefined &&
    !(Number.isInteger(partSize) && partSize >= MIN_PART_SIZE && partSize <= MAX_PART_SIZE)
  ) {
    throw configError(
      'minio option partSize',
      `must be a whole number of bytes from ${MIN_PART_SIZE} (5 MiB) to ${MAX_PART_SIZE} (5 GiB); got ${partSize}`,
    );
  }
  if (requestTimeoutMs !== undefined && !(Number.isInteger(requestTimeoutMs) && requestTimeoutMs >= 0)) {
    throw configError(
      'minio option requestTimeoutMs',
      `must be a whole number of milliseconds, 0 for none; got ${requestTimeoutMs}`,
    );
  }
  const { healthTimeoutMs } = options;
  if (healthTimeoutMs !== undefined && !(Number.isInteger(healthTimeoutMs) && healthTimeoutMs >= 1)) {
    throw configError(
      'minio option healthTimeoutMs',
      `must be a whole number of milliseconds from 1; got ${healthTimeoutMs}`,
    );
  }
  if (options.httpAgent !== undefined && !(options.httpAgent instanceof Agent)) {
    throw configError('minio option httpAgent', 'must be an http.Agent or https.Agent');
  }
  const client = options.client as { presignedUrl?: unknown } | undefined;
  if (client !== undefined && typeof client?.presignedUrl !== 'function') {
    throw configError('minio option client', 'must be a minio Client (new Client({...}) from the minio package)');
  }
}
