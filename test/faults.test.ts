/**
 * Faults between each object-store driver (minio, s3) and a real MinIO, injected by a
 * TCP proxy (test/support/fault-proxy.ts): resets of requests and of answers, stalls,
 * latency, a stopped server. What must hold (docs/reliability.md):
 *
 * - idempotent operations retry and succeed after a transient fault; a read cut off
 *   half-way resumes where it broke off;
 * - a save cut off anywhere completes on retry, and with retries off either completes
 *   or leaves nothing: no object, no reservation, no unfinished multipart upload;
 * - a save whose answer was lost after the server stored it is stored once, under its
 *   own name (the write token in its metadata tells its object from any other, even
 *   one holding the same bytes);
 * - a byte damaged in transit, in a part or a single PUT, is refused by the server (CRC32,
 *   Content-MD5), sent again and never stored;
 * - a stalled server gives UNAVAILABLE within maxAttempts × requestTimeoutMs (plus
 *   backoff); a stopped one gives UNAVAILABLE, retryable, naming the endpoint;
 * - the secret key shows nowhere: no error, no inspect or JSON, no log line.
 *
 * Every fault is checked to have struck (proxy.stats), so no case passes by missing.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect } from '../contracts/context.js';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import { isStorageError, type StorageError, type StorageErrorCode } from '../src/errors.js';
import { DEFAULT_MAX_ATTEMPTS } from '../src/retry.js';
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
import { captureOutput } from './support/output.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The smallest part size: a 6 MiB save is a two-part upload (5 MiB + 1 MiB). */
const PART_SIZE = 5 * MiB;
const LARGE = 6 * MiB;
/** Where a flip strikes: into the body, past the request line and headers. */
const FLIP_AT = 300 * KiB;
/** The flip cases wait for every answer: only the server's refusal may fail them. */
const PATIENT_TIMEOUT_MS = 60_000;
/** Short, so that stalls cost seconds, not minutes. */
const TIMEOUT_MS = 1_000;
/** The idle limit of the storage without retries, whose faults are resets only. */
const ONCE_TIMEOUT_MS = 60_000;

type Kind = 'minio' | 's3';
type Outcome = 'survived' | 'completed' | 'failed cleanly';

/** One row of the figures printed at the end (docs/reliability.md). */
interface Row {
  driver: Kind;
  fault: string;
  outcome: Outcome;
}

const rows: Row[] = [];
/** Every StorageError the faults produced, searched for the secret key at the end. */
const errors: unknown[] = [];
const logged = captureOutput();

const server = await requireServerOrSkip('s3', 'faults');

if (server) {
  for (const kind of ['minio', 's3'] as const) faults(kind, server);
  secrets(server);
}

