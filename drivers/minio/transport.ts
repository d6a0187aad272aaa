/**
 * The object-store transport on minio-js (v8): each request through its signed request
 * primitive (`makeRequestAsync`), so that headers and conditions stay in reach, and
 * presigning on the offline signing client (client.ts). What the requests mean, their
 * retries and their errors are the core's (src/object-store/).
 *
 * Why not minio-js's higher-level calls: `statObject` cannot tell a missing bucket from
 * a missing object (MinIO says which in `x-minio-error-code`); `putObject` sends no
 * condition on a completion, resumes any earlier upload of the key and aborts nothing;
 * its XML parser turns keys that look like numbers into numbers (xml.ts).
 */
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream';
import { type Client, PostPolicy } from 'minio';
import { signV4 } from 'minio/dist/esm/signing.mjs';
import type { CorsRule, LifecycleRule, StoredRules } from '../../src/buckets.js';
import type { HealthStatus } from '../../src/driver.js';
import {
  type AwsChunkedStream,
  awsChunkedHeaders,
  STREAMING_UNSIGNED_TRAILER,
} from '../../src/object-store/aws-chunked.js';
import type {
  Conditions,
  ListPage,
  ListRequest,
  ObjectAttributes,
  ObjectHead,
  ObjectTransport,
  PartChecksumAlgorithm,
  PartPage,
  PostPolicy as Policy,
  SignedPost,
  StreamedPut,
  UploadedPart,
  UploadPage,
} from '../../src/object-store/transport.js';
import { totalFromContentRange, unlessCode } from '../../src/object-store.js';
import { encodeName } from '../../src/utf8.js';
import type { Endpoint } from './config.js';
import { BY_ERROR_NAME, minioErrorFacts, s3Error } from './errors.js';
import { children, decodeEntities, elements, keyDecoder, text } from './xml.js';

type Headers = Record<string, string>;

/** The parts of minio-js's client a streamed request is built from (protected members of its TypedClient). */
interface ClientInternals {
  /** No credentials: requests go unsigned. */
  anonymous: boolean;
  accessKey: string;
  secretKey: string;
  sessionToken?: string | undefined;
  transport: {
    request(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void): http.ClientRequest;
  };
  checkAndRefreshCreds(): Promise<void>;
  getRequestOptions(options: Parameters<Client['makeRequestAsync']>[0] & { region: string }): http.RequestOptions & {
    headers: Headers;
    path: string;
  };
}

/** ListObjectsV2's largest page. */
const PAGE_SIZE = 1000;
const META_PREFIX = 'x-amz-meta-';

/** MinIO's header on its health probes while it starts: `offline`, `bucket-metadata-offline`, `iam-offline`. */
const SERVER_STATUS_HEADER = 'x-minio-server-status';

export interface MinioTransportParts {
  /** The traffic client (retries off, stowage's HTTP transport). */
  client: Client;
  /** The offline client that signs for the external endpoint. */
  signer: Client;
  endpoint: Endpoint;
  region: string;
  /** The agent the health probe goes through (the caller's `httpAgent`). */
  agent: http.Agent | undefined;
}

export class MinioTransport implements ObjectTransport {
  readonly driver = 'minio';
  /** MinIO names a missing bucket in `x-minio-error-code`, also on HEAD. */
  readonly headNamesMissingBucket = true;
  readonly endpoint: string;
  readonly errorRules = BY_ERROR_NAME;
  readonly #client: Client;
  readonly #signer: Client;
  readonly #address: Endpoint;
  readonly #region: string;
  readonly #agent: http.Agent | undefined;

  constructor(parts: MinioTransportParts) {
    this.#client = parts.client;
    this.#signer = parts.signer;
    this.#address = parts.endpoint;
    this.#region = parts.region;
    this.#agent = parts.agent;
    this.endpoint = `${parts.endpoint.host}:${parts.endpoint.port}`;
  }

