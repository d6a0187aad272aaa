/**
 * The parts of a multipart upload, with bounded memory and in parallel: the stream is
 * cut into parts of exactly `size` bytes (the last one shorter; see `partSizeFor` for
 * streams of more than 1,000 parts), copied into a pool of `parallel + 1` reusable
 * buffers: `parallel` parts upload at once while the next one fills, and goes as soon as
 * one of them is done. Memory stays at `(parallel + 1) × size` whatever the length.
 *
 * Why one more buffer than parts in flight: with `parallel` buffers, a part that was done
 * left its place empty while the next one filled (copy and CRC32 of 8 MiB, about 3.5 ms
 * against about 25 ms for the part's upload), so a 1 GiB save with two in flight had only
 * one in flight 27 % of the time; with the extra buffer, 1.4 %. That made the S3 driver's
 * save 3 % to 5 % faster and the MinIO driver's −1 % to +6 % (paired runs), for 8 MiB more
 * memory (docs/benchmarks.md, "Parts in flight").
 *
 * Why the CRC32 is summed here: each source chunk is summed right after it is copied in,
 * while its bytes are still in the CPU's cache. Summed once the 8 MiB part was full, the
 * part came back from memory the server was using too: in a 1 GiB save that sum cost
 * about 0.5 s of client CPU, against 0.2 s here (docs/benchmarks.md, "Each part's CRC32
 * summed while it fills").
 *
 * Why a pool: a fresh buffer per part (Buffer.concat) becomes garbage as soon as its
 * part is sent, and V8 frees such external memory only at its next collection, so the
 * resident set grew by several parts more than were alive (bench: +110 MiB for a 1 GiB
 * stream in 16 MiB parts, one at a time). Why parallel: with one part at a time the
 * client hashes (MD5, SHA-256) while the server waits, then waits while the server stores.
 */

import { Crc32 } from './object-store/aws-chunked.js';
import { MAX_PART_SIZE } from './object-store.js';

/**
 * Parts per part size. S3 allows 10,000 parts; doubling the size after every 1,000
 * lets a stream of unknown length reach S3's 5 TiB object limit from an 8 MiB start
 * (1,000 × 8 MiB × (2¹⁰ − 1) ≈ 8 TiB), while uploads under 1,000 parts keep `size`.
 */
const PARTS_PER_SIZE = 1_000;

/** The size of part `number` (1-based) when parts start at `base` bytes. */
export function partSizeFor(number: number, base: number): number {
  return Math.min(MAX_PART_SIZE, base * 2 ** Math.floor((number - 1) / PARTS_PER_SIZE));
}

/**
 * Uploads part `number` (1-based); resolves with its ETag. `part` must not be kept after
 * it settles. `crc32` is the part's CRC32 as S3 writes it (base64), when it was asked for.
 */
export type PartUploader = (number: number, part: Buffer, crc32: string | undefined) => Promise<string>;

/**
 * Uploads `stream` in parts; resolves with the ETags in part order. A stream with no
 * bytes at all is one empty part. On the first failure (of the stream or of a part) it
 * waits for the parts still in flight to settle, then rejects with that failure, so
 * that the caller can abort the upload knowing nothing is still being sent; a part that
 * fails while the stream is slow to give its next chunk stops it at that chunk.
 */
export async function uploadInParts(
  stream: AsyncIterable<Buffer>,
  /** The size of the first 1,000 parts. */
  size: number,
  /** Parts in flight at once; one more part's buffer fills while they upload. */
  parallel: number,
  upload: PartUploader,
  /** Whether to sum each part's CRC32 as it fills (see above). */
  crc32 = false,
): Promise<string[]> {
  const etags: string[] = [];
  const free: Buffer[] = [];
  const pool = parallel + 1;
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let allocated = 0;
  let count = 0;

  const launch = (slot: Buffer, length: number, sum: Crc32 | undefined): void => {
    const number = ++count;
    const task: Promise<void> = upload(number, slot.subarray(0, length), sum?.digest())
      .then(
        (etag) => {
          etags[number - 1] = etag;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => {
        running.delete(task);
        free.push(slot);
      });
    running.add(task);
  };
  const stopIfFailed = (): void => {
    if (failure) throw failure.error;
  };
  /** Waits until a part in flight settles; throws the first part's failure. */
  const settleOne = async (): Promise<void> => {
    await Promise.race(running);
    stopIfFailed();
  };
  /** Sends a full part as soon as fewer than `parallel` are in flight; none after a failure. */
  const send = async (slot: Buffer, length: number, sum: Crc32 | undefined): Promise<void> => {
    stopIfFailed();
    while (running.size >= parallel) await settleOne();
    launch(slot, length, sum);
  };
  /** A buffer for the next part: a free one of its size, or a new one while the pool is not full. */
  const acquire = async (): Promise<Buffer> => {
    const wanted = partSizeFor(count + 1, size);
    for (;;) {
      while (free.length === 0 && allocated >= pool) await settleOne();
      const slot = free.pop();
      if (slot && slot.length >= wanted) return slot.subarray(0, wanted);
      // A buffer of the previous part size: drop it, its place goes to a bigger one.
      if (slot) allocated--;
      if (allocated < pool) {
        allocated++;
        return Buffer.allocUnsafeSlow(wanted);
      }
    }
  };

  try {
    let slot = await acquire();
    let filled = 0;
    let sum = crc32 ? new Crc32() : undefined;
    for await (const chunk of stream) {
      stopIfFailed();
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(slot, filled, offset, Math.min(chunk.length, offset + slot.length - filled));
        sum?.update(slot.subarray(filled, filled + copied));
        filled += copied;
        offset += copied;
        if (filled === slot.length) {
          await send(slot, filled, sum);
          slot = await acquire();
          filled = 0;
          sum = crc32 ? new Crc32() : undefined;
        }
      }
    }
    if (filled > 0 || count === 0) await send(slot, filled, sum);
    else free.push(slot);
    while (running.size > 0) await settleOne();
    stopIfFailed();
    return etags;
  } catch (error) {
    await Promise.allSettled(running);
    throw error;
  }
}
