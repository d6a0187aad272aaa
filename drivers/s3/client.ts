/**
 * Validated settings and the two SDK clients: one for this process's traffic, and an
 * offline one for presigning, whose endpoint is the external one so that the Host it
 * signs is the Host users' browsers send.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { BucketPlan } from '../../src/buckets.js';
import { configError } from '../../src/env.js';
import type { ObjectStoreSettings } from '../../src/object-store/driver.js';
import { parseExternalEndpoint } from '../../src/object-store.js';
import { retryPolicy } from '../../src/retry.js';
import { watchRequest } from '../../src/watchdog.js';
import { type ChecksumMode, checkEndpoint, customDomainBase, S3_OPTIONS, type S3Options } from './options.js';

/** Region used with a custom endpoint when none is given (MinIO's and most servers' default). */
const CUSTOM_ENDPOINT_REGION = 'us-east-1';

/** The core's settings, and what only the S3 driver's clients need. */
export interface S3Settings extends ObjectStoreSettings {
  /** The traffic endpoint as given (undefined on AWS). */
  endpoint: string | undefined;
  /** The `endpoints` option's, for failover after `endpoint`. */
  endpoints: string[];
  connectionTimeoutMs: number;
  checksums: { request: ChecksumMode; response: ChecksumMode };
}

/** What an INVALID_CONFIG error calls an option: its own name, or (from the environment) its variable. */
export type SettingLabel = (option: keyof S3Options) => string;

/**
 * Checks the options (unknown keys, types, bounds: `S3_OPTIONS`), applies the defaults,
 * and resolves the settings; a conflict across options names them as `label` calls them.
 */
export function resolveSettings(given: S3Options, label: SettingLabel = (option) => option): S3Settings {
  const options = S3_OPTIONS.resolve(given);
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
  const request = options.requestChecksumCalculation ?? (endpoint === undefined ? 'WHEN_SUPPORTED' : 'WHEN_REQUIRED');
  const names = { public: label('publicBuckets'), private: label('privateBuckets'), static: label('staticBucket') };
  return {
    bucket: options.bucket,
    keyPrefix: '',
    plan: BucketPlan.forStorage(options, names),
    retry: retryPolicy(options.maxAttempts, label('maxAttempts')),
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
    pathStyle: options.forcePathStyle ?? endpoint !== undefined,
    customDomain:
      options.customDomain === undefined ? undefined : customDomainBase(options.customDomain, label('customDomain')),
    secrets: secretsOf(options.credentials),
    endpoint,
    endpoints,
    connectionTimeoutMs: options.connectionTimeoutMs,
    checksums: { request, response: options.responseChecksumValidation ?? request },
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
    forcePathStyle: settings.pathStyle,
    requestChecksumCalculation: settings.checksums.request,
    responseChecksumValidation: settings.checksums.response,
    // Handler options as a plain object: the SDK builds its NodeHttpHandler from them,
    // so stowage need not import @smithy/node-http-handler (not hoisted under pnpm).
    requestHandler: {
      // Keep-alive agents that never reuse a connection after a refused write, and that
      // time a request out as requestTimeoutMs promises (see stowageAgent).
      httpAgent: stowageAgent(http, settings.requestTimeoutMs),
      httpsAgent: stowageAgent(https, settings.requestTimeoutMs),
      connectionTimeout: settings.connectionTimeoutMs,
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
 * A keep-alive agent like the SDK's default one, with two rules of stowage's for every
 * request through it; the MinIO driver's transport (drivers/minio/client.ts) has both.
 *
 * - A connection is not reused after a refused write. MinIO answers a conditional PUT it
 *   refuses (412) before reading the body, writes the answer twice and drops the
 *   connection without `Connection: close` (cmd/object-handlers.go, RELEASE.2025-09-07),
 *   so the next request on that socket fails with ECONNRESET "socket hang up". Measured:
 *   200 racing conditional PUTs of one name, 60 to 80 resets through the SDK's default
 *   agent, none through this one. It replaces, for these clients, the `Expect:
 *   100-continue` the driver sends for the same reason (upload.ts withExpectContinue),
 *   which the SDK honours by opening a fresh connection for every such PUT: that cost a
 *   third of the small-object save throughput (docs/benchmarks.md).
 * - `requestTimeoutMs` is an idle limit until the answer arrives (src/watchdog.ts); the
 *   body is then watched while its reader waits (src/object-store.ts). The handler's
 *   `socketTimeout` did the first with a socket timeout that Node refreshes on every read
 *   and write, and kept timing the socket while a slow reader left the body unread; its
 *   `requestTimeout` only logs a warning unless `throwOnRequestTimeout`, and bounds the
 *   whole request.
 */
function stowageAgent(module: typeof http | typeof https, requestTimeoutMs: number): http.Agent {
  const agent = new module.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS }) as http.Agent & AgentInternals;
  // An Agent receives each request through addRequest (Node's lib/_http_agent.js).
  const addRequest = agent.addRequest;
  agent.addRequest = function (this: http.Agent, request: http.ClientRequest, ...rest: unknown[]) {
    const answered = watchRequest(request, requestTimeoutMs);
    request.once('response', (response: http.IncomingMessage) => {
      answered();
      const status = response.statusCode ?? 0;
      if (status === 412 || (status >= 400 && (request.method === 'PUT' || request.method === 'POST'))) {
        request.shouldKeepAlive = false;
      }
    });
    return addRequest.call(this, request, ...rest);
  };
  return agent;
}

/** The one undocumented (and long-stable) Agent method stowageAgent wraps. */
interface AgentInternals {
  addRequest(this: http.Agent, request: http.ClientRequest, ...rest: unknown[]): void;
}

function originOf(url: string | undefined): string | undefined {
  return url === undefined ? undefined : new URL(url).origin;
}

function secretsOf(credentials: S3Options['credentials']): string[] {
  if (credentials === undefined || typeof credentials === 'function') return [];
  return [credentials.secretAccessKey, credentials.sessionToken].filter((s): s is string => typeof s === 'string');
}