  errorFacts(error: unknown) {
    return minioErrorFacts(error);
  }

  async head(bucket: string, key: string): Promise<ObjectHead | undefined> {
    const response = await this.#request({ method: 'HEAD', bucketName: bucket, objectName: key }, '', [200, 404]);
    response.resume();
    if (response.statusCode === 200) return headOf(response.headers, Number(response.headers['content-length'] ?? 0));
    if (response.headers['x-minio-error-code'] === 'NoSuchBucket') throw s3Error('NoSuchBucket', 'Not Found', 404);
    return undefined;
  }

  async get(
    bucket: string,
    key: string,
    range: { start: number; end?: number | undefined } | undefined,
    ifMatch: string | undefined,
  ) {
    const headers: Headers = range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    if (ifMatch !== undefined) headers['If-Match'] = ifMatch;
    let response: http.IncomingMessage;
    try {
      response = await this.#request({ method: 'GET', bucketName: bucket, objectName: key, headers }, '', [200, 206]);
    } catch (error) {
      if (range && (error as { code?: string }).code === 'InvalidRange') return undefined;
      throw error;
    }
    const total = response.statusCode === 206 ? totalFromContentRange(response.headers['content-range']) : undefined;
    return { head: headOf(response.headers, total ?? Number(response.headers['content-length'] ?? 0)), body: response };
  }

  async put(bucket: string, key: string, body: Buffer, attributes: ObjectAttributes, conditions: Conditions) {
    const headers = { ...attributeHeaders(attributes), ...conditionHeaders(conditions), ...bodyHeaders(body) };
    const response = await this.#request({ method: 'PUT', bucketName: bucket, objectName: key, headers }, body, [200]);
    response.resume();
    return String(response.headers.etag ?? '');
  }

  async putStream(
    bucket: string,
    key: string,
    body: AwsChunkedStream,
    length: number,
    attributes: ObjectAttributes,
    conditions: Conditions,
  ): Promise<StreamedPut> {
    const headers = { ...attributeHeaders(attributes), ...conditionHeaders(conditions), ...awsChunkedHeaders(length) };
    const response = await this.#streamed({ method: 'PUT', bucketName: bucket, objectName: key, headers }, body);
    response.resume();
    const echoed = response.headers['x-amz-checksum-crc32'];
    return { etag: String(response.headers.etag ?? ''), checksum: typeof echoed === 'string' ? echoed : undefined };
  }

