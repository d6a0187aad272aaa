/**
 * Helpers every benchmark section uses: a bounded-concurrency loop, timing, the bytes
 * saved, and a generated stream of any length that costs next to nothing to produce.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves with the elapsed milliseconds. */
export async function timed(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return performance.now() - started;
}

/** Random bytes (incompressible, so that no layer can win by compressing). */
export function payload(size: number): Buffer {
  return randomBytes(size);
}

/** Chunk size of generated streams: what a Node file stream yields (64 KiB). */
export const STREAM_CHUNK = 64 * KiB;

/**
 * A stream of `length` bytes in STREAM_CHUNK chunks, cut as views from one random block
 * that never changes, so that producing it takes no measurable CPU and holds no more
 * than the block in memory, whatever the length.
 */
export function generatedStream(length: number, block: Buffer = randomBytes(4 * MiB)): Readable {
  let sent = 0;
  return new Readable({
    highWaterMark: STREAM_CHUNK,
    read() {
      if (sent >= length) {
        this.push(null);
        return;
      }
      const size = Math.min(STREAM_CHUNK, length - sent);
      const offset = sent % (block.length - STREAM_CHUNK);
      sent += size;
      this.push(block.subarray(offset, offset + size));
    },
  });
}

/** The whole stream in one Buffer (chunks concatenated once: the fastest plain way). */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** Drains a stream; resolves with the byte count. */
export async function drain(stream: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return bytes;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
