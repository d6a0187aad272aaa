/**
 * The parts of a multipart upload, with bounded memory and in parallel: the stream is
 * cut into parts of exactly `size` bytes (the last one shorter), copied into a pool of
 * `parallel` reusable buffers, and the parts in them are uploaded at once, a part
 * filling while the others upload. Memory stays at `parallel × size` whatever the length.
 *
 * Why a pool: a fresh buffer per part (Buffer.concat) becomes garbage as soon as its
 * part is sent, and V8 frees such external memory only at its next collection, so the
 * resident set grew by several parts more than were alive (bench: +110 MiB for a 1 GiB
 * stream in 16 MiB parts, one at a time). Why parallel: with one part at a time the
 * client hashes (MD5, SHA-256) while the server waits, then waits while the server stores.
 */

/** Uploads part `number` (1-based); resolves with its ETag. `part` must not be kept after it settles. */
export type PartUploader = (number: number, part: Buffer) => Promise<string>;

/**
 * Uploads `stream` in parts; resolves with the ETags in part order. A stream with no
 * bytes at all is one empty part. On the first failure (of the stream or of a part) it
 * waits for the parts still in flight to settle, then rejects with that failure, so
 * that the caller can abort the upload knowing nothing is still being sent.
 */
export async function uploadInParts(
  stream: AsyncIterable<Buffer>,
  size: number,
  parallel: number,
  upload: PartUploader,
): Promise<string[]> {
  const etags: string[] = [];
  const free: Buffer[] = [];
  const running = new Set<Promise<void>>();
  let allocated = 0;
  let count = 0;

  const launch = (slot: Buffer, length: number): void => {
    const number = ++count;
    const task: Promise<void> = upload(number, slot.subarray(0, length))
      .then((etag) => {
        etags[number - 1] = etag;
      })
      .finally(() => {
        running.delete(task);
        free.push(slot);
      });
    // Observed here so that a part failing while another is awaited is never "unhandled".
    task.catch(() => {});
    running.add(task);
  };
  const acquire = async (): Promise<Buffer> => {
    while (free.length === 0 && allocated >= parallel) await Promise.race(running);
    const slot = free.pop();
    if (slot) return slot;
    allocated++;
    return Buffer.allocUnsafeSlow(size);
  };

  try {
    let slot = await acquire();
    let filled = 0;
    for await (const chunk of stream) {
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(slot, filled, offset, Math.min(chunk.length, offset + size - filled));
        filled += copied;
        offset += copied;
        if (filled === size) {
          launch(slot, filled);
          slot = await acquire();
          filled = 0;
        }
      }
    }
    if (filled > 0 || count === 0) launch(slot, filled);
    else free.push(slot);
    while (running.size > 0) await Promise.race(running);
    return etags;
  } catch (error) {
    await Promise.allSettled(running);
    throw error;
  }
}
