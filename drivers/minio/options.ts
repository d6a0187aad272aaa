/**
 * Options of the MinIO driver, declared once (src/options.ts): their types, checks,
 * defaults, the environment variables django-minio-backend users already have
 * (`MINIO_*`, read by `createStorageFromEnv()` when `STORAGE_DRIVER=minio`) and the rows
 * of the table in docs/minio.md all come from `MINIO_OPTIONS`. Checks across options
 * (keys unless a client, the endpoint's scheme against `useHttps`, bucket lists) are in
 * config.ts.
 */
import { Agent } from 'node:http';
import type { Client } from 'minio';
import { bucketRuleOptions, checkBucketOption, parsePolicyHooks } from '../../src/buckets.js';
import { configError } from '../../src/env.js';
import { normalizeName } from '../../src/names.js';
import { conditionalWritesOption } from '../../src/object-store/conditional.js';
import { queueSizeOption } from '../../src/object-store/write.js';
import { DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE, parseExternalEndpoint } from '../../src/object-store.js';
import { defineOptions, type OptionsOf, option } from '../../src/options.js';
import { DEFAULT_MAX_ATTEMPTS, MAX_MAX_ATTEMPTS } from '../../src/retry.js';
import { MAX_URL_EXPIRY_SECONDS } from '../../src/storage.js';

/** django-minio-backend's default bucket names, used when the env variables are unset. */
export const DEFAULT_MEDIA_BUCKET = 'auto-generated-bucket-media-files';
export const DEFAULT_STATIC_BUCKET = 'auto-generated-bucket-static-files';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** A health check must answer quickly, whatever the request timeout. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
const MAX_TIMEOUT_MS = 600_000;

