/**
 * Options of the S3 driver, declared once (src/options.ts): their types, checks,
 * defaults, the environment variables read by `createStorageFromEnv()`
 * (STORAGE_DRIVER=s3: the AWS SDK's standard ones plus `S3_*`) and the rows of the table
 * in docs/s3.md all come from `S3_OPTIONS`. Checks across options are in client.ts.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { bucketRuleOptions, checkBucketOption, parsePolicyHooks } from '../../src/buckets.js';
import { configError } from '../../src/env.js';
import { conditionalWritesOption } from '../../src/object-store/conditional.js';
import { queueSizeOption } from '../../src/object-store/write.js';
import { DEFAULT_PART_SIZE, MAX_PART_SIZE, MIN_PART_SIZE, parseExternalEndpoint } from '../../src/object-store.js';
import { defineOptions, type OptionsOf, option } from '../../src/options.js';
import { DEFAULT_MAX_ATTEMPTS, MAX_MAX_ATTEMPTS } from '../../src/retry.js';
import { MAX_URL_EXPIRY_SECONDS } from '../../src/storage.js';

/** How the SDK treats the flexible checksums introduced in @aws-sdk/client-s3 3.729. */
export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
const CHECKSUM_MODES: readonly ChecksumMode[] = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'];

const MAX_TIMEOUT_MS = 600_000;
const MAX_REQUEST_TIMEOUT_MS = 3_600_000;