function faults(kind: Kind, server: S3ServerInfo): void {
  const test = suite(`${kind}: faults between driver and MinIO`);
  const admin = adminClient(server);
  const bucket = randomBucket(`faults-${kind}`);
  let proxy: FaultProxy;
  let storage: Storage;
  let once: Storage;
  /** As `storage` and `once`, with a timeout no loaded machine reaches: the flip cases time nothing. */
  let patient: Storage;
  let patientOnce: Storage;

  test.before(async () => {
    const url = new URL(server.endpoint);
    proxy = await startFaultProxy({ host: url.hostname, port: Number(url.port) });
    storage = storageVia(kind, server, proxy.host, bucket);
    // Retries off, and no stall among its faults: a long idle limit, so that a loaded
    // server answering a part slowly is never the failure instead of the injected one.
    once = storageVia(kind, server, proxy.host, bucket, { maxAttempts: 1, requestTimeoutMs: ONCE_TIMEOUT_MS });
    patient = storageVia(kind, server, proxy.host, bucket, { requestTimeoutMs: PATIENT_TIMEOUT_MS });
    patientOnce = storageVia(kind, server, proxy.host, bucket, {
      requestTimeoutMs: PATIENT_TIMEOUT_MS,
      maxAttempts: 1,
    });
    await storage.initializeBuckets();
  });
  test.after(async () => {
    await proxy.close();
    await storage.close();
    await once.close();
    await patient.close();
    await patientOnce.close();
    await removeBucket(admin, bucket);
  });

  /** Injects `fault` for `times` connections around `run`, and checks that it struck. */
  async function strike<T>(fault: Fault, run: () => Promise<T>, times = 1): Promise<T> {
    const before = proxy.stats.struck;
    proxy.inject(fault, times);
    try {
      return await run();
    } finally {
      proxy.inject({ kind: 'none' });
      assert.ok(proxy.stats.struck > before, `the fault ${describe(fault)} did not strike`);
    }
  }

  /** Asserts that nothing but `keys` is under `prefix`: no other object, no reservation, no upload. */
  async function assertOnly(prefix: string, keys: string[]): Promise<void> {
    assert.equal(await rawKeys(admin, bucket, prefix), [...keys].sort(), `objects under ${prefix}`);
    assert.equal(await reservations(admin, bucket, prefix), [], `reservations under ${prefix}`);
    assert.equal(await incompleteUploads(admin, bucket, prefix), [], `multipart uploads under ${prefix}`);
  }

  test('idempotent operations (stat, exists, open, listdir, list, size, delete) survive a reset', async () => {
    const bytes = randomBytes(64 * KiB);
    await storage.save('idem/a.bin', bytes);
    const operations: Array<[string, () => Promise<unknown>, (result: unknown) => void]> = [
      ['stat', () => storage.stat('idem/a.bin'), (r) => assert.is((r as { size: number }).size, bytes.length)],
      ['exists', () => storage.exists('idem/a.bin'), (r) => assert.is(r, true)],
      ['open', async () => (await storage.open('idem/a.bin')).bytes(), (r) => assert.ok((r as Buffer).equals(bytes))],
      ['listdir', () => storage.listdir('idem'), (r) => assert.equal(r, { directories: [], files: ['a.bin'] })],
      [
        'list',
        () => collect(storage.list('idem')),
        (r) =>
          assert.equal(
            (r as { name: string }[]).map((f) => f.name),
            ['idem/a.bin'],
          ),
      ],
      ['size', () => storage.size('idem/a.bin'), (r) => assert.is(r, bytes.length)],
    ];
    for (const [name, run, check] of operations) {
      for (const direction of ['up', 'down'] as const) {
        check(await strike({ kind: 'reset', afterBytes: 0, direction }, run));
        rows.push({
          driver: kind,
          fault: `reset ${direction === 'up' ? 'request' : 'answer'}: ${name}`,
          outcome: 'survived',
        });
      }
    }
    for (const direction of ['up', 'down'] as const) {
      await storage.save(`idem/delete-${direction}.txt`, 'x');
      await strike({ kind: 'reset', afterBytes: 0, direction, request: /^DELETE / }, () =>
        storage.delete(`idem/delete-${direction}.txt`),
      );
      rows.push({
        driver: kind,
        fault: `reset ${direction === 'up' ? 'request' : 'answer'}: delete`,
        outcome: 'survived',
      });
    }
    await assertOnly('idem/', ['idem/a.bin']);
  });

  test('a read cut off or stalled half-way resumes where it broke off (If-Match on the same version)', async () => {
    const bytes = randomBytes(3 * MiB);
    await storage.save('read/big.bin', bytes);
    const cut = await strike({ kind: 'reset', afterBytes: MiB, direction: 'down', request: /^GET / }, async () =>
      (await storage.open('read/big.bin')).bytes(),
    );
    assert.ok(cut.equals(bytes), 'bytes after a reset mid-body');
    rows.push({ driver: kind, fault: 'reset answer after 1 MiB: open', outcome: 'survived' });
    const range = { start: 100_000, end: 2_500_000 };
    const part = await strike({ kind: 'reset', afterBytes: 700 * KiB, direction: 'down', request: /^GET / }, async () =>
      (await storage.open('read/big.bin', { range })).bytes(),
    );
    assert.ok(part.equals(bytes.subarray(range.start, range.end + 1)), 'range after a reset mid-body');
    rows.push({ driver: kind, fault: 'reset answer after 700 KiB: open with range', outcome: 'survived' });
    const started = Date.now();
    const stalled = await strike({ kind: 'stall', afterBytes: MiB, request: /^GET / }, async () =>
      (await storage.open('read/big.bin')).bytes(),
    );
    assert.ok(stalled.equals(bytes), 'bytes after a stall mid-body');
    assert.ok(Date.now() - started >= TIMEOUT_MS, 'the stall was waited out, then resumed');
    rows.push({ driver: kind, fault: 'stall answer after 1 MiB: open', outcome: 'survived' });
  });

  test('a save cut off half-way completes on retry, small or multipart', async () => {
    const small = randomBytes(MiB);
    const stored = await strike({ kind: 'reset', afterBytes: 512 * KiB, direction: 'up', request: /^PUT / }, () =>
      storage.save('cut/small.bin', small),
    );
    assert.is(stored, 'cut/small.bin');
    assert.ok((await (await storage.open(stored)).bytes()).equals(small));
    rows.push({ driver: kind, fault: 'reset request mid-body: save (one PUT)', outcome: 'survived' });
    for (const partNumber of [1, 2]) {
      const large = randomBytes(LARGE);
      const name = `cut/large-${partNumber}.bin`;
      const fault: Fault = {
        kind: 'reset',
        afterBytes: 256 * KiB,
        direction: 'up',
        request: new RegExp(`^PUT \\S*partNumber=${partNumber}`),
      };
      assert.is(await strike(fault, () => storage.save(name, streamOf(large))), name);
      assert.ok((await (await storage.open(name)).bytes()).equals(large), name);
      rows.push({ driver: kind, fault: `reset request mid-part ${partNumber}: save (multipart)`, outcome: 'survived' });
    }
    await assertOnly('cut/', ['cut/large-1.bin', 'cut/large-2.bin', 'cut/small.bin']);
  });

  test('a save whose answer was lost after the server stored it is stored once, under its name', async () => {
    const points: Array<[string, RegExp, number, boolean]> = [
      // [what, request, answer bytes let through, multipart]
      ['one PUT', /^PUT \S*lost\/0/, 0, false],
      // The reservation: the key's first PUT, without a query (the AWS SDK adds ?x-id=PutObject).
      ['reservation PUT', /^PUT [^?\s]*lost\/1[^?\s]*(\?x-id=PutObject)? HTTP/, 0, true],
      ['CreateMultipartUpload', /^POST \S*\?uploads/, 0, true],
      ['UploadPart 2', /^PUT \S*partNumber=2/, 0, true],
      ['CompleteMultipartUpload', /^POST \S*uploadId=/, 0, true],
    ];
    const names: string[] = [];
    for (const [index, [what, request, afterBytes, multipart]] of points.entries()) {
      const bytes = randomBytes(multipart ? LARGE : 200 * KiB);
      const name = `lost/${multipart ? 1 : 0}-${index}.bin`;
      const stored = await strike({ kind: 'reset', afterBytes, direction: 'down', request }, () =>
        storage.save(name, multipart ? streamOf(bytes) : bytes),
      );
      assert.is(stored, name, `${what}: no second name`);
      assert.ok((await (await storage.open(name)).bytes()).equals(bytes), `${what}: bytes`);
      names.push(name);
      rows.push({ driver: kind, fault: `answer lost: ${what}`, outcome: 'survived' });
    }
    await assertOnly('lost/', names);
  });

  test('a lost 412 is never taken for this save: the same bytes already stored by another save', async () => {
    // Another save stored these very bytes under the name; this save's refusal (412) is
    // lost, its retry meets 412 again, and the name's ETag is the MD5 of its own bytes.
    // Only the write token tells the object is not its own: it moves on to a name of its own.
    const bytes = randomBytes(64 * KiB);
    assert.is(await storage.save('same/x.bin', bytes), 'same/x.bin');
    const fault: Fault = { kind: 'reset', afterBytes: 0, direction: 'down', request: /^PUT \S*same\/x\.bin/ };
    const second = await strike(fault, () => storage.save('same/x.bin', bytes));
    assert.is.not(second, 'same/x.bin', 'a second save of the same bytes was told it stored the first one');
    assert.ok((await (await storage.open(second)).bytes()).equals(bytes));
    await assertOnly('same/', ['same/x.bin', second].sort());
    rows.push({ driver: kind, fault: 'answer lost: a 412, the name holding the same bytes', outcome: 'survived' });
  });

  test('a completion whose answer and whose check were both lost is still found stored, under its name', async () => {
    // Every completion attempt (the first lands) and every HEAD of the check after them
    // lose their answers; the save asks once more for its own write token before it
    // releases its name, and finds the object there.
    const bytes = randomBytes(LARGE);
    const fault: Fault = {
      kind: 'reset',
      afterBytes: 0,
      direction: 'down',
      request: /^(POST \S*uploadId=|HEAD \S*answer\/)/,
    };
    const stored = await strike(
      fault,
      () => storage.save('answer/large.bin', streamOf(bytes)),
      2 * DEFAULT_MAX_ATTEMPTS,
    );
    assert.is(stored, 'answer/large.bin');
    assert.ok((await (await storage.open(stored)).bytes()).equals(bytes));
    await assertOnly('answer/', [stored]);
    rows.push({ driver: kind, fault: 'answer lost: every completion and its check', outcome: 'survived' });
  });

  test('a server that ignores If-None-Match is found out before the first save: refused, never overwritten', async () => {
    // The proxy answers 200 where MinIO refuses with 412, as such a server would (one
    // that overwrites). A storage with conditionalWrites unset probes the bucket first.
    assert.is(await storage.save('ignored/taken.txt', 'first'), 'ignored/taken.txt');
    const probed = storageVia(kind, server, proxy.host, bucket);
    const fallback = storageVia(kind, server, proxy.host, bucket, { conditionalWrites: false });
    try {
      const refused = await strike({ kind: 'ignoreConditions' }, () =>
        expectError(probed.save('ignored/taken.txt', 'second'), 'UNSUPPORTED', 'a save where If-None-Match is ignored'),
      );
      assert.match(refused.message, /ignores If-None-Match/);
      assert.match(
        refused.message,
        new RegExp(`conditionalWrites: false \\(${kind.toUpperCase()}_CONDITIONAL_WRITES=false\\)`),
      );
      // The verdict is kept: the next save is refused without asking again.
      await expectError(probed.save('ignored/other.txt', 'x'), 'UNSUPPORTED', 'the next save');
      assert.is(probed.capabilities.conditionalCreate, true);
      // conditionalWrites: false checks, then writes: another name, the first object intact.
      assert.is(fallback.capabilities.conditionalCreate, false);
      const name = await fallback.save('ignored/taken.txt', 'third');
      assert.is.not(name, 'ignored/taken.txt');
      assert.is(await (await storage.open('ignored/taken.txt')).text(), 'first');
      assert.is(await (await storage.open(name)).text(), 'third');
      await assertOnly('ignored/', ['ignored/taken.txt', name].sort());
      assert.equal(await rawKeys(admin, bucket, '.stowage'), [], 'the probe removed its object');
    } finally {
      await probed.close();
      await fallback.close();
    }
    rows.push({ driver: kind, fault: 'If-None-Match ignored: probed, saves refused', outcome: 'failed cleanly' });
  });

  test('with retries off, a save cut off anywhere completes or leaves nothing behind', async () => {
    const points: Array<[string, Fault, boolean]> = [
      ['one PUT: request cut', { kind: 'reset', afterBytes: 100 * KiB, direction: 'up', request: /^PUT / }, false],
      ['one PUT: answer lost', { kind: 'reset', afterBytes: 0, direction: 'down', request: /^PUT / }, false],
      ['reservation: request cut', { kind: 'reset', afterBytes: 0, direction: 'up', request: /^PUT / }, true],
      ['reservation: answer lost', { kind: 'reset', afterBytes: 0, direction: 'down', request: /^PUT / }, true],
      ['initiate: answer lost', { kind: 'reset', afterBytes: 0, direction: 'down', request: /\?uploads/ }, true],
      ['part 1: request cut', { kind: 'reset', afterBytes: MiB, direction: 'up', request: /partNumber=1/ }, true],
      ['part 2: answer lost', { kind: 'reset', afterBytes: 0, direction: 'down', request: /partNumber=2/ }, true],
      ['complete: request cut', { kind: 'reset', afterBytes: 0, direction: 'up', request: /^POST \S*uploadId=/ }, true],
      [
        'complete: answer lost',
        { kind: 'reset', afterBytes: 0, direction: 'down', request: /^POST \S*uploadId=/ },
        true,
      ],
    ];
    for (const [index, [what, fault, multipart]] of points.entries()) {
      const prefix = `once/${index}/`;
      const bytes = randomBytes(multipart ? LARGE : 300 * KiB);
      const content = multipart ? streamOf(bytes) : bytes;
      const result = await strike(fault, () => once.save(`${prefix}file.bin`, content)).catch((error: unknown) => {
        errors.push(error);
        return error;
      });
      if (typeof result === 'string') {
        assert.is(result, `${prefix}file.bin`, what);
        assert.ok((await (await storage.open(result)).bytes()).equals(bytes), `${what}: bytes`);
        await assertOnly(prefix, [result]);
        rows.push({ driver: kind, fault: `retries off, ${what}`, outcome: 'completed' });
      } else {
        assert.ok(isStorageError(result, 'UNAVAILABLE'), `${what}: ${inspect(result)}`);
        assert.ok(result.retryable, `${what}: retryable`);
        await assertOnly(prefix, []);
        rows.push({ driver: kind, fault: `retries off, ${what}`, outcome: 'failed cleanly' });
      }
    }
  });

  test('a stalled server gives UNAVAILABLE within maxAttempts × requestTimeoutMs, never hangs', async () => {
    const stallable = storageVia(kind, server, proxy.host, bucket, { maxAttempts: 2 });
    await stallable.save('stall/exists.txt', 'x');
    // Two attempts timed out, one backoff of at most 100 ms, and for a save one check
    // whether the last attempt landed; the rest is slack for a busy machine.
    const limits = { read: 2 * TIMEOUT_MS + 100 + 1_500, write: 3 * TIMEOUT_MS + 100 + 1_500 };
    const runs: Array<[string, () => Promise<unknown>, number]> = [
      ['stat', () => stallable.stat('stall/exists.txt'), limits.read],
      ['open', () => stallable.open('stall/exists.txt'), limits.read],
      ['listdir', () => stallable.listdir('stall'), limits.read],
      ['save', () => stallable.save('stall/new.txt', randomBytes(10 * KiB)), limits.write],
    ];
    for (const [name, run, limit] of runs) {
      const started = Date.now();
      await strike({ kind: 'stall' }, () => expectError(run(), 'UNAVAILABLE', `stalled ${name}`), 10);
      const elapsed = Date.now() - started;
      assert.ok(elapsed <= limit, `${name}: ${elapsed} ms > ${limit} ms`);
      assert.ok(elapsed >= TIMEOUT_MS, `${name}: gave up after ${elapsed} ms, before the timeout`);
      rows.push({ driver: kind, fault: `stall every connection: ${name} (${elapsed} ms)`, outcome: 'failed cleanly' });
    }
    await stallable.close();
  });

  test('a stopped server gives UNAVAILABLE, retryable, naming the endpoint; a brief outage is ridden out', async () => {
    const gone = await startFaultProxy({ host: '127.0.0.1', port: 1 });
    await gone.close();
    const stopped = storageVia(kind, server, gone.host, bucket);
    const runs: Array<[string, () => Promise<unknown>]> = [
      ['stat', () => stopped.stat('a.txt')],
      ['open', () => stopped.open('a.txt')],
      ['save', () => stopped.save('a.txt', 'x')],
      ['listdir', () => stopped.listdir('')],
      ['delete', () => stopped.delete('a.txt')],
    ];
    for (const [name, run] of runs) {
      const started = Date.now();
      const error = await expectError(run(), 'UNAVAILABLE', `stopped server: ${name}`);
      assert.ok(error.retryable, `${name}: retryable`);
      assert.ok(error.message.includes(gone.host), `${name}: ${error.message}`);
      assert.ok(Date.now() - started < 3_000, `${name}: ${Date.now() - started} ms`);
      rows.push({ driver: kind, fault: `server stopped: ${name}`, outcome: 'failed cleanly' });
    }
    await stopped.close();
    await storage.save('outage/there.txt', 'still here');
    // A restart: every connection (kept-alive ones too) is dropped, and the next is refused.
    const text = await strike({ kind: 'refuse' }, async () => {
      proxy.disconnect();
      return (await storage.open('outage/there.txt')).text();
    });
    assert.is(text, 'still here');
    rows.push({ driver: kind, fault: 'restart: connections dropped, next refused: open', outcome: 'survived' });
  });

  test('latency on every packet slows operations down but breaks nothing', async () => {
    proxy.inject({ kind: 'latency', ms: 20 });
    try {
      const bytes = randomBytes(256 * KiB);
      const name = await storage.save('slow/file.bin', bytes);
      assert.ok((await (await storage.open(name)).bytes()).equals(bytes));
      assert.equal((await storage.listdir('slow')).files, ['file.bin']);
    } finally {
      proxy.inject({ kind: 'none' });
    }
    rows.push({ driver: kind, fault: 'latency 20 ms per chunk: save, open, listdir', outcome: 'survived' });
  });

  // Integrity: parts go with a CRC32 and an unsigned payload (src/object-store/write.ts,
  // sendPart), single PUTs with their Content-MD5; a byte damaged in transit must be
  // refused by the server, sent again, and never stored.
  const part = (number: number): RegExp => new RegExp(`^PUT \\S+partNumber=${number}&uploadId=`);

  test('queueSize parts of an upload are in flight at once, and no more', async () => {
    for (const queueSize of [2, 3]) {
      const wide = storageVia(kind, server, proxy.host, bucket, { requestTimeoutMs: PATIENT_TIMEOUT_MS, queueSize });
      const bytes = randomBytes((queueSize + 2) * PART_SIZE);
      const name = `queue/${queueSize}.bin`;
      // Holds the answers of more parts than the queue: the next part may go only once one is answered.
      const held = proxy.holdAnswers(/^PUT \S*partNumber=/, queueSize + 1);
      const saved = wide.save(name, streamOf(bytes));
      saved.catch(() => {});
      try {
        for (let waited = 0; held.held < queueSize && waited < 20_000; waited += 10) await sleep(10);
        assert.is(held.held, queueSize, `queueSize ${queueSize}: parts in flight`);
        // Time for a part beyond the queue to be sent, if one were.
        await sleep(500);
        assert.is(held.held, queueSize, `queueSize ${queueSize}: a part sent while none was answered`);
      } finally {
        held.cut();
      }
      assert.is(await saved, name);
      assert.ok((await (await wide.open(name)).bytes()).equals(bytes), `queueSize ${queueSize}: the bytes saved`);
      await wide.close();
    }
    await assertOnly('queue/', ['queue/2.bin', 'queue/3.bin']);
  });

  test('a byte flipped in a part is refused and the part sent again; the object holds the bytes saved', async () => {
    for (const number of [1, 2]) {
      const bytes = randomBytes(LARGE);
      const name = `flip/part-${number}.bin`;
      const fault: Fault = { kind: 'flip', afterBytes: FLIP_AT, request: part(number) };
      assert.is(await strike(fault, () => patient.save(name, streamOf(bytes))), name);
      assert.ok((await (await patient.open(name)).bytes()).equals(bytes), `part ${number}: the bytes saved`);
    }
    await assertOnly('flip/', ['flip/part-1.bin', 'flip/part-2.bin']);
    rows.push({ driver: kind, fault: 'byte flipped in a part', outcome: 'survived' });
  });

  test('a byte flipped in a single PUT is refused and the PUT sent again', async () => {
    const bytes = randomBytes(MiB);
    const name = await strike({ kind: 'flip', afterBytes: FLIP_AT, request: /^PUT / }, () =>
      patient.save('flip-single/a.bin', bytes),
    );
    assert.ok((await (await patient.open(name)).bytes()).equals(bytes));
    rows.push({ driver: kind, fault: 'byte flipped in a single PUT', outcome: 'survived' });
  });

  // A body of known length longer than a part goes as one streamed PUT (write.ts putStreamed).
  const streamedFaults: Array<[string, Fault]> = [
    ['byte flipped', { kind: 'flip', afterBytes: FLIP_AT, request: /^PUT / }],
    ['connection cut', { kind: 'reset', afterBytes: FLIP_AT, direction: 'up', request: /^PUT / }],
  ];

  test('a streamed PUT of a Blob that fails is sent again and stored once; a one-shot stream fails cleanly', async () => {
    for (const [index, [what, fault]] of streamedFaults.entries()) {
      const bytes = randomBytes(LARGE);
      // A Blob reads again from its start: the failed PUT is sent again by the retry policy.
      const name = await strike(fault, () => patient.save(`streamed/blob-${index}.bin`, new Blob([bytes])));
      assert.is(name, `streamed/blob-${index}.bin`, `${what}: no second name`);
      assert.ok((await (await patient.open(name)).bytes()).equals(bytes), `${what}: the bytes saved`);
      rows.push({ driver: kind, fault: `${what} in a streamed PUT (Blob): sent again`, outcome: 'survived' });
      // A Node stream of declared size cannot be read twice: the save fails and leaves nothing.
      const error = await strike(fault, () =>
        expectError(
          patient.save(`streamed/once-${index}.bin`, streamOf(bytes), { size: bytes.length }),
          'UNAVAILABLE',
          `${what}: one-shot streamed PUT`,
        ),
      );
      assert.ok(error.retryable, `${what}: retryable`);
      rows.push({ driver: kind, fault: `${what} in a streamed PUT (one-shot stream)`, outcome: 'failed cleanly' });
    }
    await assertOnly('streamed/', ['streamed/blob-0.bin', 'streamed/blob-1.bin']);
    // The next save of a one-shot stream streams again and is stored exactly.
    const bytes = randomBytes(LARGE);
    const name = await patient.save('streamed/once-0.bin', streamOf(bytes), { size: bytes.length });
    assert.ok((await (await patient.open(name)).bytes()).equals(bytes));
  });

  test('with retries off, a byte flipped in a part fails the save and leaves nothing', async () => {
    const fault: Fault = { kind: 'flip', afterBytes: FLIP_AT, request: part(2) };
    const error = await strike(fault, () =>
      expectError(patientOnce.save('flip-off/a.bin', streamOf(randomBytes(LARGE))), 'UNAVAILABLE', 'damaged part'),
    );
    assert.match(error.message, /damaged/);
    await assertOnly('flip-off/', []);
    rows.push({ driver: kind, fault: 'byte flipped in a part, retries off', outcome: 'failed cleanly' });
  });

  test.run();
}

