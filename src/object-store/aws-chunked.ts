/**
 * The body of a streamed PUT whose every byte is covered by a checksum the server
 * verifies without the client hashing it twice: `aws-chunked` framing, each chunk as the
 * source hands it on, and a CRC32 (computed natively by zlib as the bytes pass) sent as
 * a trailer after the last chunk. The payload is unsigned
 * (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`): the server recomputes the
 * CRC32 and refuses the object (BadDigest, XAmzContentChecksumMismatch) if a byte
 * differs, before anything is stored. Both transports send their streamed PUTs with it.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html#sigv4-chunked-body-definition-trailers
 */
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** The `x-amz-content-sha256` (and signed payload hash) of an aws-chunked body with an unsigned trailer. */
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const TRAILER = 'x-amz-checksum-crc32';
const CRLF = Buffer.from('\r\n');
/** How much framed body waits in this stream before it pauses the source. */
const HIGH_WATER_MARK = 1024 * 1024;
/** MinIO refuses chunks over 16 MiB ("chunk too big"); longer source chunks are cut (without a copy). */
const MAX_CHUNK = 4 * 1024 * 1024;
/**
 * S3 refuses a chunk under 8 KiB but the last (InvalidChunkSizeError); shorter source
 * chunks are gathered (copied) up to this size first, larger ones pass as they are.
 */
const MIN_CHUNK = 64 * 1024;

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Whether this Node computes CRC32 natively (`zlib.crc32`, Node 20.15 and 22.2 on);
 * without it, bodies keep their Content-MD5 (and the SDK's SHA-256 signature), as on a
 * server that does not check checksums.
 */
export const NATIVE_CRC32 = nativeCrc32 !== undefined;

/** A CRC32 (IEEE, as S3's `x-amz-checksum-crc32`) over the bytes given so far. */
export class Crc32 {
  #value = 0;

  update(data: Uint8Array): this {
    if (!nativeCrc32) throw new Error('zlib.crc32 needs Node 20.15 or 22.2 or later');
    this.#value = nativeCrc32(data, this.#value);
    return this;
  }

  /** As S3 writes it: the four big-endian bytes, base64. */
  digest(): string {
    const bytes = Buffer.allocUnsafe(4);
    bytes.writeUInt32BE(this.#value >>> 0);
    return bytes.toString('base64');
  }
}

/** The CRC32 of `data`, as S3 writes it. */
export function crc32Base64(data: Uint8Array): string {
  return new Crc32().update(data).digest();
}

/**
 * The headers of an aws-chunked PUT of `length` decoded bytes with the CRC32 trailer;
 * the body goes with `Transfer-Encoding: chunked` (its framed length depends on the
 * source's chunks).
 */
export function awsChunkedHeaders(length: number): Record<string, string> {
  return {
    'content-encoding': 'aws-chunked',
    'transfer-encoding': 'chunked',
    'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER,
    'x-amz-decoded-content-length': String(length),
    'x-amz-trailer': TRAILER,
  };
}

/**
 * `source` framed as aws-chunked with the CRC32 trailer. `checksum()` is the CRC32 of
 * the bytes framed so far (base64, as S3 writes it): all of them once the stream ended.
 * Destroying this stream destroys the source; a failure of the source destroys this.
 */
export class AwsChunkedStream extends Readable {
  readonly #source: Readable;
  readonly #crc = new Crc32();
  /** Short source chunks not yet framed, and their length. */
  #gathered: Buffer[] = [];
  #gatheredLength = 0;

  constructor(source: Readable) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.#source = source;
    source.pause();
    source.on('data', (chunk: Buffer) => {
      if (!this.#take(chunk)) source.pause();
    });
    source.once('end', () => {
      this.#flush();
      this.push(`0\r\n${TRAILER}:${this.checksum()}\r\n\r\n`);
      this.push(null);
    });
    source.once('error', (error) => this.destroy(error));
  }

  /** Frames `chunk` (or gathers it while short); false when this stream is full. */
  #take(chunk: Buffer): boolean {
    if (this.#gatheredLength > 0 || chunk.length < MIN_CHUNK) {
      this.#gathered.push(chunk);
      this.#gatheredLength += chunk.length;
      return this.#gatheredLength < MIN_CHUNK || this.#flush();
    }
    return this.#frame(chunk);
  }

  /** Frames what was gathered. */
  #flush(): boolean {
    if (this.#gatheredLength === 0) return true;
    const gathered = Buffer.concat(this.#gathered, this.#gatheredLength);
    this.#gathered = [];
    this.#gatheredLength = 0;
    return this.#frame(gathered);
  }

  /** Frames `data` as chunks of MAX_CHUNK at most. */
  #frame(data: Buffer): boolean {
    let room = true;
    for (let offset = 0; offset < data.length; offset += MAX_CHUNK) {
      const chunk = data.subarray(offset, offset + MAX_CHUNK);
      this.#crc.update(chunk);
      this.push(`${chunk.length.toString(16)}\r\n`);
      this.push(chunk);
      room = this.push(CRLF);
    }
    return room;
  }

  checksum(): string {
    return this.#crc.digest();
  }

  override _read(): void {
    this.#source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#source.destroy();
    callback(error);
  }
}