  async delete(bucket: string, key: string, conditions: Conditions): Promise<void> {
    const headers = conditionHeaders(conditions);
    (await this.#request({ method: 'DELETE', bucketName: bucket, objectName: key, headers }, '', [200, 204])).resume();
  }

  async list(bucket: string, request: ListRequest): Promise<ListPage> {
    const query = [
      'list-type=2',
      'encoding-type=url',
      // MinIO's extension: each object's user metadata, so reservations need no HEAD.
      'metadata=true',
      `max-keys=${PAGE_SIZE}`,
      `prefix=${queryEscape(request.prefix)}`,
      ...(request.delimiter === undefined ? [] : [`delimiter=${queryEscape(request.delimiter)}`]),
      ...(request.token === undefined ? [] : [`continuation-token=${queryEscape(request.token)}`]),
    ].join('&');
    // A page is read whole inside the attempt, so that a connection cut mid-page is retried too.
    const xml = await this.#text({ method: 'GET', bucketName: bucket, query });
    const decode = keyDecoder(xml);
    const objects = elements(xml, 'Contents').map((contents) => listedObject(contents, decode));
    const prefixes = elements(xml, 'CommonPrefixes').map((common) => decode(text(common, 'Prefix') ?? ''));
    const truncated = text(xml, 'IsTruncated') === 'true';
    return { objects, prefixes, next: truncated ? text(xml, 'NextContinuationToken') : undefined };
  }

  async copy(bucket: string, source: string, key: string, sourceIfMatch: string | undefined, conditions: Conditions) {
    const headers: Headers = {
      'x-amz-copy-source': `/${bucket}/${encodeName(source)}`,
      ...conditionHeaders(conditions),
    };
    if (sourceIfMatch !== undefined) headers['x-amz-copy-source-if-match'] = sourceIfMatch;
    throwEmbeddedError(await this.#text({ method: 'PUT', bucketName: bucket, objectName: key, headers }));
  }

  createUpload(
    bucket: string,
    key: string,
    attributes: ObjectAttributes,
    partChecksums: PartChecksumAlgorithm | undefined,
  ): Promise<string> {
    const headers = attributeHeaders(attributes);
    if (partChecksums !== undefined) headers['x-amz-checksum-algorithm'] = partChecksums;
    return this.#client.initiateNewMultipartUpload(bucket, key, headers);
  }

  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    part: Buffer,
    checksum: string | undefined,
  ): Promise<UploadedPart> {
    const query = `partNumber=${number}&uploadId=${encodeURIComponent(uploadId)}`;
    const headers: Headers =
      checksum === undefined
        ? bodyHeaders(part)
        : { 'Content-Length': String(part.length), 'x-amz-checksum-crc32': checksum };
    const options = { method: 'PUT', bucketName: bucket, objectName: key, query, headers };
    const response = await this.#request(options, part, [200]);
    response.resume();
    const echoed = response.headers['x-amz-checksum-crc32'];
    return {
      number,
      etag: String(response.headers.etag ?? ''),
      checksum: typeof echoed === 'string' ? echoed : undefined,
    };
  }

  async completeUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly UploadedPart[],
    conditions: Conditions,
  ) {
    const listed = parts.map(
      (p) =>
        `<Part><PartNumber>${p.number}</PartNumber><ETag>${xmlEscape(p.etag)}</ETag>${p.checksum === undefined ? '' : `<ChecksumCRC32>${xmlEscape(p.checksum)}</ChecksumCRC32>`}</Part>`,
    );
    const body = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${listed.join('')}</CompleteMultipartUpload>`;
    const query = `uploadId=${encodeURIComponent(uploadId)}`;
    const headers = conditionHeaders(conditions);
    throwEmbeddedError(await this.#text({ method: 'POST', bucketName: bucket, objectName: key, query, headers }, body));
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const query = `uploadId=${encodeURIComponent(uploadId)}`;
    (await this.#request({ method: 'DELETE', bucketName: bucket, objectName: key, query }, '', [204])).resume();
  }

  async listUploads(bucket: string, prefix: string, next?: UploadPage['next']): Promise<UploadPage> {
    const query = [
      'uploads',
      'encoding-type=url',
      `prefix=${queryEscape(prefix)}`,
      ...(next
        ? [`key-marker=${queryEscape(next.keyMarker)}`, `upload-id-marker=${queryEscape(next.uploadIdMarker)}`]
        : []),
    ].join('&');
    const xml = await this.#text({ method: 'GET', bucketName: bucket, query });
    const decode = keyDecoder(xml);
    const uploads = elements(xml, 'Upload').map((upload) => ({
      key: decode(text(upload, 'Key') ?? ''),
      uploadId: text(upload, 'UploadId') ?? '',
      initiated: dateOf(text(upload, 'Initiated')),
    }));
    const keyMarker = text(xml, 'NextKeyMarker');
    const uploadIdMarker = text(xml, 'NextUploadIdMarker');
    const more = text(xml, 'IsTruncated') === 'true' && keyMarker !== undefined && uploadIdMarker !== undefined;
    return { uploads, next: more ? { keyMarker: decode(keyMarker), uploadIdMarker } : undefined };
  }

  async listParts(bucket: string, key: string, uploadId: string, next?: number): Promise<PartPage> {
    const query = `uploadId=${encodeURIComponent(uploadId)}${next === undefined ? '' : `&part-number-marker=${next}`}`;
    const xml = await this.#text({ method: 'GET', bucketName: bucket, objectName: key, query });
    const parts = elements(xml, 'Part').map((part) => ({
      number: Number(text(part, 'PartNumber')),
      etag: text(part, 'ETag') ?? '',
      size: Number(text(part, 'Size') ?? 0),
      lastModified: dateOf(text(part, 'LastModified')),
    }));
    const marker = text(xml, 'NextPartNumberMarker');
    return { parts, next: text(xml, 'IsTruncated') === 'true' && marker !== undefined ? Number(marker) : undefined };
  }

  presignGet(bucket: string, key: string, expiresIn: number, disposition: string | undefined): Promise<string> {
    const params: Record<string, string> =
      disposition === undefined ? {} : { 'response-content-disposition': disposition };
    return this.#signer.presignedUrl('GET', bucket, key, expiresIn, params);
  }

  /**
   * minio-js leaves Content-Length out of every signature (signing.ts getSignedHeaders),
   * so `length` is not bound here; the completion checks each part's size instead.
   */
  presignPart(
    bucket: string,
    key: string,
    uploadId: string,
    number: number,
    _length: number,
    expiresIn: number,
  ): Promise<string> {
    return this.#signer.presignedUrl('PUT', bucket, key, expiresIn, { partNumber: String(number), uploadId });
  }

  async presignPost(bucket: string, key: string, options: Policy): Promise<SignedPost> {
    const policy = new PostPolicy();
    policy.setBucket(bucket);
    policy.setKey(key);
    policy.setExpires(options.expiresAt);
    if (options.contentType !== undefined) policy.setContentType(options.contentType);
    if (options.maxSize !== undefined) policy.setContentLengthRange(0, options.maxSize);
    const { postURL, formData } = await this.#signer.presignedPostPolicy(policy);
    return { url: postURL, fields: formData as Record<string, string> };
  }

  async region(): Promise<string> {
    return this.#region;
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return (await this.#client.bucketExists(bucket)) === true;
  }

  async createBucket(bucket: string): Promise<void> {
    // A retry after a lost answer finds the bucket ours.
    await unlessCode(this.#client.makeBucket(bucket, this.#region), 'BucketAlreadyOwnedByYou', minioErrorFacts);
  }

  async getBucketPolicy(bucket: string): Promise<string | undefined> {
    const policy = await unlessCode(this.#client.getBucketPolicy(bucket), 'NoSuchBucketPolicy', minioErrorFacts);
    return policy === undefined || policy === '' ? undefined : policy;
  }

  async putBucketPolicy(bucket: string, policy: string): Promise<void> {
    await this.#client.setBucketPolicy(bucket, policy);
  }

  async deleteBucketPolicy(bucket: string): Promise<void> {
    // minio-js sends DELETE ?policy for an empty policy.
    await unlessCode(this.#client.setBucketPolicy(bucket, ''), 'NoSuchBucketPolicy', minioErrorFacts);
  }

  async getBucketCors(bucket: string): Promise<StoredRules<CorsRule> | undefined> {
    const xml = await this.#getConfiguration(bucket, 'cors', 'NoSuchCORSConfiguration');
    if (xml === undefined) return undefined;
    const all = (rule: string, tag: string) => elements(rule, tag).map(decodeEntities);
    return {
      rules: elements(xml, 'CORSRule').map((rule) => {
        const maxAge = text(rule, 'MaxAgeSeconds');
        return {
          id: text(rule, 'ID'),
          allowedOrigins: all(rule, 'AllowedOrigin'),
          allowedMethods: all(rule, 'AllowedMethod'),
          allowedHeaders: all(rule, 'AllowedHeader'),
          exposeHeaders: all(rule, 'ExposeHeader'),
          maxAgeSeconds: maxAge === undefined ? undefined : Number(maxAge),
        };
      }),
    };
  }

  /** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html */
  async putBucketCors(bucket: string, cors: StoredRules<CorsRule>): Promise<void> {
    const rules = cors.rules.map((rule) =>
      [
        '<CORSRule>',
        rule.id === undefined ? '' : element('ID', rule.id),
        ...rule.allowedOrigins.map((origin) => element('AllowedOrigin', origin)),
        ...rule.allowedMethods.map((method) => element('AllowedMethod', method)),
        ...rule.allowedHeaders.map((header) => element('AllowedHeader', header)),
        ...rule.exposeHeaders.map((header) => element('ExposeHeader', header)),
        rule.maxAgeSeconds === undefined ? '' : element('MaxAgeSeconds', String(rule.maxAgeSeconds)),
        '</CORSRule>',
      ].join(''),
    );
    await this.#putConfiguration(
      bucket,
      'cors',
      `<CORSConfiguration xmlns="${S3_XMLNS}">${rules.join('')}</CORSConfiguration>`,
    );
  }

  async getBucketLifecycle(bucket: string): Promise<StoredRules<LifecycleRule> | undefined> {
    const xml = await this.#getConfiguration(bucket, 'lifecycle', 'NoSuchLifecycleConfiguration');
    if (xml === undefined) return undefined;
    return {
      rules: elements(xml, 'Rule').map((rule) => {
        const [abort] = elements(rule, 'AbortIncompleteMultipartUpload');
        const days = abort === undefined ? undefined : text(abort, 'DaysAfterInitiation');
        return {
          id: text(rule, 'ID'),
          enabled: text(rule, 'Status') === 'Enabled',
          prefix: lifecyclePrefix(rule),
          abortIncompleteUploadsAfterDays: days === undefined ? undefined : Number(days),
          source: rule,
        };
      }),
    };
  }

  /** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html */
  async putBucketLifecycle(bucket: string, lifecycle: StoredRules<LifecycleRule>): Promise<void> {
    // Another rule goes back as the server sent it (the inner XML of its <Rule>).
    const rules = lifecycle.rules.map((rule) =>
      typeof rule.source === 'string'
        ? `<Rule>${rule.source}</Rule>`
        : [
            '<Rule>',
            rule.id === undefined ? '' : element('ID', rule.id),
            `<Filter>${element('Prefix', rule.prefix ?? '')}</Filter>`,
            element('Status', rule.enabled ? 'Enabled' : 'Disabled'),
            rule.abortIncompleteUploadsAfterDays === undefined
              ? ''
              : `<AbortIncompleteMultipartUpload>${element('DaysAfterInitiation', String(rule.abortIncompleteUploadsAfterDays))}</AbortIncompleteMultipartUpload>`,
            '</Rule>',
          ].join(''),
    );
    await this.#putConfiguration(
      bucket,
      'lifecycle',
      `<LifecycleConfiguration xmlns="${S3_XMLNS}">${rules.join('')}</LifecycleConfiguration>`,
    );
  }

  /** A bucket subresource (`?cors`, `?lifecycle`) as XML; undefined when the server answers `missing`. */
  #getConfiguration(bucket: string, query: string, missing: string): Promise<string | undefined> {
    return unlessCode(this.#text({ method: 'GET', bucketName: bucket, query }), missing, minioErrorFacts);
  }

  /** A bucket subresource PUT (`?cors`, `?lifecycle`), with the Content-MD5 S3 requires of it. */
  async #putConfiguration(bucket: string, query: string, xml: string): Promise<void> {
    const body = Buffer.from(xml, 'utf8');
    const headers = { 'Content-Type': 'application/xml', ...bodyHeaders(body) };
    (await this.#request({ method: 'PUT', bucketName: bucket, query, headers }, body, [200, 204])).resume();
  }

  /**
   * MinIO's probes, unsigned: `GET /minio/health/live` (the process runs), then
   * `GET /minio/health/cluster` (the cluster has write quorum: 200, else 503; a single
   * process answers 200 while its drive is writable). Available only when both say so,
   * and neither says the server is still starting (`x-minio-server-status`, which the
   * live probe sends with its 200 until the object layer is up).
   * Unlike django-minio-backend's MinioServerStatus, any live answer but 200 is "not
   * available" (it took 403 to mean "up"). A server that is not MinIO answers the live
   * probe otherwise (SeaweedFS 404, versitygw 403): the answer says so, and whether the
   * bucket answers a signed HeadBucket, so that `isAvailable()` is still right about it.
   * https://min.io/docs/minio/linux/operations/monitoring/healthcheck-probe.html
   */
  async health(bucket: string, timeoutMs: number): Promise<HealthStatus> {
    const address = this.endpoint;
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    const remaining = () => Math.max(1, timeoutMs - latencyMs());
    const live = await this.#probe('/minio/health/live', remaining());
    if ('error' in live) {
      return {
        available: false,
        latencyMs: latencyMs(),
        details: `MinIO at ${address} is not reachable (${live.error})`,
      };
    }
    if (live.status !== 200) return this.#notMinio(bucket, live, remaining(), latencyMs);
    const cluster = await this.#probe('/minio/health/cluster', remaining());
    if ('error' in cluster) {
      const details = `MinIO at ${address} is live, but its cluster health did not answer (${cluster.error})`;
      return { available: false, status: live.status, latencyMs: latencyMs(), details };
    }
    // Set while the server starts (its object layer, bucket metadata or IAM not up yet);
    // the liveness probe answers 200 all the same.
    const starting = cluster.headers[SERVER_STATUS_HEADER] ?? live.headers[SERVER_STATUS_HEADER];
    if (starting !== undefined) {
      const details = `MinIO at ${address} is live but still starting (${SERVER_STATUS_HEADER}: ${String(starting)}); requests fail until it is up, which needs enough of its cluster's nodes and drives`;
      return { available: false, status: cluster.status, latencyMs: latencyMs(), details };
    }
    const quorum = cluster.headers['x-minio-write-quorum'];
    const drives = quorum === undefined ? '' : ` (write quorum: ${quorum} drives)`;
    const details =
      cluster.status === 200
        ? `MinIO at ${address} is live and can write${drives}`
        : `MinIO at ${address} is live, but its cluster cannot write: /minio/health/cluster answered ${cluster.status}${drives}; saves fail until enough nodes or drives are back`;
    return { available: cluster.status === 200, status: cluster.status, latencyMs: latencyMs(), details };
  }

  /** The health answer for a server whose live probe said it is not MinIO: what it is, and whether the bucket answers. */
  async #notMinio(
    bucket: string,
    live: { status: number; headers: http.IncomingHttpHeaders },
    timeoutMs: number,
    latencyMs: () => number,
  ): Promise<HealthStatus> {
    const server = live.headers.server ? ` (Server: ${live.headers.server})` : '';
    const what = `the server at ${this.endpoint}${server} answered ${live.status} to MinIO's liveness probe /minio/health/live, so it is not MinIO; the s3 driver (stowage/s3) is the one for other S3 servers`;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const exists = await Promise.race([this.#client.bucketExists(bucket), timeout]);
      const bucketSays = exists ? `bucket ${bucket} answers` : `bucket ${bucket} does not exist`;
      return { available: exists, status: live.status, latencyMs: latencyMs(), details: `${what}; ${bucketSays}` };
    } catch (error) {
      const details = `${what}; bucket ${bucket} did not answer (${(error as Error).message})`;
      return { available: false, status: live.status, latencyMs: latencyMs(), details };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One unsigned GET of `path`; its status and headers, or why there was none. */
  #probe(
    path: string,
    timeoutMs: number,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders } | { error: string }> {
    const { host, port, useSSL } = this.#address;
    return new Promise((resolve) => {
      const request = (useSSL ? https : http).request(
        { host, port, path, method: 'GET', agent: this.#agent, timeout: timeoutMs },
        (response) => {
          response.resume();
          resolve({ status: response.statusCode ?? 0, headers: response.headers });
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) => {
        resolve({
          error: error.code === 'ETIMEDOUT' ? `no answer within ${timeoutMs} ms` : (error.code ?? error.message),
        });
      });
      request.end();
    });
  }

  async close(): Promise<void> {
    // The agent (Node's global one, or the caller's) is not ours to destroy.
  }

  /**
   * A request with an aws-chunked `body`, past minio-js's request primitive: that one signs
   * every payload as `UNSIGNED-PAYLOAD` (or hashes it), where this body must be signed as
   * what it is (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`). The request is built, signed
   * (minio-js's own SigV4) and sent by the client's parts: its address, credentials, agent
   * and transport (timeouts, connection reuse). A status other than 200 rejects with the
   * S3 error the answer names.
   */
  async #streamed(
    options: Parameters<Client['makeRequestAsync']>[0],
    body: AwsChunkedStream,
  ): Promise<http.IncomingMessage> {
    const client = this.#client as unknown as ClientInternals;
    await client.checkAndRefreshCreds();
    const request = client.getRequestOptions({ ...options, region: this.#region });
    const date = new Date();
    request.headers['x-amz-date'] = date.toISOString().replace(/[:-]|\.\d{3}/g, '');
    request.headers['x-amz-content-sha256'] = STREAMING_UNSIGNED_TRAILER;
    if (client.sessionToken) request.headers['x-amz-security-token'] = client.sessionToken;
    // Unsigned, as the AWS SDK leaves it: Go servers move it out of the request's headers,
    // so SeaweedFS, which signs what it sees, would find another signature.
    const { 'transfer-encoding': transferEncoding, ...signed } = request.headers;
    request.headers = signed;
    if (!client.anonymous) {
      request.headers.authorization = signV4(
        request as Parameters<typeof signV4>[0],
        client.accessKey,
        client.secretKey,
        this.#region,
        date,
        STREAMING_UNSIGNED_TRAILER,
      );
    }
    if (transferEncoding !== undefined) request.headers['transfer-encoding'] = transferEncoding;
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      // An answer before the whole body was sent (a refused condition) wins over the broken pipe.
      const sent = client.transport.request(request, resolve);
      // The pipeline ends without an error once the whole body is out; a connection that
      // then closes without an answer must fail the request, not leave it waiting forever.
      sent.once('error', reject);
      sent.once('close', () => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      pipeline(body, sent, (error) => error && reject(error));
    });
    if (response.statusCode === 200) return response;
    let xml = '';
    response.setEncoding('utf8');
    for await (const chunk of response) xml += chunk;
    const status = response.statusCode ?? 0;
    throw s3Error(text(xml, 'Code') ?? '', text(xml, 'Message') ?? `HTTP ${status}`, status);
  }

  #request(options: Parameters<Client['makeRequestAsync']>[0], payload: Buffer | string, codes: number[]) {
    return this.#client.makeRequestAsync(options, payload, codes);
  }

  /** A request whose (small, XML) answer is read whole. */
  async #text(options: Parameters<Client['makeRequestAsync']>[0], payload = ''): Promise<string> {
    const response = await this.#request(options, payload, [200]);
    let body = '';
    response.setEncoding('utf8');
    for await (const chunk of response) body += chunk;
    return body;
  }
}

