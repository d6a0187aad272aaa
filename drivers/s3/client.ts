/**
 * Validated settings and the two SDK clients: one for this process's traffic, and an
 * offline one for presigning, whose endpoint is the external one so that the Host it
 * signs is the Host users' browsers send.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BucketPlan, checkBucketName } from '../../src/buckets.js';
import { checkOptionKeys, configError, naming } from '../../src/env.js';
import {
  checkUrlExpiry,
  DEFAULT_PART_SIZE,
  type ExternalEndpoint,
  MAX_PART_SIZE,
  MIN_PART_SIZE,
  parseExternalEndpoint,
} from '../../src/object-store.js';
import { type RetryPolicy, retryPolicy } from '../../src/retry.js';
import { MAX_URL_EXPIRY_SECONDS } from '../../src/storage.js';
import {
  type ChecksumMode,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_QUEUE_SIZE,
  DEFAULT_REQUEST_TIMEOUT_MS,
  S3_OPTION_KEYS,
  type S3Options,
} from './options.js';

/** Region used with a custom endpoint when none is given (MinIO's and most servers' default). */
const CUSTOM_ENDPOINT_REGION = 'us-east-1';
const CHECKSUM_MODES: readonly ChecksumMode[] = ['WHEN_SUPPORTED', 'WHEN_REQUIRED'];
const BOOLEAN_OPTIONS = [
  'forcePathStyle',
  'allowAnonymousList',
  'bucketCheckOnSave',
  'consistencyCheckOnStart',
  'replaceExisting',
  'conditionalWrites',
] as const satisfies readonly (keyof S3Options)[];

/** Options checked once, with every default applied. */
export interface S3Settings {
  bucket: string;
  plan: BucketPlan;
  /** The traffic endpoint as given (undefined on AWS). */
  endpoint: string | undefined;
  /** The `endpoints` option's, for failover after `endpoint`. */
  endpoints: string[];
  /** Where URLs point: the external endpoint, else the traffic one; undefined on AWS. */
  external: ExternalEndpoint | undefined;
  /** `customDomain` as a base URL for public objects (`https://cdn.example.com/media`). */
  customDomain: string | undefined;
  forcePathStyle: boolean;
  urlExpirySeconds: number;
  conditionalWrites: boolean;
  partSize: number;
  queueSize: number;
  healthTimeoutMs: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  bucketCheckOnSave: boolean;
  consistencyCheckOnStart: boolean;
  replaceExisting: boolean;
  checksums: { request: ChecksumMode; response: ChecksumMode };
  /** The secret strings of static credentials, kept out of every message. */
  secrets: string[];
}

/** What an INVALID_CONFIG error calls an option: its own name, or (from the environment) its variable. */
export type SettingLabel = (option: keyof S3Options) => string;

/**
 * Checks the options (INVALID_CONFIG naming the option, as `label` calls it) and
 * applies the defaults.
 */
