import { StorageError } from './errors.js';

/**
 * Orders names as S3 lists keys: by their UTF-8 bytes. JavaScript's default string
 * order compares UTF-16 code units, which differs for characters beyond U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Percent-encodes each segment of a name for a URL path, keeping the slashes
 * (RFC 3986 unreserved characters stay as they are).
 */
export function encodeName(name: string): string {
  return name
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/**
 * The URL of `name` under a served base URL (`baseUrl` of the memory and fs drivers):
 * the base, a slash, the percent-encoded name. UNSUPPORTED without a base.
 */
export function urlOnBase(base: string | undefined, name: string, driver: string): string {
  if (base === undefined) {
    throw new StorageError('UNSUPPORTED', `The ${driver} driver has no baseUrl; set one to use url().`);
  }
  return `${base.endsWith('/') ? base : `${base}/`}${encodeName(name)}`;
}