/** The headers a write of an object carries. */
function attributeHeaders(attributes: ObjectAttributes): Headers {
  const headers: Headers = { 'Content-Type': attributes.contentType };
  if (attributes.cacheControl !== undefined) headers['Cache-Control'] = attributes.cacheControl;
  if (attributes.contentDisposition !== undefined) headers['Content-Disposition'] = attributes.contentDisposition;
  // Prefixed here: minio-js passes keys such as "cache-control" through as real headers.
  for (const [key, value] of Object.entries(attributes.metadata ?? {})) headers[`${META_PREFIX}${key}`] = value;
  return headers;
}

function conditionHeaders(conditions: Conditions): Headers {
  const headers: Headers = {};
  if (conditions.ifNoneMatch) headers['If-None-Match'] = '*';
  if (conditions.ifMatch !== undefined) headers['If-Match'] = conditions.ifMatch;
  return headers;
}

function bodyHeaders(body: Buffer): Headers {
  return { 'Content-Length': String(body.length), 'Content-MD5': createHash('md5').update(body).digest('base64') };
}

function headOf(headers: http.IncomingHttpHeaders, size: number): ObjectHead {
  const metadata: Record<string, string> = {};
  // for...in, not Object.entries: no array per header on every read and stat.
  for (const header in headers) {
    const value = headers[header];
    if (header.startsWith(META_PREFIX) && typeof value === 'string') metadata[header.slice(META_PREFIX.length)] = value;
  }
  return {
    size,
    lastModified: dateOf(headers['last-modified']) ?? new Date(0),
    etag: headers.etag,
    contentType: headers['content-type'],
    cacheControl: headers['cache-control'],
    contentDisposition: headers['content-disposition'],
    metadata,
  };
}