export const MINIO_OPTIONS = defineOptions('minio', {
  /**
   * The server for this process's traffic: `host:port` as django-minio-backend's
   * `MINIO_ENDPOINT` (`minio:9000`), or a URL (`http://minio:9000`, whose scheme then
   * sets `useHttps`). Required, also with `client` (health checks and messages use it).
   */
  endpoint: option.string({
    required: true,
    requiredBecause: 'the MinIO server as host:port (for example minio:9000)',
    env: 'MINIO_ENDPOINT',
    envRequired: true,
    validate: (value, label) => void endpointShape(value, label),
    doc: 'the server for traffic: `host:port` (`minio:9000`) or an http(s) URL',
  }),
  /**
   * More nodes of the same MinIO (a distributed cluster), `host:port` or URLs as
   * `endpoint`: requests go to one endpoint at a time, `endpoint` first, and move to the
   * next when it does not answer (refused, unreachable, reset or timed out) or answers that
   * it cannot serve now (a MinIO node still starting, or short of quorum in its own view:
   * `XMinioServerNotInitialized`, `SlowDownWrite`, `SlowDownRead`); the request is then
   * retried there, within `maxAttempts`. `isAvailable()` asks them all. Not with
   * `client`.
   */
  endpoints: option.list({
    env: 'MINIO_ENDPOINTS',
    validate: (values, label) => {
      for (const value of values) endpointShape(value, label);
    },
    doc: 'more nodes of the same distributed MinIO (comma-separated): requests move to the next when the one in use does not answer or cannot serve now ([servers](servers.md))',
  }),
  /** Talk to `endpoint` over https. Default false. */
  useHttps: option.boolean({ env: 'MINIO_USE_HTTPS', defaultDoc: '`false`', doc: 'https to `endpoint`' }),
  /**
   * Where users reach the server, for every URL handed out (public and presigned):
   * `host:port`, or a full URL that may carry a path prefix
   * (`https://cdn.example.com/minio`; the proxy must strip the prefix and keep the Host
   * header). URLs are signed for this host offline. Default: `endpoint`.
   */
  externalEndpoint: option.string({
    env: 'MINIO_EXTERNAL_ENDPOINT',
    validate: (value, label) =>
      void (value.includes('://') ? parseExternalEndpoint(value, label) : endpointShape(value, label)),
    defaultDoc: '`endpoint`',
    doc: 'where users reach the server, for every URL handed out (`host:port`, or a URL with a path prefix)',
  }),
  /** https for `externalEndpoint` given as `host:port`. Default: `useHttps`. */
  externalUseHttps: option.boolean({
    env: 'MINIO_EXTERNAL_ENDPOINT_USE_HTTPS',
    defaultDoc: '`useHttps`',
    doc: 'https for `externalEndpoint` given as `host:port`',
  }),
  /**
   * The region requests and URLs are signed for. Always set, so that presigning never
   * asks the server for the bucket's location.
   */
  region: option.string({
    default: DEFAULT_REGION,
    env: 'MINIO_REGION',
    doc: 'the region requests and URLs are signed for (presigning stays offline)',
  }),
  /** Access key. Required unless `client`. */
  accessKey: option.string({
    env: 'MINIO_ACCESS_KEY',
    envRequired: true,
    doc: 'access key (required unless `client`)',
  }),
  /** Secret key. Required unless `client`. Never appears in messages, `util.inspect` or JSON. */
  secretKey: option.string({
    env: 'MINIO_SECRET_KEY',
    envRequired: true,
    doc: 'secret key (required unless `client`); never shown in messages, `inspect` or JSON',
  }),
  /**
   * A ready minio `Client` for this process's traffic, instead of building one from
   * `endpoint`, `useHttps`, keys, `httpAgent` and `requestTimeoutMs`. Create it with
   * `region` set, and with `transport: createMinioTransport(...)` so that MinIO's
   * dropped connection after a 412 and the request timeout are handled. URLs are
   * signed with it too, unless `externalEndpoint` differs, which then needs
   * `accessKey` and `secretKey`.
   */
  client: option.custom(
    {
      describe: 'a minio Client',
      check: (value, label) => {
        if (typeof (value as { presignedUrl?: unknown } | null)?.presignedUrl !== 'function') {
          throw configError(label, 'must be a minio Client (new Client({...}) from the minio package)');
        }
        return value as Client;
      },
    },
    { defaultDoc: 'built from the options', doc: 'a ready minio `Client` for traffic (see "Bring your own client")' },
  ),
  /** The bucket this storage reads and writes (the `static` alias: the static-files bucket). */
  bucket: option.string({
    required: true,
    requiredBecause: 'the bucket this storage reads and writes',
    env: { default: 'MINIO_DEFAULT_BUCKET', static: 'MINIO_STATIC_FILES_BUCKET' },
    envDefault: { perAlias: { default: DEFAULT_MEDIA_BUCKET, static: DEFAULT_STATIC_BUCKET } },
    validate: checkBucketOption,
    doc: 'the bucket this storage reads and writes',
  }),
  /**
   * A key prefix inside the bucket, so that several applications or tests can share
   * one bucket (django-storages' `location`): name `a.txt` is stored as `<location>/a.txt`.
   */
  location: option.string({
    nonEmpty: false,
    env: 'MINIO_LOCATION',
    validate: (value, label) => void locationPrefix(value, label),
    doc: 'a key prefix, so that several apps share one bucket: `a.txt` is stored as `<location>/a.txt`',
  }),
  /** Buckets whose objects anyone may read; `url()` gives plain URLs there. */
  publicBuckets: option.list({
    env: 'MINIO_PUBLIC_BUCKETS',
    validate: checkBucketOption,
    doc: 'buckets anyone may read (comma-separated); `url()` gives plain URLs there',
  }),
  /** Buckets reachable only with credentials or presigned URLs; a bucket in neither is private (with a warning). */
  privateBuckets: option.list({
    env: 'MINIO_PRIVATE_BUCKETS',
    validate: checkBucketOption,
    doc: 'buckets reachable only with credentials or presigned URLs (comma-separated)',
  }),
  /** The static-files bucket, always public (collectstatic); created by `initializeBuckets` too. */
  staticBucket: option.string({
    env: 'MINIO_STATIC_FILES_BUCKET',
    validate: checkBucketOption,
    doc: 'the static-files bucket, always public (the `static` alias stores in it)',
  }),
  /** `[bucket, policy]` pairs `initializeBuckets` applies after the public/private policies. */
  policyHooks: option.json(parsePolicyHooks, {
    env: 'MINIO_POLICY_HOOKS',
    doc: '`[bucket, policy]` pairs applied after the public/private policies (JSON)',
  }),
  /** Public buckets also let anonymous users list their keys (django-minio-backend's policy does). */
  allowAnonymousList: option.boolean({
    default: false,
    env: 'MINIO_ALLOW_ANONYMOUS_LIST',
    doc: 'public buckets also let anonymous users list their keys',
  }),
  /** stowage's bucket rules: CORS for browser uploads, and the abort of incomplete uploads (src/buckets.ts). */
  ...bucketRuleOptions({
    corsOrigins: 'MINIO_CORS_ORIGINS',
    corsMethods: 'MINIO_CORS_METHODS',
    corsHeaders: 'MINIO_CORS_HEADERS',
    corsExposeHeaders: 'MINIO_CORS_EXPOSE_HEADERS',
    corsMaxAgeSeconds: 'MINIO_CORS_MAX_AGE_SECONDS',
    abortIncompleteUploadsAfterDays: 'MINIO_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS',
  }),
  /** Lifetime of presigned URLs in seconds, from 1 to 604800 (7 days, the SigV4 limit). */
  urlExpirySeconds: option.number({
    min: 1,
    max: MAX_URL_EXPIRY_SECONDS,
    default: MAX_URL_EXPIRY_SECONDS,
    env: 'MINIO_URL_EXPIRY_HOURS',
    envParse: hoursToSeconds,
    doc: 'lifetime of presigned URLs in seconds, up to 7 days (the variable: hours, fractions allowed)',
  }),
  /** Create the bucket (with its policy) before the first write when it is missing; once per storage. */
  bucketCheckOnSave: option.boolean({
    default: false,
    env: 'MINIO_BUCKET_CHECK_ON_SAVE',
    doc: 'create a missing bucket, with its policy, before the first write (once per storage)',
  }),
  /** Run `initializeBuckets` before the first operation, once per process per server and bucket plan. */
  consistencyCheckOnStart: option.boolean({
    default: false,
    env: 'MINIO_CONSISTENCY_CHECK_ON_START',
    doc: 'run `initializeBuckets` before the first operation, once per process per bucket plan',
  }),
  /**
   * Bytes per multipart part, from 5 MiB to 5 GiB: bodies up to this size go in one
   * PUT, longer streams in parts of this size, `queueSize` parts in memory at a time
   * (parts double in size after every 1,000, so a stream of any length fits S3's 10,000).
   */
  partSize: option.number({
    min: MIN_PART_SIZE,
    max: MAX_PART_SIZE,
    default: DEFAULT_PART_SIZE,
    env: 'MINIO_MULTIPART_PART_SIZE',
    defaultDoc: '8 MiB',
    doc: 'bodies up to this size go in one PUT, longer streams in parts of it (5 MiB to 5 GiB)',
  }),
  /**
   * Parts uploaded at once per upload, while one more fills: memory per upload is about
   * partSize × (queueSize + 1), in buffers reused from part to part. More than the
   * default pays where the network's window, not the server's CPU, bounds an upload
   * (docs/benchmarks.md, "Parts in flight").
   */
  queueSize: queueSizeOption('MINIO_MULTIPART_QUEUE_SIZE'),
  /**
   * The `http.Agent` (or `https.Agent`) requests go through: connection pooling, TLS
   * options such as a private CA (django-minio-backend's `MINIO_HTTP_CLIENT`).
   */
  httpAgent: option.custom(
    {
      describe: 'an http.Agent',
      check: (value, label) => {
        if (!(value instanceof Agent)) throw configError(label, 'must be an http.Agent or https.Agent');
        return value;
      },
    },
    {
      defaultDoc: "Node's global agent",
      doc: 'the `http.Agent`/`https.Agent` requests go through (pooling, a private CA)',
    },
  ),
  /**
   * Milliseconds a request may stay idle before its response arrives, and a body being
   * read may go without a byte while the reader waits for one; the attempt then fails as
   * UNAVAILABLE (and is retried, see `maxAttempts`). A slow reader is never timed out. 0 for none.
   */
  requestTimeoutMs: option.number({
    min: 0,
    default: DEFAULT_REQUEST_TIMEOUT_MS,
    env: 'MINIO_REQUEST_TIMEOUT_MS',
    doc: 'idle time before the answer to a request arrives, and while a reader waits for body bytes (0: none)',
  }),
  /**
   * Milliseconds `isAvailable()` waits for its probes together (`/minio/health/live`, then
   * `/minio/health/cluster`; on a server that is not MinIO, HeadBucket), never retried.
   */
  healthTimeoutMs: option.number({
    min: 1,
    max: MAX_TIMEOUT_MS,
    default: DEFAULT_HEALTH_TIMEOUT_MS,
    env: 'MINIO_HEALTH_TIMEOUT_MS',
    doc: 'how long `isAvailable()` waits for its probes together, `/minio/health/live` then `/minio/health/cluster` (never retried)',
  }),
  /**
   * Attempts per request, the first included, from 1 (no retries) to 10: requests
   * that failed with a retryable error (reset, timeout, 5xx, throttling) are sent
   * again after a backoff (100 ms doubling to 5 s, full jitter), reads resume where
   * they broke off, and a create whose answer was lost is checked by its write token rather
   * than stored twice (docs/reliability.md).
   */
  maxAttempts: option.number({
    min: 1,
    max: MAX_MAX_ATTEMPTS,
    default: DEFAULT_MAX_ATTEMPTS,
    env: 'MINIO_MAX_ATTEMPTS',
    doc: 'attempts per request (1: no retries, up to 10); see [reliability](reliability.md)',
  }),
  /**
   * Send `If-None-Match: *` / `If-Match` so that a save never overwrites, even when
   * saves race. Unset, the server is probed once per bucket before the first
   * conditional save, and saves fail with UNSUPPORTED on a server that ignores the
   * condition; false: saves check, then write (not race-free) and
   * `capabilities.conditionalCreate` is false; true: trusted.
   */
  conditionalWrites: conditionalWritesOption('MINIO_CONDITIONAL_WRITES'),
  /** Overwrite an object of the same name instead of choosing another name (django-minio-backend's `replace_existing`). */
  replaceExisting: option.boolean({
    default: false,
    env: ['MINIO_REPLACE_EXISTING', 'STORAGE_REPLACE_EXISTING'],
    doc: 'overwrite an object of the same name instead of choosing another name',
  }),
});