export const S3_OPTIONS = defineOptions('s3', {
  /** The bucket this storage reads and writes (the `static` alias: `S3_STATIC_BUCKET`). */
  bucket: option.string({
    required: true,
    requiredBecause: 'the bucket this storage reads and writes',
    env: { default: 'S3_BUCKET', static: 'S3_STATIC_BUCKET' },
    envRequired: true,
    validate: checkBucketOption,
    doc: 'the bucket this storage reads and writes',
  }),
  /**
   * The region requests are signed for; presigning uses it offline, never asking the
   * server. Default: `us-east-1` with a custom `endpoint`, else the SDK's chain
   * (AWS_REGION, profile).
   */
  region: option.string({
    env: 'AWS_REGION',
    defaultDoc: '`us-east-1` with `endpoint`, else the SDK chain',
    doc: 'the region requests and URLs are signed for',
  }),
  /**
   * Access key, secret key and optional session token, or a credential provider.
   * Default: the SDK's default chain (environment, shared profiles with AWS_PROFILE,
   * SSO, container and instance roles). The environment: `AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (index.ts).
   */
  credentials: option.custom(
    {
      describe: 'credentials or a credential provider',
      check: (value, label) => {
        const keys = value as { accessKeyId?: unknown; secretAccessKey?: unknown } | null;
        const valid =
          typeof value === 'function' ||
          (typeof keys === 'object' &&
            keys !== null &&
            typeof keys.accessKeyId === 'string' &&
            typeof keys.secretAccessKey === 'string');
        if (!valid) throw configError(label, 'must be { accessKeyId, secretAccessKey, sessionToken? } or a provider');
        return value as NonNullable<S3ClientConfig['credentials']>;
      },
    },
    {
      defaultDoc: 'the SDK chain',
      doc: 'keys or a provider; the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`',
    },
  ),
  /** The S3 endpoint for this process's traffic, for S3-compatible servers (`http://127.0.0.1:9000`). */
  endpoint: option.string({
    env: ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'],
    validate: checkEndpoint,
    defaultDoc: 'AWS',
    doc: 'the S3 endpoint for traffic, for S3-compatible servers (an http(s) URL)',
  }),
  /**
   * More endpoints of the same store (the nodes of a distributed MinIO), URLs as
   * `endpoint`: requests go to one endpoint at a time, `endpoint` first, and move to the
   * next when it does not answer (refused, unreachable, reset or timed out) or answers that
   * it cannot serve now (a MinIO node still starting, or short of quorum in its own view:
   * `XMinioServerNotInitialized`, `SlowDownWrite`, `SlowDownRead`); the request is then
   * retried there, within `maxAttempts`. `isAvailable()` asks them all. Needs
   * `endpoint`; not with `client`.
   */
  endpoints: option.list({
    env: 'S3_ENDPOINTS',
    validate: (values, label) => {
      for (const value of values) checkEndpoint(value, label);
    },
    doc: 'more endpoints of the same store, e.g. nodes of a distributed MinIO (comma-separated URLs): requests move to the next when the one in use does not answer or cannot serve now ([servers](servers.md))',
  }),
  /**
   * The endpoint users' browsers reach, for every URL handed out (presigned and
   * public): a full URL, which may carry a path prefix (`https://cdn.example.com/s3`;
   * the proxy must strip the prefix and keep the Host header). Default: `endpoint`.
   */
  externalEndpoint: option.string({
    env: 'S3_EXTERNAL_ENDPOINT',
    validate: (value, label) => void parseExternalEndpoint(value, label),
    defaultDoc: '`endpoint`',
    doc: 'where users reach the store, for every URL handed out (a URL, with a path prefix if proxied)',
  }),
  /** Path-style URLs (`host/bucket/key`) rather than virtual-hosted ones (`bucket.host/key`). */
  forcePathStyle: option.boolean({
    env: 'S3_FORCE_PATH_STYLE',
    defaultDoc: 'true with `endpoint`, false on AWS',
    doc: 'path-style URLs (`host/bucket/key`) instead of virtual-hosted ones',
  }),
  /** Lifetime of presigned URLs in seconds, from 1 to 604800 (7 days, the SigV4 limit). */
  urlExpirySeconds: option.number({
    min: 1,
    max: MAX_URL_EXPIRY_SECONDS,
    default: MAX_URL_EXPIRY_SECONDS,
    env: 'S3_URL_EXPIRY_SECONDS',
    doc: 'lifetime of presigned URLs in seconds, up to 7 days',
  }),
  /** A host (optionally with a path, or a full URL) serving the public bucket's objects, e.g. a CDN. */
  customDomain: option.string({
    env: 'S3_CUSTOM_DOMAIN',
    validate: (value, label) => void customDomainBase(value, label),
    doc: "a host (or URL) serving the public bucket's objects, e.g. a CDN (django-storages' `custom_domain`)",
  }),
  /** The bucket for static files (collectstatic); always public. */
  staticBucket: option.string({
    env: 'S3_STATIC_BUCKET',
    validate: checkBucketOption,
    doc: 'the static-files bucket, always public (the `static` alias stores in it)',
  }),
  /** Buckets whose objects anyone may read (plain URLs). */
  publicBuckets: option.list({
    env: 'S3_PUBLIC_BUCKETS',
    validate: checkBucketOption,
    doc: 'buckets anyone may read (comma-separated); `url()` gives plain URLs there',
  }),
  /** Buckets reachable only with credentials or presigned URLs; a bucket in neither is private. */
  privateBuckets: option.list({
    env: 'S3_PRIVATE_BUCKETS',
    validate: checkBucketOption,
    doc: 'buckets reachable only with credentials or presigned URLs (comma-separated)',
  }),
  /** Policies applied by `initializeBuckets` after the public/private ones. */
  policyHooks: option.json(parsePolicyHooks, {
    env: 'S3_POLICY_HOOKS',
    doc: '`[bucket, policy]` pairs applied after the public/private policies (JSON)',
  }),
  /** Let anonymous users list public buckets too. */
  allowAnonymousList: option.boolean({
    default: false,
    env: 'S3_ALLOW_ANONYMOUS_LIST',
    doc: 'public buckets also let anonymous users list their keys',
  }),
  /** stowage's bucket rules: CORS for browser uploads, and the abort of incomplete uploads (src/buckets.ts). */
  ...bucketRuleOptions({
    corsOrigins: 'S3_CORS_ORIGINS',
    corsMethods: 'S3_CORS_METHODS',
    corsHeaders: 'S3_CORS_HEADERS',
    corsExposeHeaders: 'S3_CORS_EXPOSE_HEADERS',
    corsMaxAgeSeconds: 'S3_CORS_MAX_AGE_SECONDS',
    abortIncompleteUploadsAfterDays: 'S3_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS',
  }),
  /** Create the bucket (with its policy) before the first save when it is missing; once per storage. */
  bucketCheckOnSave: option.boolean({
    default: false,
    env: 'S3_BUCKET_CHECK_ON_SAVE',
    doc: 'create a missing bucket, with its policy, before the first write (once per storage)',
  }),
  /** Run `initializeBuckets` once per process per bucket plan, before the first operation. */
  consistencyCheckOnStart: option.boolean({
    default: false,
    env: 'S3_CONSISTENCY_CHECK_ON_START',
    doc: 'run `initializeBuckets` before the first operation, once per process per bucket plan',
  }),
  /** Overwrite objects of the same name instead of choosing another name. */
  replaceExisting: option.boolean({
    default: false,
    env: ['S3_REPLACE_EXISTING', 'STORAGE_REPLACE_EXISTING'],
    doc: 'overwrite an object of the same name instead of choosing another name',
  }),
  /**
   * Send `If-None-Match: *` / `If-Match` so that a save never overwrites, even when
   * saves race. Unset, the server is probed once per bucket before the first
   * conditional save, and saves fail with UNSUPPORTED on a server that ignores the
   * condition; false for a server without conditional writes: saves then check, then
   * write (not race-free) and `capabilities.conditionalCreate` is false; true: trusted.
   */
  conditionalWrites: conditionalWritesOption('S3_CONDITIONAL_WRITES'),
  /**
   * Size in bytes of each multipart part, from 5 MiB to 5 GiB; bodies up to this size
   * go in one PUT. Memory per upload is about partSize × (queueSize + 1), in buffers
   * reused from part to part; the size doubles after every 1,000 parts.
   */
  partSize: option.number({
    min: MIN_PART_SIZE,
    max: MAX_PART_SIZE,
    default: DEFAULT_PART_SIZE,
    env: 'S3_PART_SIZE',
    defaultDoc: '8 MiB',
    doc: 'bodies up to this size go in one PUT, longer streams in parts of it (5 MiB to 5 GiB)',
  }),
  /** Parts uploaded at once per upload. */
  queueSize: queueSizeOption('S3_QUEUE_SIZE'),
  /**
   * When the SDK adds CRC checksums to requests. `WHEN_SUPPORTED` (the SDK's default
   * since 3.729) sends aws-chunked bodies and signs an empty-body CRC into presigned
   * PUTs, which several S3-compatible servers reject or store wrongly.
   */
  requestChecksumCalculation: option.choice(CHECKSUM_MODES, {
    env: 'AWS_REQUEST_CHECKSUM_CALCULATION',
    defaultDoc: '`WHEN_REQUIRED` with `endpoint`, `WHEN_SUPPORTED` on AWS',
    doc: 'when the SDK adds CRC checksums to requests (see "Checksums")',
  }),
  /** When the SDK validates response checksums. Default as `requestChecksumCalculation`. */
  responseChecksumValidation: option.choice(CHECKSUM_MODES, {
    env: 'AWS_RESPONSE_CHECKSUM_VALIDATION',
    defaultDoc: 'as `requestChecksumCalculation`',
    doc: 'when the SDK validates response checksums',
  }),
  /** Milliseconds to wait for a TCP connection. */
  connectionTimeoutMs: option.number({
    min: 1,
    max: MAX_TIMEOUT_MS,
    default: 5_000,
    env: 'S3_CONNECTION_TIMEOUT_MS',
    doc: 'TCP connect timeout',
  }),
  /**
   * Milliseconds a request may sit idle before its answer, and a body being read may go
   * without a byte while the reader waits for one; the attempt then fails as
   * UNAVAILABLE (and is retried, see `maxAttempts`). A slow reader is never timed out. 0 for none.
   */
  requestTimeoutMs: option.number({
    min: 0,
    max: MAX_REQUEST_TIMEOUT_MS,
    default: 120_000,
    env: 'S3_REQUEST_TIMEOUT_MS',
    doc: 'idle time before the answer to a request arrives, and while a reader waits for body bytes (0: none)',
  }),
  /**
   * Attempts per request, the first included, from 1 (no retries) to 10 (see
   * docs/reliability.md). stowage retries instead of the SDK (whose own retries are off
   * in the clients it builds; set `maxAttempts: 1` on a `client` you pass).
   */
  maxAttempts: option.number({
    min: 1,
    max: MAX_MAX_ATTEMPTS,
    default: DEFAULT_MAX_ATTEMPTS,
    env: 'AWS_MAX_ATTEMPTS',
    doc: 'attempts per request (1: no retries, up to 10); see [reliability](reliability.md)',
  }),
  /** Milliseconds `isAvailable()` waits for its one probe (HeadBucket, never retried). */
  healthTimeoutMs: option.number({
    min: 1,
    max: MAX_TIMEOUT_MS,
    default: 2_000,
    env: 'S3_HEALTH_TIMEOUT_MS',
    doc: 'how long `isAvailable()` waits for its one HeadBucket (never retried)',
  }),
  /**
   * A ready S3Client for this process's traffic; then region, credentials, endpoint,
   * forcePathStyle, checksums and timeouts configure only the presigning client.
   */
  client: option.custom(
    {
      describe: 'an S3Client',
      check: (value, label) => {
        if (typeof (value as { send?: unknown } | null)?.send !== 'function') {
          throw configError(label, 'must be an S3Client from @aws-sdk/client-s3');
        }
        return value as S3Client;
      },
    },
    { defaultDoc: 'built from the options', doc: 'a ready `S3Client` for traffic (see "Bring your own client")' },
  ),
});

/** Options of the S3 driver (`createS3Storage`): `bucket` required. */
export type S3Options = OptionsOf<typeof S3_OPTIONS>;

/** An http(s) URL without a trailing slash. */
export function checkEndpoint(value: string, option: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw configError(option, `must be an http(s) URL such as http://127.0.0.1:9000 (got ${JSON.stringify(value)})`);
  }
  return value.replace(/\/+$/, '');
}

/** `customDomain` as a base URL (`https://cdn.example.com/media`). */
export function customDomainBase(value: string, setting: string): string {
  const withScheme = /^https?:\/\//.test(value) ? value : `https://${value}`;
  if (!URL.canParse(withScheme)) {
    throw configError(setting, `must be a host name such as cdn.example.com (got ${JSON.stringify(value)})`);
  }
  return withScheme.replace(/\/+$/, '');
}
