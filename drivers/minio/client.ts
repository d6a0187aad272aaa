/**
 * Building the minio-js clients: one for traffic to the internal endpoint, one that
 * only signs URLs for the external endpoint (it has a transport that refuses to send,
 * so presigning provably stays offline), and the transport both go through.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Client, type ClientOptions, type S3Error } from 'minio';
import { configError } from '../../src/env.js';
import { watchRequest } from '../../src/watchdog.js';
import type { MinioConfig } from './config.js';
import { s3Error } from './errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type MinioOptions } from './options.js';
import { text } from './xml.js';

type Transport = NonNullable<ClientOptions['transport']>;

export interface MinioTransportOptions {
  /** https instead of http. Default false. */
  useHttps?: boolean | undefined;
  /** Idle milliseconds before the response arrives; 0 for none. Default 120000. */
  requestTimeoutMs?: number | undefined;
}

/**
 * The transport stowage gives minio-js (`new Client({ transport })`); use it for a
 * client you pass as the `client` option too. It adds what minio-js lacks:
 *
 * - A request timeout: minio-js sets none, so a silent server hangs a call forever.
 *   It is an idle limit until the answer arrives (src/watchdog.ts), connecting included.
 * - No keep-alive after a failed PUT/POST: MinIO writes the 412 answer to a
 *   conditional PUT or CompleteMultipartUpload twice (once in its precondition check,
 *   once in the handler; cmd/object-handlers.go, RELEASE.2025-09-07) and then drops
 *   the connection without `Connection: close`, so the next request on that socket
 *   fails with ECONNRESET "socket hang up".
 * - Reading 5xx/429 answers: minio-js throws on those statuses without reading the
 *   body (which would hold the socket) and so loses what the server said (`SlowDownWrite`:
 *   a distributed MinIO short of write quorum, `XMinioServerNotInitialized`: a node still
 *   starting). The request fails instead with the S3 error the answer names (its body, or
 *   MinIO's `x-minio-error-code` header on a HEAD).
 */
export function createMinioTransport(options: MinioTransportOptions = {}): Transport {
  const base = options.useHttps ? https : http;
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const request = (requestOptions: http.RequestOptions, callback?: (response: http.IncomingMessage) => void) => {
    const method = (requestOptions.method ?? 'GET').toUpperCase();
    const req = base.request(requestOptions, (response) => {
      // The timeout guards the wait for an answer; reading the body is the caller's pace.
      answered();
      const status = response.statusCode ?? 0;
      if (status === 412 || (status >= 400 && (method === 'PUT' || method === 'POST'))) req.shouldKeepAlive = false;
      if (UNREAD_STATUSES.has(status)) {
        void errorOf(response, status).then((error) => req.emit('error', error));
        return;
      }
      callback?.(response);
    });
    const answered = watchRequest(req, timeout);
    return req;
  };
  return { request } as unknown as Transport;
}

/** The statuses minio-js's requestWithRetry throws on without reading the response. */
const UNREAD_STATUSES = new Set([408, 429, 499, 500, 502, 503, 504, 520]);
/** More than an S3 error document needs; the rest of a longer answer is read and dropped. */
const ERROR_BODY_LIMIT = 16 * 1024;

/** The S3 error an answer with status `status` names (read to its end, so the socket is free again). */
async function errorOf(response: http.IncomingMessage, status: number): Promise<S3Error> {
  let xml = '';
  try {
    response.setEncoding('utf8');
    for await (const chunk of response) if (xml.length < ERROR_BODY_LIMIT) xml += chunk;
  } catch {
    // The answer broke off: its status is what is known.
  }
  const header = response.headers['x-minio-error-code'];
  const code = text(xml, 'Code') ?? (typeof header === 'string' ? header : '');
  return s3Error(code, text(xml, 'Message') ?? `HTTP ${status}`, status);
}

/** The traffic client and the signing client for one driver. */
export interface MinioClients {
  client: Client;
  signer: Client;
}

export function createClients(options: MinioOptions, config: MinioConfig): MinioClients {
  const client =
    options.client ??
    new Client({
      endPoint: config.endpoint.host,
      port: config.endpoint.port,
      useSSL: config.endpoint.useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      // Without a region minio-js asks the server for each bucket's location, presigning included.
      region: config.region,
      partSize: config.partSize,
      pathStyle: true,
      transport: createMinioTransport({ useHttps: config.endpoint.useSSL, requestTimeoutMs: config.requestTimeoutMs }),
      transportAgent: options.httpAgent,
      // minio-js retries 5xx once with a console.warn; callers get UNAVAILABLE (retryable) instead.
      retryOptions: { disableRetry: true },
    });
  if (!options.client) unsignedPayloads(client);
  if (options.client && options.externalEndpoint === undefined) {
    if (!(options.client as unknown as { region?: string }).region) {
      throw configError('minio option client', 'must be created with a region, so that presigning stays offline');
    }
    return { client, signer: options.client };
  }
  const signer = new Client({
    endPoint: config.external.host,
    port: config.external.port,
    useSSL: config.external.useSSL,
    accessKey: options.accessKey,
    secretKey: options.secretKey,
    region: config.region,
    pathStyle: true,
    transport: OFFLINE,
  });
  return { client, signer };
}

/**
 * Makes the client sign requests without hashing their bodies (`UNSIGNED-PAYLOAD`), as
 * minio-js itself does over https; over plain http it computes a SHA-256 of every body,
 * the largest client cost of a large save (docs/benchmarks.md). Every body stowage sends
 * is covered by a checksum the server verifies instead: a part by its CRC32, any other
 * PUT by its Content-MD5 (transport.ts). A `client` the caller passes is left as it is.
 */
function unsignedPayloads(client: Client): void {
  (client as unknown as { enableSHA256: boolean }).enableSHA256 = false;
}

/** The signing client's transport: any request would be a bug (presigning is offline). */
const OFFLINE = {
  request() {
    throw new Error('stowage: the URL-signing client never sends requests');
  },
} as unknown as Transport;
