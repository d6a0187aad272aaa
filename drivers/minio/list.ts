/**
 * Listing with ListObjectsV2, a page (1000 keys) at a time, parsed here rather than by
 * minio-js (see xml.ts). MinIO's `metadata=true` extension returns each object's user
 * metadata, which is how names reserved by uploads in progress (the pending marker,
 * src/object-store.ts) are left out without a request per object. Servers that ignore
 * it send no `<UserMetadata>`; then only empty objects, which a reservation is, get a
 * HEAD to check.
 */
import type { FileStat, ListEntry } from '../../src/driver.js';
import { PENDING_METADATA } from '../../src/object-store.js';
import { retrying } from '../../src/retry.js';
import { compareNames } from '../../src/utf8.js';
import { mapMinioError } from './errors.js';
import { headObject, type MinioContext, readText } from './objects.js';
import { children, decodeKey, elements, text } from './xml.js';

/** ListObjectsV2's largest page. */
const PAGE_SIZE = 1000;
const META_PREFIX = 'x-amz-meta-';

interface Page {
  entries: ListEntry[];
  /** Empty objects listed without metadata: they may be reservations. */
  unchecked: Set<string>;
  next: string | undefined;
}

/** Yields the objects (and, non-recursively, the "directories") under `prefix`, in UTF-8 byte order. */
export async function* listObjects(
  context: MinioContext,
  keyPrefix: string,
  prefix: string,
  recursive: boolean,
): AsyncGenerator<ListEntry> {
  let token: string | undefined;
  do {
    const page = await fetchPage(context, keyPrefix, prefix, recursive, token);
    for (const entry of page.entries) {
      if (entry.type === 'file' && page.unchecked.has(entry.name) && !(await stillThere(context, entry.name))) continue;
      yield entry;
    }
    token = page.next;
  } while (token !== undefined);
}

async function fetchPage(
  context: MinioContext,
  keyPrefix: string,
  prefix: string,
  recursive: boolean,
  token: string | undefined,
): Promise<Page> {
  const query = [
    'list-type=2',
    'encoding-type=url',
    'metadata=true',
    `max-keys=${PAGE_SIZE}`,
    `prefix=${queryEscape(keyPrefix + prefix)}`,
    ...(recursive ? [] : ['delimiter=%2F']),
    ...(token === undefined ? [] : [`continuation-token=${queryEscape(token)}`]),
  ].join('&');
  // A page is read whole inside the attempt, so that a connection cut mid-page is retried too.
  const xml = await retrying(
    context.retry,
    async () =>
      readText(await context.client.makeRequestAsync({ method: 'GET', bucketName: context.bucket, query }, '', [200])),
    (error) => mapMinioError(error, context.errorContext(prefix === '' ? undefined : prefix)),
  );
  const unchecked = new Set<string>();
  const entries: ListEntry[] = [];
  for (const contents of elements(xml, 'Contents')) {
    const key = decodeKey(text(contents, 'Key') ?? '');
    // Keys outside the location, and "folder" markers ending in '/', are no stowage names.
    if (!key.startsWith(keyPrefix) || key.endsWith('/')) continue;
    const stat = fileStat(key.slice(keyPrefix.length), contents);
    if (stat === undefined) continue;
    if (!contents.includes('<UserMetadata') && stat.size === 0) unchecked.add(stat.name);
    entries.push({ type: 'file', ...stat });
  }
  for (const common of elements(xml, 'CommonPrefixes')) {
    const key = decodeKey(text(common, 'Prefix') ?? '');
    if (key.startsWith(keyPrefix)) entries.push({ type: 'directory', name: key.slice(keyPrefix.length) });
  }
  // S3 sorts keys and prefixes together; the XML lists each kind in its own run.
  entries.sort((a, b) => compareNames(a.name, b.name));
  const truncated = text(xml, 'IsTruncated') === 'true';
  return { entries, unchecked, next: truncated ? text(xml, 'NextContinuationToken') : undefined };
}

/** One `<Contents>` as a FileStat; undefined for a name reserved by an upload in progress. */
function fileStat(name: string, contents: string): FileStat | undefined {
  const metadata: Record<string, string> = {};
  let contentType: string | undefined;
  let cacheControl: string | undefined;
  let contentDisposition: string | undefined;
  const [userMetadata] = elements(contents, 'UserMetadata');
  for (const [rawKey, value] of Object.entries(userMetadata === undefined ? {} : children(userMetadata))) {
    const key = rawKey.toLowerCase();
    if (key.startsWith(META_PREFIX)) metadata[key.slice(META_PREFIX.length)] = value;
    else if (key === 'content-type') contentType = value;
    else if (key === 'cache-control') cacheControl = value;
    else if (key === 'content-disposition') contentDisposition = value;
  }
  if (metadata[PENDING_METADATA] !== undefined) return undefined;
  return {
    name,
    size: Number(text(contents, 'Size') ?? 0),
    lastModified: new Date(text(contents, 'LastModified') ?? 0),
    etag: text(contents, 'ETag'),
    contentType,
    cacheControl,
    contentDisposition,
    metadata,
  };
}

/** False when an empty listed object turns out to be a reservation (or is gone). */
async function stillThere(context: MinioContext, name: string): Promise<boolean> {
  try {
    await headObject(context, name);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'NOT_FOUND') return false;
    throw error;
  }
}

/** SigV4 query encoding: everything but RFC 3986 unreserved characters. */
function queryEscape(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