export function resolveSettings(options: S3Options, label: SettingLabel = (option) => option): S3Settings {
  checkOptionKeys('s3', options, S3_OPTION_KEYS);
  for (const option of BOOLEAN_OPTIONS) {
    const value = options[option];
    if (value !== undefined && typeof value !== 'boolean') {
      throw configError(label(option), `must be true or false (got ${typeof value})`);
    }
  }
  if (typeof options.bucket !== 'string' || options.bucket === '') {
    throw configError(label('bucket'), 'is required');
  }
  const bucketLists: [keyof S3Options, readonly string[] | undefined][] = [
    ['bucket', [options.bucket]],
    ['staticBucket', options.staticBucket === undefined ? undefined : [options.staticBucket]],
    ['publicBuckets', options.publicBuckets],
    ['privateBuckets', options.privateBuckets],
  ];
  for (const [option, buckets] of bucketLists) naming(label(option), () => buckets?.forEach(checkBucketName));
  const endpoint = options.endpoint === undefined ? undefined : checkEndpoint(options.endpoint, label('endpoint'));
  const endpoints = (options.endpoints ?? []).map((other) => checkEndpoint(other, label('endpoints')));
  if (endpoints.length > 0 && (endpoint === undefined || options.client !== undefined)) {
    throw configError(label('endpoints'), 'needs endpoint, and cannot be used with a ready client');
  }
  const externalUrl = options.externalEndpoint ?? endpoint;
  const external =
    externalUrl === undefined
      ? undefined
      : parseExternalEndpoint(
          externalUrl,
          label(options.externalEndpoint === undefined ? 'endpoint' : 'externalEndpoint'),
        );
  // Checksum defaults: see docs/s3.md ("Checksums") and aws-sdk-js-v3#6810.
  const defaultChecksums: ChecksumMode = endpoint === undefined ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED';
  const request =
    checkChoice(options.requestChecksumCalculation, label('requestChecksumCalculation')) ?? defaultChecksums;
  const response = checkChoice(options.responseChecksumValidation, label('responseChecksumValidation')) ?? request;
  const plan = BucketPlan.forStorage(options, {
    public: label('publicBuckets'),
    private: label('privateBuckets'),
    static: label('staticBucket'),
  });
  return {
    bucket: options.bucket,
    plan,
    endpoint,
    endpoints,
    external,
    customDomain:
      options.customDomain === undefined ? undefined : customDomainBase(options.customDomain, label('customDomain')),
    forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
    urlExpirySeconds: checkUrlExpiry(options.urlExpirySeconds ?? MAX_URL_EXPIRY_SECONDS, label('urlExpirySeconds')),
    conditionalWrites: options.conditionalWrites ?? true,
    partSize: checkInteger(options.partSize ?? DEFAULT_PART_SIZE, label('partSize'), MIN_PART_SIZE, MAX_PART_SIZE),
    queueSize: checkInteger(options.queueSize ?? DEFAULT_QUEUE_SIZE, label('queueSize'), 1, 64),
    healthTimeoutMs: checkInteger(
      options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS,
      label('healthTimeoutMs'),
      1,
      600_000,
    ),
    connectionTimeoutMs: checkInteger(
      options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      label('connectionTimeoutMs'),
      1,
      600_000,
    ),
    requestTimeoutMs: checkInteger(
      options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      label('requestTimeoutMs'),
      0,
      3_600_000,
    ),
    retry: retryPolicy(options.maxAttempts, label('maxAttempts')),
    bucketCheckOnSave: options.bucketCheckOnSave ?? false,
    consistencyCheckOnStart: options.consistencyCheckOnStart ?? false,
    replaceExisting: options.replaceExisting ?? false,
    checksums: { request, response },
    secrets: secretsOf(options.credentials),
  };
}

/** The client for this process's traffic: the caller's, or one built from the options. */
export function trafficClient(options: S3Options, settings: S3Settings, endpoint = settings.endpoint): S3Client {
  return options.client ?? new S3Client(clientConfig(options, settings, endpoint));
}

/**
 * The presigning client: same credentials and region, endpoint set to the external
 * origin. It never sends a request; `getSignedUrl` and `createPresignedPost` only sign.
 */
export function presignClient(options: S3Options, settings: S3Settings, traffic: S3Client): S3Client {
  const sameEndpoint = settings.external === undefined || settings.external.origin === originOf(settings.endpoint);
  if (options.client && sameEndpoint && options.endpoint === undefined) return traffic;
  const config = clientConfig(options, settings, settings.external?.origin);
  // A ready client brings its own credentials and region; sign with them.
  if (options.client) {
    config.credentials ??= options.client.config.credentials;
    config.region ??= options.client.config.region;
  }
  return new S3Client(config);
}