/** The secret key never shows in anything the faults produced: errors, inspect, JSON, output. */
function secrets(server: S3ServerInfo): void {
  const test = suite('faults: the secret key shows nowhere');
  test('no error message, stack, inspect or JSON, and no line written, contains the secret key', () => {
    assert.ok(errors.length >= 20, `errors collected: ${errors.length}`);
    for (const error of errors) {
      const texts = [
        (error as Error).message,
        (error as Error).stack ?? '',
        inspect(error, { depth: 8, showHidden: true }),
        JSON.stringify(error),
      ];
      for (const text of texts) assert.not.ok(text.includes(server.secretKey), text.slice(0, 500));
    }
    const output = logged.join('');
    assert.not.ok(output.includes(server.secretKey), 'the secret key was written to stdout or stderr');
  });
  test('figures', () => {
    const survived = rows.filter((row) => row.outcome === 'survived').length;
    const completed = rows.filter((row) => row.outcome === 'completed').length;
    const clean = rows.filter((row) => row.outcome === 'failed cleanly').length;
    console.log(`\n[reliability] faults: ${errors.length} errors searched for the secret key, none shows it`);
    console.log(
      `[reliability] faults: ${rows.length} injected; ${survived} survived by retry, ${completed} completed with retries off, ${clean} failed cleanly (UNAVAILABLE, nothing left); 0 lost or duplicated`,
    );
    for (const row of rows)
      console.log(`[reliability]   ${row.driver.padEnd(5)} ${row.outcome.padEnd(14)} ${row.fault}`);
  });
  test.run();
}

