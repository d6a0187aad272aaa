/**
 * Options of the S3 driver. Every option has an environment variable read by
 * `createStorageFromEnv()` (STORAGE_DRIVER=s3): the AWS SDK's standard ones plus `S3_*`.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { PolicyHook } from '../../src/buckets.js';

/** How the SDK treats the flexible checksums introduced in @aws-sdk/client-s3 3.729. */
export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

export interface S3Options {
  /**
   * The bucket this storage reads and writes. Required.
   * Env: `S3_BUCKET` (`S3_STATIC_BUCKET` for the `static` storage alias).
   */
  bucket: string;
  /**
   * The region requests are signed for; presigning uses it offline, never asking the
   * server. Default: `us-east-1` with a custom `endpoint`, else the SDK's chain
   * (AWS_REGION, profile). Env: `AWS_REGION`.
   */
  region?: string | undefined;
  /**
   * Access key, secret key and optional session token, or a credential provider.
   * Default: the SDK's default chain (environment, shared profiles with AWS_PROFILE,
   * SSO, container and instance roles).
   * Env: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
   */
  credentials?: S3ClientConfig['credentials'] | undefined;
  /**
   * The S3 endpoint for this process's traffic, for S3-compatible servers
   * (`http://127.0.0.1:9000`, `https://<account>.r2.cloudflarestorage.com`).
   * Default: AWS. Env: `AWS_ENDPOINT_URL_S3` (or `AWS_ENDPOINT_URL`).
   */
  endpoint?: string | undefined;
  /**
   * More endpoints of the same store (the nodes of a distributed MinIO), URLs as
   * `endpoint`: requests go to one endpoint at a time, `endpoint` first, and move to the
   * next when it does not answer (refused, unreachable, reset or timed out; the request is
   * then retried there, within `maxAttempts`). `isAvailable()` asks them all. Needs
   * `endpoint`; not with `client`. Default: none. Env: `S3_ENDPOINTS` (comma-separated).
   */
  endpoints?: string[] | undefined;
  /**
   * The endpoint users' browsers reach, for every URL handed out (presigned and
   * public): a full URL, which may carry a path prefix (`https://cdn.example.com/s3`;
   * the proxy must strip the prefix and keep the Host header). Default: `endpoint`.
   * Env: `S3_EXTERNAL_ENDPOINT`.
   */
  externalEndpoint?: string | undefined;
  /**
   * Path-style URLs (`host/bucket/key`) instead of virtual-hosted ones
   * (`bucket.host/key`). Default: true with a custom `endpoint` (MinIO and most
   * S3-compatible servers), false on AWS. Env: `S3_FORCE_PATH_STYLE`.
   */
  forcePathStyle?: boolean | undefined;
  /**
   * Lifetime of presigned URLs in seconds, from 1 to 604800 (7 days, the SigV4
   * limit). Default 604800. Env: `S3_URL_EXPIRY_SECONDS`.
   */
  urlExpirySeconds?: number | undefined;
  /**
   * A host (optionally with a path, or a full URL) serving the public bucket's objects,
   * e.g. a CDN: public URLs become `https://<customDomain>/<key>` (django-storages'
   * `custom_domain`). Private buckets keep presigned URLs. Default: none.
   * Env: `S3_CUSTOM_DOMAIN`.
   */
  customDomain?: string | undefined;
  /** The bucket for static files (collectstatic); always public. Env: `S3_STATIC_BUCKET`. */
  staticBucket?: string | undefined;
  /** Buckets whose objects anyone may read (plain URLs). Env: `S3_PUBLIC_BUCKETS` (comma-separated). */
  publicBuckets?: readonly string[] | undefined;
  /**
   * Buckets reachable only with credentials or presigned URLs. A bucket in neither
   * list is private. Env: `S3_PRIVATE_BUCKETS` (comma-separated).
   */
  privateBuckets?: readonly string[] | undefined;
  /** Policies applied by `initializeBuckets` after the public/private ones. Env: `S3_POLICY_HOOKS` (JSON). */
  policyHooks?: readonly PolicyHook[] | undefined;
  /** Let anonymous users list public buckets too. Default false. Env: `S3_ALLOW_ANONYMOUS_LIST`. */
  allowAnonymousList?: boolean | undefined;
  /**
   * Create the bucket before the first save when it is missing (checked once per
   * storage, not per save). Default false. Env: `S3_BUCKET_CHECK_ON_SAVE`.
   */
  bucketCheckOnSave?: boolean | undefined;
  /**
   * Run `initializeBuckets` with these settings once per process, before the first
   * operation. Default false. Env: `S3_CONSISTENCY_CHECK_ON_START`.
   */
  consistencyCheckOnStart?: boolean | undefined;
  /**
   * Overwrite objects of the same name instead of choosing another name. Default false.
   * Env: `S3_REPLACE_EXISTING`.
   */
  replaceExisting?: boolean | undefined;
  /**
   * Send `If-None-Match: *` / `If-Match` so that a save never overwrites, even when
   * saves race. Set false only for a server without conditional writes: saves then
   * check, then write (not race-free) and `capabilities.conditionalCreate` is false.
   * Default true. Env: `S3_CONDITIONAL_WRITES`.
   */
  conditionalWrites?: boolean | undefined;
  /**
   * Size in bytes of each multipart part, from 5 MiB to 5 GiB; bodies up to this size
   * go in one PUT. Memory per upload is about partSize × queueSize, in buffers reused
   * from part to part. The size doubles after every 1,000 parts, so a stream of
   * unknown length is not limited by S3's 10,000 parts.
   * Default 8 MiB. Env: `S3_PART_SIZE`.
   */
  partSize?: number | undefined;
  /** Parts uploaded at once per upload. Default 2. Env: `S3_QUEUE_SIZE`. */
  queueSize?: number | undefined;
  /**
   * When the SDK adds CRC checksums to requests. `WHEN_SUPPORTED` (the SDK's default
   * since 3.729) sends aws-chunked bodies and signs an empty-body CRC into presigned
   * PUTs, which several S3-compatible servers reject or store wrongly.
   * Default: `WHEN_REQUIRED` with a custom `endpoint`, `WHEN_SUPPORTED` on AWS.
   * Env: `AWS_REQUEST_CHECKSUM_CALCULATION`.
   */
  requestChecksumCalculation?: ChecksumMode | undefined;
  /**
   * When the SDK validates response checksums. Default as `requestChecksumCalculation`.
   * Env: `AWS_RESPONSE_CHECKSUM_VALIDATION`.
   */
  responseChecksumValidation?: ChecksumMode | undefined;
  /** Milliseconds to wait for a TCP connection. Default 5000. Env: `S3_CONNECTION_TIMEOUT_MS`. */
  connectionTimeoutMs?: number | undefined;
  /**
   * Milliseconds a request may sit idle before it fails, and a body being read may go
   * without a byte while the reader waits for one; the attempt then fails as
   * UNAVAILABLE (and is retried, see `maxAttempts`). A slow reader is never timed out.
   * 0 for none. Default 120000. Env: `S3_REQUEST_TIMEOUT_MS`.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Attempts per request, the first included, from 1 (no retries) to 10: requests
   * that failed with a retryable error (reset, timeout, 5xx, throttling) are sent
   * again after a backoff (100 ms doubling to 5 s, full jitter), reads resume where
   * they broke off, and a create whose answer was lost is checked by checksum rather
   * than stored twice (docs/reliability.md). stowage retries instead of the SDK (whose
   * own retries are off in the clients it builds; set `maxAttempts: 1` on a `client`
   * you pass). Default 3. Env: `AWS_MAX_ATTEMPTS`.
   */
  maxAttempts?: number | undefined;
  /**
   * Milliseconds `isAvailable()` waits for its one probe (HeadBucket, never retried).
   * Default 2000. Env: `S3_HEALTH_TIMEOUT_MS`.
   */
  healthTimeoutMs?: number | undefined;
  /**
   * A ready S3Client for this process's traffic; then region, credentials, endpoint,
   * forcePathStyle, checksums and timeouts configure only the presigning client.
   */
  client?: S3Client | undefined;
}

/** Every accepted option key (unknown keys are INVALID_CONFIG). */
export const S3_OPTION_KEYS = [
  'bucket',
  'region',
  'credentials',
  'endpoint',
  'endpoints',
  'externalEndpoint',
  'forcePathStyle',
  'urlExpirySeconds',
  'customDomain',
  'staticBucket',
  'publicBuckets',
  'privateBuckets',
  'policyHooks',
  'allowAnonymousList',
  'bucketCheckOnSave',
  'consistencyCheckOnStart',
  'replaceExisting',
  'conditionalWrites',
  'partSize',
  'queueSize',
  'requestChecksumCalculation',
  'responseChecksumValidation',
  'connectionTimeoutMs',
  'requestTimeoutMs',
  'maxAttempts',
  'healthTimeoutMs',
  'client',
] as const satisfies readonly (keyof S3Options)[];

// 2 × 8 MiB parts in reused buffers: a 1 GiB save peaks at about +55 MiB, at the throughput
// of 3 or 4 parts in flight (bench, docs/benchmarks.md).
export const DEFAULT_QUEUE_SIZE = 2;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
export const DEFAULT_HEALTH_TIMEOUT_MS = 2_000;