function clientConfig(options: S3Options, settings: S3Settings, endpoint: string | undefined): S3ClientConfig {
  const config: S3ClientConfig = {
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: settings.checksums.request,
    responseChecksumValidation: settings.checksums.response,
    // Handler options as a plain object: the SDK builds its NodeHttpHandler from them,
    // so stowage need not import @smithy/node-http-handler (not hoisted under pnpm).
    requestHandler: {
      // Keep-alive agents that never reuse a connection after a refused write (see refusalAwareAgent).
      httpAgent: refusalAwareAgent(http),
      httpsAgent: refusalAwareAgent(https),
      connectionTimeout: settings.connectionTimeoutMs,
      // An idle limit, as requestTimeoutMs promises. (The handler's requestTimeout only
      // logs a warning unless throwOnRequestTimeout, and bounds the whole request.)
      socketTimeout: settings.requestTimeoutMs,
    },
    // stowage retries itself (src/object-store/requests.ts), the same way for every driver.
    maxAttempts: 1,
  };
  const region = options.region ?? (settings.endpoint === undefined ? undefined : CUSTOM_ENDPOINT_REGION);
  if (region !== undefined) config.region = region;
  if (endpoint !== undefined) config.endpoint = endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return config;
}

/** Connections per host: the SDK's own default. */
const MAX_SOCKETS = 50;

/**
 * A keep-alive agent like the SDK's default one, except that a connection is not reused
 * after a refused write. MinIO answers a conditional PUT it refuses (412) before reading
 * the body, writes the answer twice and drops the connection without `Connection:
 * close` (cmd/object-handlers.go, RELEASE.2025-09-07), so the next request on that
 * socket fails with ECONNRESET "socket hang up"; the MinIO driver's transport
 * (drivers/minio/client.ts) has the same rule. Measured: 200 racing conditional PUTs of
 * one name, 60 to 80 resets through the SDK's default agent, none through this one.
 * It replaces, for these clients, the `Expect: 100-continue` the driver sends for the
 * same reason (upload.ts withExpectContinue), which the SDK honours by opening a fresh
 * connection for every such PUT: that cost a third of the small-object save throughput
 * (docs/benchmarks.md).
 */
function refusalAwareAgent(module: typeof http | typeof https): http.Agent {
  const agent = new module.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }) as http.Agent & AgentInternals;
  // An Agent receives each request through addRequest (Node's lib/_http_agent.js).
  const addRequest = agent.addRequest;
  agent.addRequest = function (this: http.Agent, request: http.ClientRequest, ...rest: unknown[]) {
    request.once('response', (response: http.IncomingMessage) => {
      const status = response.statusCode ?? 0;
      if (status === 412 || (status >= 400 && (request.method === 'PUT' || request.method === 'POST'))) {
        request.shouldKeepAlive = false;
      }
    });
    return addRequest.call(this, request, ...rest);
  };
  return agent;
}

/** The one undocumented (and long-stable) Agent method refusalAwareAgent wraps. */
interface AgentInternals {
  addRequest(this: http.Agent, request: http.ClientRequest, ...rest: unknown[]): void;
}

function checkEndpoint(value: string, option: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw configError(option, `must be an http(s) URL such as http://127.0.0.1:9000 (got ${JSON.stringify(value)})`);
  }
  return value.replace(/\/+$/, '');
}

function customDomainBase(value: string, setting: string): string {
  const withScheme = /^https?:\/\//.test(value) ? value : `https://${value}`;
  if (!URL.canParse(withScheme)) {
    throw configError(setting, `must be a host name such as cdn.example.com (got ${JSON.stringify(value)})`);
  }
  return withScheme.replace(/\/+$/, '');
}

function checkChoice(value: ChecksumMode | undefined, option: string): ChecksumMode | undefined {
  if (value === undefined || CHECKSUM_MODES.includes(value)) return value;
  throw configError(option, `must be one of ${CHECKSUM_MODES.join(', ')} (got ${JSON.stringify(value)})`);
}

function checkInteger(value: number, option: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw configError(option, `must be an integer from ${min} to ${max} (got ${value})`);
  }
  return value;
}

function originOf(url: string | undefined): string | undefined {
  return url === undefined ? undefined : new URL(url).origin;
}

function secretsOf(credentials: S3Options['credentials']): string[] {
  if (credentials === undefined || typeof credentials === 'function') return [];
  return [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => typeof s === 'string');
}
