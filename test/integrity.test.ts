/**
 * Integrity of what each object-store driver (minio, s3) sends to a real MinIO: a byte
 * flipped in transit (test/support/fault-proxy.ts) inside a part, or inside a single
 * PUT, must be refused by the server (the part's CRC32, the body's Content-MD5), sent
 * again, and never stored; with retries off the save fails and leaves nothing behind.
 * Parts go with a CRC32 and an unsigned payload (src/object-store/write.ts, sendPart):
 * this is what shows that no byte of a part goes unchecked.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import { isStorageError } from '../src/errors.js';
import type { Storage } from '../src/storage.js';
import { type Fault, type FaultProxy, startFaultProxy } from './support/fault-proxy.js';
import {
  adminClient,
  incompleteUploads,
  minioConnection,
  randomBucket,
  rawKeys,
  removeBucket,
  reservations,
  s3Connection,
} from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The smallest part size: a 6 MiB save is a two-part upload (5 MiB + 1 MiB). */
const PART_SIZE = 5 * MiB;
/** Into the body, past any request line and headers. */
const FLIP_AT = 300 * KiB;

const server = await requireServerOrSkip('s3', 'integrity');
if (server) for (const kind of ['minio', 's3'] as const) integrity(kind, server);

function integrity(kind: 'minio' | 's3', server: S3ServerInfo): void {
  const test = suite(`${kind}: a byte damaged on the way to MinIO`);
  const admin = adminClient(server);
  const bucket = randomBucket(`integrity-${kind}`);
  let proxy: FaultProxy;
  let storage: Storage;
  let once: Storage;

  test.before(async () => {
    const url = new URL(server.endpoint);
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) });
    storage = storageVia(kind, server, proxy.host, bucket);
    once = storageVia(kind, server, proxy.host, bucket, { maxAttempts: 1 });
    await storage.initializeBuckets();
  });
  test.after(async () => {
    await proxy.close();
    await storage.close();
    await once.close();
    await removeBucket(admin, bucket);
  });

  /** Injects `fault` once around `run`, and checks that it struck. */
  async function strike<T>(fault: Fault, run: () => Promise<T>): Promise<T> {
    const before = proxy.stats.struck;
    proxy.inject(fault, 1);
    try {
      return await run();
    } finally {
      proxy.inject({ kind: 'none' });
      assert.is(proxy.stats.struck, before + 1, 'the flip struck once');
    }
  }

  const part = (number: number): RegExp => new RegExp(`^PUT \\S+partNumber=${number}&uploadId=`);

  test('a damaged part is refused and sent again; the object holds exactly the bytes saved', async () => {
    for (const number of [1, 2]) {
      const bytes = randomBytes(6 * MiB);
      const name = `parts/damaged-${number}.bin`;
      const stored = await strike({ kind: 'flip', afterBytes: FLIP_AT, request: part(number) }, () =>
        storage.save(name, streamOf(bytes)),
      );
      assert.is(stored, name);
      const file = await storage.open(name);
      assert.ok((await file.bytes()).equals(bytes), `part ${number}: the stored bytes are the ones saved`);
    }
    assert.equal(await incompleteUploads(admin, bucket, 'parts/'), []);
  });

  test('a damaged single PUT is refused and sent again', async () => {
    const bytes = randomBytes(1 * MiB);
    const stored = await strike({ kind: 'flip', afterBytes: FLIP_AT, request: /^PUT / }, () =>
      storage.save('single/damaged.bin', bytes),
    );
    assert.ok((await (await storage.open(stored)).bytes()).equals(bytes));
  });

  test('with retries off, a damaged part fails the save and nothing is stored', async () => {
    const bytes = randomBytes(6 * MiB);
    let failure: unknown;
    await strike({ kind: 'flip', afterBytes: FLIP_AT, request: part(2) }, () =>
      once.save('off/damaged.bin', streamOf(bytes)).catch((error: unknown) => {
        failure = error;
      }),
    );
    assert.ok(isStorageError(failure, 'UNAVAILABLE'), `expected UNAVAILABLE, got ${String(failure)}`);
    assert.match((failure as Error).message, /damaged/);
    assert.equal(await rawKeys(admin, bucket, 'off/'), []);
    assert.equal(await reservations(admin, bucket, 'off/'), []);
    assert.equal(await incompleteUploads(admin, bucket, 'off/'), []);
  });

  test.run();
}

function storageVia(
  kind: 'minio' | 's3',
  server: S3ServerInfo,
  host: string,
  bucket: string,
  extra: { maxAttempts?: number } = {},
): Storage {
  const common = { bucket, privateBuckets: [bucket], partSize: PART_SIZE, ...extra };
  return kind === 'minio'
    ? createMinioStorage({ ...minioConnection(server, host), ...common })
    : createS3Storage({ ...s3Connection(server, `http://${host}`), ...common });
}

/** A stream of `bytes` in 256 KiB chunks: a save of more than one part goes multipart. */
function streamOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 256 * KiB)
    chunks.push(bytes.subarray(offset, offset + 256 * KiB));
  return Readable.from(chunks);
}