/** Options of the MinIO driver (`createMinioStorage`): `endpoint` and `bucket` required. */
export type MinioOptions = OptionsOf<typeof MINIO_OPTIONS>;

const HOST_PORT = /^(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(?<port>\d{1,5}))?$/;
const MAX_PORT = 65_535;

/** A server address as minio-js wants it. */
export interface Endpoint {
  host: string;
  port: number;
  useSSL: boolean;
}

/**
 * Parses `host`, `host:port` or `http(s)://host[:port]`. `useHttps` must agree with a
 * URL's scheme; the port defaults to 443 or 80.
 */
export function parseEndpoint(value: string, useHttps: boolean | undefined, setting: string): Endpoint {
  const { host, port, https } = endpointShape(value, setting);
  if (https !== undefined && useHttps !== undefined && useHttps !== https) {
    throw configError(setting, `is ${https ? 'https' : 'http'}:// but useHttps is ${useHttps}; drop one of them`);
  }
  const useSSL = https ?? useHttps ?? false;
  return { host, port: port ?? (useSSL ? 443 : 80), useSSL };
}

/** What `value` says: the host, the port and (for a URL) the scheme. */
function endpointShape(value: string, setting: string): { host: string; port?: number; https?: boolean } {
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
    return { host: url.hostname, https, ...(url.port ? { port: Number(url.port) } : {}) };
  }
  const match = HOST_PORT.exec(raw);
  const port = match?.groups?.port === undefined ? undefined : Number(match.groups.port);
  if (!match?.groups?.host || (port !== undefined && (port < 1 || port > MAX_PORT))) {
    throw configError(setting, `must be host or host:port, such as minio:9000 (got ${JSON.stringify(raw)})`);
  }
  return { host: match.groups.host, ...(port === undefined ? {} : { port }) };
}

/** A location as a key prefix without its trailing slash (`media/app`). */
export function locationPrefix(value: string, setting: string): string {
  try {
    return normalizeName(value.replace(/\/+$/, ''));
  } catch (error) {
    throw configError(setting, `is not a valid key prefix: ${(error as Error).message.replace(/\.$/, '')}`);
  }
}

/** MINIO_URL_EXPIRY_HOURS (django-minio-backend's `timedelta`, as hours) in seconds. */
function hoursToSeconds(raw: string, variable: string): number {
  const maxHours = MAX_URL_EXPIRY_SECONDS / 3600;
  const hours = Number(raw);
  const seconds = Math.round(hours * 3600);
  if (!Number.isFinite(hours) || seconds < 1 || hours > maxHours) {
    throw configError(
      variable,
      `must be a number of hours from 1 second to ${maxHours} hours (got ${JSON.stringify(raw)})`,
    );
  }
  return seconds;
}
