/**
 * Reading objects: HEAD and GET through minio-js's signed request primitive
 * (`makeRequestAsync`), so that the response headers stay in reach. minio-js's
 * `statObject` cannot tell a missing bucket from a missing object: a HEAD answer has no
 * body, and it names every 404 `NotFound`; MinIO says which in `x-minio-error-code`.
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Client } from 'minio';
import type { ByteRange, FileStat, ReadResult } from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { isPending, resumableBody } from '../../src/object-store.js';
import { type RetryPolicy, retrying } from '../../src/retry.js';
import { type MinioErrorContext, mapMinioError, s3Error } from './errors.js';

/** What the object helpers need from the driver. */
export interface MinioContext {
  client: Client;
  bucket: string;
  partSize: number;
  /** How requests are retried (src/retry.ts). */
  retry: RetryPolicy;
  /** The idle limit of a request, and of a body being read (0: none). */
  requestTimeoutMs: number;
  /** The object key of a name (the location prefix added). */
  key(name: string): string;
  errorContext(name?: string): MinioErrorContext;
}

const META_PREFIX = 'x-amz-meta-';

/** Describes an object; NOT_FOUND when it is missing or only reserved by an upload in progress. */
export async function headObject(context: MinioContext, name: string): Promise<FileStat> {
  const headers = await headHeaders(context, name);
  const stat = headers && statFromHeaders(name, headers, Number(headers['content-length'] ?? 0));
  if (!stat || isPending(stat.metadata)) throw notFound(context, name);
  return stat;
}

/** The object's response headers, pending or not; undefined when there is no such object. */
export async function headHeaders(
  context: MinioContext,
  name: string,
): Promise<IncomingMessage['headers'] | undefined> {
  return retrying(
    context.retry,
    async () => {
      const response = await context.client.makeRequestAsync(
        { method: 'HEAD', bucketName: context.bucket, objectName: context.key(name) },
        '',
        [200, 404],
      );
      response.resume();
      if (response.statusCode === 200) return response.headers;
      if (response.headers['x-minio-error-code'] === 'NoSuchBucket') throw s3Error('NoSuchBucket', 'Not Found', 404);
      return undefined;
    },
    (error) => mapMinioError(error, context.errorContext(name)),
  );
}

/**
 * Opens an object (or a range of it) as a stream; a range past the end gives an empty
 * body. The body resumes where it broke off after a reset or a stall (resumableBody).
 */
export async function getObject(context: MinioContext, name: string, range?: ByteRange): Promise<ReadResult> {
  const response = await requestBody(context, name, range, undefined);
  // S3 answers 416 when the range starts at or past the end; fs and memory give no bytes.
  if (response === undefined) return { stat: await headObject(context, name), body: Readable.from([]) };
  const size = response.statusCode === 206 ? totalFromRange(response.headers['content-range']) : undefined;
  const stat = statFromHeaders(name, response.headers, size ?? Number(response.headers['content-length'] ?? 0));
  if (isPending(stat.metadata)) {
    response.destroy();
    throw notFound(context, name);
  }
  const start = range?.start ?? 0;
  const body = resumableBody(response, {
    policy: context.retry,
    idleTimeoutMs: context.requestTimeoutMs,
    start,
    end: Math.min(range?.end ?? Number.POSITIVE_INFINITY, stat.size - 1),
    reopen: async (offset) =>
      (await requestBody(context, name, { start: offset, end: range?.end }, stat.etag)) ?? Readable.from([]),
    map: (error) => mapMinioError(error, context.errorContext(name)),
  });
  return { stat, body };
}

/** A GET (of a range, of the version `ifMatch`), retried; undefined when the range starts past the end. */
async function requestBody(
  context: MinioContext,
  name: string,
  range: ByteRange | undefined,
  ifMatch: string | undefined,
): Promise<IncomingMessage | undefined> {
  const headers: Record<string, string> = range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {};
  if (ifMatch !== undefined) headers['If-Match'] = ifMatch;
  return retrying(
    context.retry,
    async () => {
      try {
        return await context.client.makeRequestAsync(
          { method: 'GET', bucketName: context.bucket, objectName: context.key(name), headers },
          '',
          [200, 206],
        );
      } catch (error) {
        if (range && (error as { code?: string }).code === 'InvalidRange') return undefined;
        throw error;
      }
    },
    (error) => mapMinioError(error, context.errorContext(name)),
  );
}

/** A FileStat from S3 object headers. */
export function statFromHeaders(name: string, headers: IncomingMessage['headers'], size: number): FileStat {
  const metadata: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (header.startsWith(META_PREFIX) && typeof value === 'string') metadata[header.slice(META_PREFIX.length)] = value;
  }
  const lastModified = headers['last-modified'];
  return {
    name,
    size,
    lastModified: lastModified ? new Date(lastModified) : new Date(0),
    contentType: headers['content-type'],
    etag: headers.etag,
    cacheControl: headers['cache-control'],
    contentDisposition: headers['content-disposition'],
    metadata,
  };
}

/** Reads a (small, XML) response body. */
export async function readText(response: IncomingMessage): Promise<string> {
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) body += chunk;
  return body;
}

export function notFound(context: MinioContext, name: string): StorageError {
  return new StorageError('NOT_FOUND', `minio: no object named ${JSON.stringify(name)} in bucket ${context.bucket}.`, {
    name,
  });
}

function totalFromRange(header: string | undefined): number | undefined {
  const total = header?.split('/')[1];
  return total === undefined || total === '*' ? undefined : Number(total);
}
