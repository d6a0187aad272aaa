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