function storageVia(
  kind: Kind,
  server: S3ServerInfo,
  host: string,
  bucket: string,
  extra: { maxAttempts?: number; requestTimeoutMs?: number; conditionalWrites?: boolean; queueSize?: number } = {},
): Storage {
  const common = { bucket, privateBuckets: [bucket], partSize: PART_SIZE, requestTimeoutMs: TIMEOUT_MS, ...extra };
  return kind === 'minio'
    ? createMinioStorage({ ...minioConnection(server, host), ...common })
    : createS3Storage({ ...s3Connection(server, `http://${host}`), ...common });
}

/** Asserts that `promise` rejects with `code`; keeps the error for the secrets check. */
async function expectError(promise: Promise<unknown>, code: StorageErrorCode, what: string): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    errors.push(error);
    assert.ok(isStorageError(error, code), `${what}: expected ${code}, got ${inspect(error)}`);
    return error;
  }
  assert.unreachable(`${what}: expected ${code}`);
  throw new Error('unreachable');
}

/** A stream of `bytes` in 256 KiB chunks: a save of more than one part goes multipart. */
function streamOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 256 * KiB)
    chunks.push(bytes.subarray(offset, offset + 256 * KiB));
  return Readable.from(chunks);
}

function describe(fault: Fault): string {
  return JSON.stringify(fault, (_key, value: unknown) => (value instanceof RegExp ? String(value) : value));
}