/** One `<Contents>` of a listing, its `<UserMetadata>` read when MinIO sends it. */
function listedObject(contents: string, decode: (value: string) => string) {
  const object = {
    key: decode(text(contents, 'Key') ?? ''),
    size: Number(text(contents, 'Size') ?? 0),
    lastModified: dateOf(text(contents, 'LastModified')) ?? new Date(0),
    etag: text(contents, 'ETag'),
    contentType: undefined as string | undefined,
    cacheControl: undefined as string | undefined,
    contentDisposition: undefined as string | undefined,
    metadata: undefined as Record<string, string> | undefined,
  };
  const [userMetadata] = elements(contents, 'UserMetadata');
  if (userMetadata === undefined) return object;
  object.metadata = {};
  for (const [rawKey, value] of Object.entries(children(userMetadata))) {
    const key = rawKey.toLowerCase();
    if (key.startsWith(META_PREFIX)) object.metadata[key.slice(META_PREFIX.length)] = value;
    else if (key === 'content-type') object.contentType = value;
    else if (key === 'cache-control') object.cacheControl = value;
    else if (key === 'content-disposition') object.contentDisposition = value;
  }
  return object;
}

/**
 * CompleteMultipartUpload and CopyObject may answer 200 and still fail, with an
 * `<Error>` document as the body.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
 */
function throwEmbeddedError(body: string): void {
  const [error] = elements(body, 'Error');
  if (error !== undefined) throw s3Error(text(error, 'Code') ?? 'InternalError', text(error, 'Message') ?? 'failed');
}

function dateOf(value: string | undefined): Date | undefined {
  return value ? new Date(value) : undefined;
}

/** SigV4 query encoding: everything but RFC 3986 unreserved characters. */
function queryEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function element(tag: string, value: string): string {
  return `<${tag}>${xmlEscape(value)}</${tag}>`;
}

const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A lifecycle rule's key prefix: '' for the whole bucket, undefined for another filter (tags, sizes). */
function lifecyclePrefix(rule: string): string | undefined {
  const [filter] = elements(rule, 'Filter');
  if (filter === undefined) {
    // `<Filter/>`, or the older form with <Prefix> directly in the rule.
    return /<Filter\s*\/>/.test(rule) ? '' : (text(rule, 'Prefix') ?? '');
  }
  return /<(And|Tag|ObjectSize)/.test(filter) ? undefined : (text(filter, 'Prefix') ?? '');
}

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
