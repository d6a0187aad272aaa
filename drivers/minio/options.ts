/**
 * Options of the MinIO driver, and their environment variables: the names
 * django-minio-backend users already have (`MINIO_*`), read by `createStorageFromEnv()`
 * when `STORAGE_DRIVER=minio`.
 */
import type { Agent } from 'node:http';
import type { Client } from 'minio';
import type { PolicyHook } from '../../src/buckets.js';

export interface MinioOptions {
  /**
   * The server for this process's traffic: `host:port` as django-minio-backend's
   * `MINIO_ENDPOINT` (`minio:9000`), or a URL (`http://minio:9000`, whose scheme then
   * sets `useHttps`). Required, also with `client` (health checks and messages use it).
   * Env: `MINIO_ENDPOINT`.
   */
  endpoint: string;
  /**
   * More nodes of the same MinIO (a distributed cluster), `host:port` or URLs as
   * `endpoint`: requests go to one endpoint at a time, `endpoint` first, and move to the
   * next when it does not answer (refused, unreachable, reset or timed out; the request is
   * then retried there, within `maxAttempts`). `isAvailable()` asks them all. Not with
   * `client`. Default: none. Env: `MINIO_ENDPOINTS` (comma-separated).
   */
  endpoints?: string[] | undefined;
  /** Talk to `endpoint` over https. Default false. Env: `MINIO_USE_HTTPS`. */
  useHttps?: boolean | undefined;
  /**
   * Where users reach the server, for every URL handed out (public and presigned):
   * `host:port`, or a full URL that may carry a path prefix
   * (`https://cdn.example.com/minio`; the proxy must strip the prefix and keep the Host
   * header). URLs are signed for this host offline. Default: `endpoint`.
   * Env: `MINIO_EXTERNAL_ENDPOINT`.
   */
  externalEndpoint?: string | undefined;
  /** https for `externalEndpoint` given as `host:port`. Default: `useHttps`. Env: `MINIO_EXTERNAL_ENDPOINT_USE_HTTPS`. */
  externalUseHttps?: boolean | undefined;
  /**
   * The region requests and URLs are signed for. Always set, so that presigning never
   * asks the server for the bucket's location. Default `us-east-1`. Env: `MINIO_REGION`.
   */
  region?: string | undefined;
  /** Access key. Required unless `client`. Env: `MINIO_ACCESS_KEY`. */
  accessKey?: string | undefined;
  /**
   * Secret key. Required unless `client`. Never appears in messages, `util.inspect`
   * or JSON of the driver or storage. Env: `MINIO_SECRET_KEY`.
   */
  secretKey?: string | undefined;
  /**
   * A ready minio `Client` for this process's traffic, instead of building one from
   * `endpoint`, `useHttps`, keys, `httpAgent` and `requestTimeoutMs`. Create it with
   * `region` set, and with `transport: createMinioTransport(...)` so that MinIO's
   * dropped connection after a 412 and the request timeout are handled. URLs are
   * signed with it too, unless `externalEndpoint` differs, which then needs
   * `accessKey` and `secretKey`. No env variable.
   */
  client?: Client | undefined;
  /**
   * The bucket this storage reads and writes. Env: `MINIO_DEFAULT_BUCKET` (default
   * `auto-generated-bucket-media-files`, as django-minio-backend); the `static` alias
   * uses `MINIO_STATIC_FILES_BUCKET`.
   */
  bucket: string;
  /**
   * A key prefix inside the bucket, so that several applications or tests can share
   * one bucket (django-storages' `location`): name `a.txt` is stored as
   * `<location>/a.txt`. Default none. Env: `MINIO_LOCATION`.
   */
  location?: string | undefined;
  /** Buckets whose objects anyone may read; `url()` gives plain URLs there. Default none. Env: `MINIO_PUBLIC_BUCKETS` (comma-separated). */
  publicBuckets?: readonly string[] | undefined;
  /**
   * Buckets reachable only with credentials or presigned URLs. A bucket in both lists
   * is INVALID_CONFIG; a bucket in neither is private (with a warning). Default none.
   * Env: `MINIO_PRIVATE_BUCKETS` (comma-separated).
   */
  privateBuckets?: readonly string[] | undefined;
  /**
   * The static-files bucket, always public (collectstatic); created and given its
   * policy by `initializeBuckets` too. Default none. Env: `MINIO_STATIC_FILES_BUCKET`.
   */
  staticBucket?: string | undefined;
  /**
   * `[bucket, policy]` pairs `initializeBuckets` applies after the public/private
   * policies. Default none. Env: `MINIO_POLICY_HOOKS` (JSON: `[["bucket", {...}]]`).
   */
  policyHooks?: readonly PolicyHook[] | undefined;
  /**
   * Public buckets also let anonymous users list their keys (django-minio-backend's
   * policy does; here it is off unless asked for). Default false.
   * Env: `MINIO_ALLOW_ANONYMOUS_LIST`.
   */
  allowAnonymousList?: boolean | undefined;
  /**
   * Lifetime of presigned URLs in seconds, from 1 to 604800 (7 days, the SigV4
   * limit). Default 604800. Env: `MINIO_URL_EXPIRY_HOURS` (hours, fractions allowed).
   */
  urlExpirySeconds?: number | undefined;
  /**
   * Create the bucket (with its policy) before the first write when it is missing;
   * checked once per storage, not per save. Default false.
   * Env: `MINIO_BUCKET_CHECK_ON_SAVE`.
   */
  bucketCheckOnSave?: boolean | undefined;
  /**
   * Run `initializeBuckets` before the first operation, once per process for the same
   * server and bucket settings. Default false. Env: `MINIO_CONSISTENCY_CHECK_ON_START`.
   */
  consistencyCheckOnStart?: boolean | undefined;
  /**
   * Bytes per multipart part, from 5 MiB to 5 GiB: bodies up to this size go in one
   * PUT, longer streams in parts of this size, two parts in memory at a time (parts
   * double in size after every 1,000, so a stream of any length fits S3's 10,000).
   * Default 8 MiB. Env: `MINIO_MULTIPART_PART_SIZE`.
   */
  partSize?: number | undefined;
  /**
   * The `http.Agent` (or `https.Agent`) requests go through: connection pooling, TLS
   * options such as a private CA (django-minio-backend's `MINIO_HTTP_CLIENT`).
   * Default: Node's global agent. No env variable.
   */
  httpAgent?: Agent | undefined;
  /**
   * Milliseconds a request may stay idle (nothing sent or received) before its
   * response arrives, and a body being read may go without a byte while the reader
   * waits for one; the attempt then fails as UNAVAILABLE (and is retried, see
   * `maxAttempts`). A slow reader is never timed out. 0 for none. Default 120000.
   * Env: `MINIO_REQUEST_TIMEOUT_MS`.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Milliseconds `isAvailable()` waits for its one probe (`/minio/health/live`, never
   * retried). Default 2000. Env: `MINIO_HEALTH_TIMEOUT_MS`.
   */
  healthTimeoutMs?: number | undefined;
  /**
   * Attempts per request, the first included, from 1 (no retries) to 10: requests
   * that failed with a retryable error (reset, timeout, 5xx, throttling) are sent
   * again after a backoff (100 ms doubling to 5 s, full jitter), reads resume where
   * they broke off, and a create whose answer was lost is checked by checksum rather
   * than stored twice (docs/reliability.md). Default 3. Env: `MINIO_MAX_ATTEMPTS`.
   */
  maxAttempts?: number | undefined;
  /**
   * Overwrite an object of the same name instead of choosing another name
   * (django-minio-backend's `replace_existing`). Default false.
   * Env: `MINIO_REPLACE_EXISTING`.
   */
  replaceExisting?: boolean | undefined;
}

/** Every key `MinioOptions` accepts; anything else is INVALID_CONFIG. */
export const OPTION_KEYS = [
  'endpoint',
  'endpoints',
  'useHttps',
  'externalEndpoint',
  'externalUseHttps',
  'region',
  'accessKey',
  'secretKey',
  'client',
  'bucket',
  'location',
  'publicBuckets',
  'privateBuckets',
  'staticBucket',
  'policyHooks',
  'allowAnonymousList',
  'urlExpirySeconds',
  'bucketCheckOnSave',
  'consistencyCheckOnStart',
  'partSize',
  'httpAgent',
  'requestTimeoutMs',
  'healthTimeoutMs',
  'maxAttempts',
  'replaceExisting',
] as const satisfies readonly (keyof MinioOptions)[];

/** django-minio-backend's default bucket names, used when the env variables are unset. */
export const DEFAULT_MEDIA_BUCKET = 'auto-generated-bucket-media-files';
export const DEFAULT_STATIC_BUCKET = 'auto-generated-bucket-static-files';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** A health check must answer quickly, whatever the request timeout. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
