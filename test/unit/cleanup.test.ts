/**
 * The cleanup rules (src/object-store/cleanup.ts) over a request-level stub of the
 * transport, for the cases a real server cannot be made to show quickly: an upload older
 * than the threshold whose newest part is recent (still being written), a reservation
 * replaced by its completed upload between the listing and the delete (412), and keys
 * outside the prefix. test/gc.test.ts covers a killed writer on a real MinIO.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanup } from '../../src/object-store/cleanup.js';
import { Requests } from '../../src/object-store/requests.js';
import type { ListedObject, ObjectTransport } from '../../src/object-store/transport.js';
import { PENDING_METADATA } from '../../src/object-store.js';

const test = suite('cleanup');
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

interface Upload {
  key: string;
  uploadId: string;
  initiated: Date;
  parts: Date[];
}

function stub(objects: ListedObject[], uploads: Upload[], replaced: Set<string> = new Set()) {
  const calls: string[] = [];
  const transport = {
    driver: 'stub',
    endpoint: 'stub',
    headNamesMissingBucket: true,
    errorRules: {},
    errorFacts: (error: unknown) => error as { code: string; status: number },
    async list() {
      return { objects, prefixes: [] };
    },
    async listUploads(_bucket: string, prefix: string) {
      return { uploads: uploads.filter((u) => u.key.startsWith(prefix)) };
    },
    async listParts(_bucket: string, key: string, uploadId: string) {
      const upload = uploads.find((u) => u.key === key && u.uploadId === uploadId);
      return {
        parts: (upload?.parts ?? []).map((lastModified, i) => ({ number: i + 1, etag: 'e', size: 1, lastModified })),
      };
    },
    async abortUpload(_bucket: string, key: string, uploadId: string) {
      calls.push(`abort ${key} ${uploadId}`);
    },
    async delete(_bucket: string, key: string, conditions: { ifMatch?: string }) {
      if (replaced.has(key)) throw { code: 'PreconditionFailed', status: 412 };
      calls.push(`delete ${key} if-match ${conditions.ifMatch}`);
    },
  } as unknown as ObjectTransport;
  const requests = new Requests(transport, { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, 'b', []);
  return { target: { requests, bucket: 'b', keyPrefix: 'app/' }, calls };
}

const reservation = (key: string, age: number): ListedObject => ({
  key,
  size: 0,
  lastModified: ago(age),
  etag: `"etag-${key}"`,
  metadata: { [PENDING_METADATA]: 'token' },
});

test('an old upload still receiving parts, and its reservation, are kept; a dead one is removed', async () => {
  const { target, calls } = stub(
    [reservation('app/slow.bin', 30 * HOUR), reservation('app/dead.bin', 30 * HOUR)],
    [
      { key: 'app/slow.bin', uploadId: 's', initiated: ago(30 * HOUR), parts: [ago(29 * HOUR), ago(60_000)] },
      { key: 'app/dead.bin', uploadId: 'd', initiated: ago(30 * HOUR), parts: [ago(29 * HOUR)] },
    ],
  );
  const report = await cleanup(target);
  assert.equal(calls, ['abort app/dead.bin d', 'delete app/dead.bin if-match "etag-app/dead.bin"']);
  assert.equal(
    report.uploads.map((u) => u.name),
    ['dead.bin'],
  );
  assert.equal(
    report.reservations.map((r) => r.name),
    ['dead.bin'],
  );
  assert.equal(
    report.kept.map((k) => [k.kind, k.name, k.reason]),
    [
      ['upload', 'slow.bin', 'still being written'],
      ['reservation', 'slow.bin', 'its upload is still being written'],
    ],
  );
});

test('a reservation replaced meanwhile (412 on If-Match) is kept; young ones, other objects and other prefixes are not touched', async () => {
  const { target, calls } = stub(
    [
      reservation('app/done.bin', 30 * HOUR),
      reservation('app/young.bin', HOUR),
      reservation('other/x.bin', 30 * HOUR),
      { key: 'app/empty.txt', size: 0, lastModified: ago(30 * HOUR), etag: '"e"', metadata: {} },
      { key: 'app/full.txt', size: 5, lastModified: ago(30 * HOUR), etag: '"f"', metadata: {} },
    ],
    [{ key: 'other/x.bin', uploadId: 'o', initiated: ago(30 * HOUR), parts: [] }],
    new Set(['app/done.bin']),
  );
  const report = await cleanup(target);
  assert.equal(calls, []);
  assert.equal(
    report.kept.map((k) => [k.name, k.reason]),
    [
      ['done.bin', 'replaced by its completed upload'],
      ['young.bin', 'younger than the threshold'],
    ],
  );
  const dry = await cleanup(stub([reservation('app/old.bin', 30 * HOUR)], []).target, {
    dryRun: true,
    olderThan: HOUR,
  });
  assert.equal(
    dry.reservations.map((r) => r.name),
    ['old.bin'],
  );
  assert.is(dry.dryRun, true);
});

test.run();
