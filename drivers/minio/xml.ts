/**
 * Just enough XML for the S3 responses this driver reads itself (ListObjectsV2,
 * CompleteMultipartUpload, CopyObject). minio-js's parser (fast-xml-parser) turns
 * keys that look like numbers into numbers (`007` → `7`, `0x10` → `16`) and, in 8.0.7,
 * rejects listings of 500+ keys (entity expansion limit):
 * https://github.com/minio/minio-js/issues/1466. These responses are flat, known
 * documents, and keys arrive URL-encoded (`encoding-type=url`).
 */

/** The inner text of every `<tag>...</tag>` (not nested in itself), in document order. */
export function elements(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The decoded text of the first `<tag>`, or undefined. */
export function text(xml: string, tag: string): string | undefined {
  const [first] = elements(xml, tag);
  return first === undefined ? undefined : decodeEntities(first);
}

/** The child elements of a flat element as name → decoded text (`<UserMetadata>`). */
export function children(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of xml.matchAll(/<([A-Za-z_][\w.-]*)>([^<]*)<\/\1>/g)) {
    out[match[1] as string] = decodeEntities(match[2] ?? '');
  }
  return out;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (entity, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    return NAMED[body] ?? entity;
  });
}

/** Decodes a key sent with `encoding-type=url` (query-style: `+` is a space). */
export function decodeKey(value: string): string {
  return decodeURIComponent(decodeEntities(value).replace(/\+/g, ' '));
}

/**
 * The key decoder for one listing answer: URL-decoding only when the answer says its keys
 * are URL-encoded (`<EncodingType>url</EncodingType>`, as S3 and MinIO send when asked).
 * versitygw's posix backend ignores `encoding-type=url` and says nothing, and decoding its
 * plain keys would turn `a+b` into `a b` and `%20` into a space.
 */
export function keyDecoder(xml: string): (value: string) => string {
  return text(xml, 'EncodingType') === 'url' ? decodeKey : decodeEntities;
}
