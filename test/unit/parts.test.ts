import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32Base64 } from '../../src/object-store/aws-chunked.js';
import { MAX_PART_SIZE, readHead } from '../../src/object-store.js';
import { partSizeFor, uploadInParts } from '../../src/parts.js';

const test = suite('uploadInParts');

async function* chunks(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

test('cuts the stream into parts of exactly the size, in order, whatever the chunking', async () => {
  const data = randomBytes(10_000);
  for (const chunk of [1, 7, 999, 1000, 1001, 4096, 20_000]) {
    const seen: Buffer[] = [];
    const etags = await uploadInParts(chunks(data, chunk), 1000, 3, async (number, part) => {
      await sleep(Math.random() * 3);
      seen[number - 1] = Buffer.from(part);
      return `etag-${number}`;
    });
    assert.equal(
      seen.map((p) => p.length),
      Array(10).fill(1000),
    );
    assert.ok(Buffer.concat(seen).equals(data), `chunks of ${chunk}`);
    assert.equal(
      etags,
      Array.from({ length: 10 }, (_, i) => `etag-${i + 1}`),
    );
  }
});

test("each part's CRC32 is summed as it fills, across chunk boundaries, only when asked for", async () => {
  const data = randomBytes(2500);
  for (const chunk of [1, 300, 1000, 4096]) {
    const sums: Array<[string | undefined, string]> = [];
    await uploadInParts(
      chunks(data, chunk),
      1000,
      2,
      async (_, part, crc32) => {
        sums.push([crc32, crc32Base64(part)]);
        return 'e';
      },
      true,
    );
    assert.is(sums.length, 3, `chunks of ${chunk}`);
    for (const [given, actual] of sums) assert.is(given, actual, `chunks of ${chunk}`);
  }
  const given: Array<string | undefined> = [];
  await uploadInParts(chunks(data, 300), 1000, 2, async (_, __, crc32) => {
    given.push(crc32);
    return 'e';
  });
  assert.equal(given, [undefined, undefined, undefined]);
});

test('the last part is shorter; an empty stream is one empty part', async () => {
  const lengths: number[] = [];
  await uploadInParts(chunks(randomBytes(2500), 300), 1000, 2, async (_, part) => {
    lengths.push(part.length);
    return 'e';
  });
  assert.equal(
    lengths.sort((a, b) => a - b),
    [500, 1000, 1000],
  );
  const empty: number[] = [];
  const etags = await uploadInParts(chunks(Buffer.alloc(0), 1), 1000, 2, async (_, part) => {
    empty.push(part.length);
    return 'x';
  });
  assert.equal(etags, ['x']);
  assert.equal(empty, [0]);
});

test('at most `parallel` parts in flight, the next one filling in one more buffer and sent as one is done', async () => {
  let inFlight = 0;
  let most = 0;
  const buffers = new Set<ArrayBufferLike>();
  const waits: number[] = [];
  let lastDone = 0;
  await uploadInParts(chunks(randomBytes(64_000), 512), 1000, 3, async (number, part) => {
    buffers.add(part.buffer);
    most = Math.max(most, ++inFlight);
    // From the fourth part on, each starts when one in flight is done: it was full already.
    if (number > 3) waits.push(performance.now() - lastDone);
    await sleep(2);
    inFlight--;
    lastDone = performance.now();
    return 'e';
  });
  assert.is(most, 3);
  assert.is(buffers.size, 4, `${buffers.size} buffers`);
  waits.sort((a, b) => a - b);
  assert.ok(
    (waits[Math.floor(waits.length / 2)] as number) < 1,
    `median wait ${waits[Math.floor(waits.length / 2)]} ms`,
  );
});

test('a failed part rejects after the parts in flight have settled, and no part starts after it', async () => {
  const events: string[] = [];
  const failure = new Error('part 2 failed');
  const started: number[] = [];
  try {
    await uploadInParts(chunks(randomBytes(10_000), 100), 1000, 2, async (number) => {
      started.push(number);
      if (number === 2) {
        await sleep(1);
        throw failure;
      }
      await sleep(number === 3 ? 20 : 0);
      events.push(`done ${number}`);
      return 'e';
    });
    assert.unreachable('should reject');
  } catch (error) {
    assert.is(error, failure);
    events.push('rejected');
  }
  assert.is(events.at(-1), 'rejected', events.join(', '));
  assert.ok(events.includes('done 3') || !started.includes(3), 'part 3 settled before the rejection');
  assert.ok(Math.max(...started) <= 3, `parts started: ${started.join(',')}`);
});

/** Uploads `source` in 1000-byte parts, 2 in flight, with part 1 failing; asserts the upload rejects with that failure and returns the parts started. */
async function partsStartedWhenPartOneFails(source: AsyncIterable<Buffer>, failure: Error): Promise<number[]> {
  const started: number[] = [];
  try {
    await uploadInParts(source, 1000, 2, async (number) => {
      started.push(number);
      if (number === 1) throw failure;
      return 'e';
    });
    assert.unreachable('should reject');
  } catch (error) {
    assert.is(error, failure);
  }
  return started;
}

test('a part that fails while the source is slow to give its next chunk fails the upload', async () => {
  const failure = new Error('part 1 failed');
  async function* slow(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 10; i++) {
      await sleep(5);
      yield randomBytes(1000);
    }
  }
  const started = await partsStartedWhenPartOneFails(slow(), failure);
  assert.ok(Math.max(...started) <= 3, `parts started after the failure: ${started.join(',')}`);
});

