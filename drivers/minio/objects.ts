/**
 * Reading objects: HEAD and GET through minio-js's signed request primitive
 * (`makeRequestAsync`), so that the response headers stay in reach. minio-js's
 * `statObject` cannot tell a missing bucket from a missing object: a HEAD answer has no
 * body, and it names every 404 `NotFound`; MinIO says which in `x-minio-error-code`.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { Client } from 'minio';
import type { ByteRange, FileStat, ReadResult } from '../../src/driver.js';
import { StorageError } from '../../src/errors.js';
import { isPending } from '../../src/object-store.js';
import { type MinioErrorContext, mapMinioError, s3Error } from './errors.js';

/** What the object helpers need from the driver. */
export interface MinioContext {
  client: Client;
  bucket: string;
  partSize: number;
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
  try {
    const response = await context.client.makeRequestAsync(
      { method: 'HEAD', bucketName: context.bucket, objectName: context.key(name) },
      '',
      [200, 404],
    );
    response.resume();
    if (response.statusCode === 200) return response.headers;
    if (response.headers['x-minio-error-code'] === 'NoSuchBucket') throw s3Error('NoSuchBucket', 'Not Found', 404);
    return undefined;
  } catch (error) {
    throw mapMinioError(error, context.errorContext(name));
  }
}

/** Opens an object (or a range of it) as a stream; a range past the end gives an empty body. */
export async function getObject(context: MinioContext, name: string, range?: ByteRange): Promise<ReadResult> {
  let response: IncomingMessage;
  try {
    const headers: Record<string, string> = range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    response = await context.client.makeRequestAsync(
      { method: 'GET', bucketName: context.bucket, objectName: context.key(name), headers },
      '',
      [200, 206],
    );
  } catch (error) {
    // S3 answers 416 when the range starts at or past the end; fs and memory give no bytes.
    if (range && (error as { code?: string }).code === 'InvalidRange') {
      return { stat: await headObject(context, name), body: Readable.from([]) };
    }
    throw mapMinioError(error, context.errorContext(name));
  }
  const size = response.statusCode === 206 ? totalFromRange(response.headers['content-range']) : undefined;
  const stat = statFromHeaders(name, response.headers, size ?? Number(response.headers['content-length'] ?? 0));
  if (isPending(stat.metadata)) {
    response.destroy();
    throw notFound(context, name);
  }
  return { stat, body: mappedBody(response, context.errorContext(name)) };
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

/** The response as a plain stream whose errors are StorageErrors; destroying it releases the socket. */
function mappedBody(response: IncomingMessage, context: MinioErrorContext): Readable {
  const body = new PassThrough();
  response.on('error', (error) => body.destroy(mapMinioError(error, context)));
  body.on('close', () => {
    if (!response.readableEnded) response.destroy();
  });
  response.pipe(body);
  return body;
}