test('a part that fails while the source ends sends no last part after it', async () => {
  const failure = new Error('part 1 failed');
  async function* ending(): AsyncGenerator<Buffer> {
    yield randomBytes(1500);
    await sleep(5);
  }
  assert.equal(await partsStartedWhenPartOneFails(ending(), failure), [1]);
});

test('a failing source rejects with its error after the parts in flight have settled', async () => {
  const boom = new Error('source broke');
  async function* broken(): AsyncGenerator<Buffer> {
    yield randomBytes(2500);
    throw boom;
  }
  let settled = 0;
  try {
    await uploadInParts(broken(), 1000, 2, async () => {
      await sleep(5);
      settled++;
      return 'e';
    });
    assert.unreachable('should reject');
  } catch (error) {
    assert.is(error, boom);
  }
  assert.is(settled, 2);
});

test('parts double in size after every 1,000, so an unknown length is not capped at 10,000 parts', async () => {
  assert.is(partSizeFor(1, 8), 8);
  assert.is(partSizeFor(1000, 8), 8);
  assert.is(partSizeFor(1001, 8), 16);
  assert.is(partSizeFor(10_000, 8 * 1024 * 1024), 8 * 1024 * 1024 * 512);
  assert.is(partSizeFor(10_000, 16 * 1024 * 1024), MAX_PART_SIZE);
  const data = randomBytes(2500);
  const seen: Buffer[] = [];
  await uploadInParts(chunks(data, 7), 1, 2, async (number, part) => {
    seen[number - 1] = Buffer.from(part);
    return String(number);
  });
  assert.equal(
    seen.map((part) => part.length),
    [...Array(1000).fill(1), ...Array(750).fill(2)],
  );
  assert.ok(Buffer.concat(seen).equals(data));
});

test('readHead: a short stream is its head; a longer one is replayed whole, and destroying it releases the source', async () => {
  const data = randomBytes(10_000);
  const short = await readHead(Readable.from([data.subarray(0, 10), data.subarray(10, 100)]), 1000);
  assert.ok(short.head?.equals(data.subarray(0, 100)));
  assert.is(short.rest, undefined);

  const long = await readHead(Readable.from(chunks(data, 300)), 1000);
  assert.is(long.head, undefined);
  const replayed: Buffer[] = [];
  for await (const chunk of long.rest ?? []) replayed.push(chunk);
  assert.ok(Buffer.concat(replayed).equals(data));

  const source = Readable.from(chunks(data, 300));
  const cut = await readHead(source, 1000);
  cut.rest?.destroy();
  await sleep(1);
  assert.ok(source.destroyed, 'the source is released');
});

test.run();
