/**
 * Both object-store drivers on a distributed MinIO losing nodes: 4 nodes × 2 drives,
 * erasure-coded across the 8 drives (test/support/minio-cluster.ts: write quorum 5 drives,
 * read quorum 4). The clients talk to node 1.
 *
 * - Node 3 is SIGKILLed while 200 saves of one name race, a 1 GiB stream is saved and
 *   stored objects are read, and restarted afterwards: every save ends stored exactly once
 *   under the name it returned or failed cleanly (a StorageError, nothing left under any
 *   name); once the cluster is healthy again every stored object reads back
 *   byte-identical; no incomplete upload and no reservation remains.
 * - Write quorum lost: with 2 nodes down (4 drives) and with 3 down (2 drives), saves fail
 *   cleanly and leave nothing; reads of stored objects go on with 4 drives (read quorum)
 *   and fail cleanly with 2.
 * - With the node it talks to killed, a client given the other nodes (`endpoints`) fails
 *   over to the next; with no server behind its one endpoint, a call fails with
 *   UNAVAILABLE within the configured timeout.
 * - The MinIO driver's isAvailable() follows the cluster's health (/minio/health/cluster).
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedStream, hashStream, mapLimit, sha256 } from '../contracts/context.js';
import { createMinioStorage } from '../drivers/minio/index.js';
import { createS3Storage } from '../drivers/s3/index.js';
import { isStorageError } from '../src/errors.js';
import type { Storage } from '../src/storage.js';
import { type ClusterNode, clusterProblem, type MinioCluster, startMinioCluster } from './support/minio-cluster.js';
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
import { reportMissing } from './support/servers.js';

const RACERS = 200;
const GiB = 1024 * 1024 * 1024;
const STORED = 20;
/** The racing saves that have to finish before the node dies, so that it dies mid-race. */
const KILL_AFTER_SAVES = 50;
/** Request timeout and attempts for the drivers under test: a dead node must not stall a test for minutes. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_ATTEMPTS = 5;

type Kind = 'minio' | 's3';

const figures: string[] = [];
const problem = await clusterProblem();
if (process.env.STOWAGE_TEST_CLUSTER !== '1') {
  // Opt-in for now: it writes over 2 GiB, takes minutes, and in runs on a loaded machine
  // nodes died that the test did not kill (docs/servers.md, "Not yet understood").
  console.error(
    'SKIPPED: test/minio-cluster.test.ts (the 4-node MinIO fault suite) runs only with STOWAGE_TEST_CLUSTER=1.',
  );
  const skipped = suite('minio-cluster: opt-in');
  skipped.skip('the fault suite on a 4-node MinIO cluster (set STOWAGE_TEST_CLUSTER=1)', () => {});
  skipped.run();
} else if (problem) {
  reportMissing(
    'a distributed MinIO',
    'minio-cluster (4 nodes × 2 drives)',
    [problem],
    ['run as root on Linux with iproute2 (`ip netns`), and bash scripts/install-minio.sh'],
  );
  const skipped = suite('minio-cluster: no cluster');
  skipped.skip('needs root, ip netns and minio (see the banner above)', () => {});
  skipped.run();
} else {
  const cluster = await startMinioCluster();
  for (const kind of ['minio', 's3'] as const) faults(kind, cluster);
  quorum(cluster);
  const last = suite('minio-cluster: figures');
  last('print', () => {
    for (const line of figures) console.log(`[reliability] minio-cluster: ${line}`);
  });
  last.after(() => cluster.stop());
  last.run();
}

/** A storage talking to node `node`, failing over to the nodes `failover` in that order. */
function build(kind: Kind, cluster: MinioCluster, bucket: string, node = 0, failover: number[] = []): Storage {
  const server = cluster.server(node);
  const endpoints = failover.map((index) => cluster.server(index).endpoint);
  const common = {
    bucket,
    privateBuckets: [bucket],
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    maxAttempts: MAX_ATTEMPTS,
    ...(endpoints.length > 0 ? { endpoints } : {}),
  };
  return kind === 'minio'
    ? createMinioStorage({ ...minioConnection(server), ...common })
    : createS3Storage({ ...s3Connection(server), ...common });
}

/** The outcome of one save: its name, or the error it failed with. */
type Outcome = { ok: true; name: string; digest: string } | { ok: false; error: unknown };

function faults(kind: Kind, cluster: MinioCluster): void {
  const test = suite(`${kind} on a 4-node MinIO cluster: a node killed mid-work`);
  const bucket = randomBucket(`cluster-${kind}`);
  const storage = build(kind, cluster, bucket);
  const admin = adminClient(cluster.server(0));
  const victim = cluster.nodes[2] as ClusterNode;

  test.before(async () => {
    await storage.initializeBuckets();
  });
  test.after(async () => {
    await victim.start();
    await cluster.waitHealthy();
    await storage.close();
    await removeBucket(admin, bucket);
  });

  test('racing saves, a 1 GiB stream and reads survive a SIGKILLed node: stored once or failed cleanly', async () => {
    const stored = new Map<string, string>();
    for (let i = 0; i < STORED; i++) {
      const bytes = randomBytes(64 * 1024 + i);
      stored.set(await storage.save(`stored/s${i}.bin`, bytes), sha256(bytes));
    }
    let finished = 0;
    let killedAt = 0;
    let resolveKill: () => void = () => {};
    const killed = new Promise<void>((resolve) => {
      resolveKill = resolve;
    });
    const digests: string[] = [];
    const racers = Array.from({ length: RACERS }, async (_, i): Promise<Outcome> => {
      const bytes = randomBytes(4096 + i);
      digests[i] = sha256(bytes);
      try {
        const content = i % 5 === 0 ? Readable.from([bytes]) : bytes;
        const name = await storage.save('race/same.bin', content);
        return { ok: true, name, digest: sha256(bytes) };
      } catch (error) {
        return { ok: false, error };
      } finally {
        if (++finished === KILL_AFTER_SAVES) {
          killedAt = performance.now();
          void victim.kill().then(resolveKill);
        }
      }
    });
    const big = generatedStream(GiB);
    const large = storage.save('large/one.bin', big.stream).then(
      (name): Outcome => ({ ok: true, name, digest: big.digest() }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    let reading = true;
    let reads = 0;
    let failedReads = 0;
    let firstReadAfterKill: number | undefined;
    const reader = (async () => {
      while (reading) {
        for (const [name, digest] of stored) {
          try {
            const bytes = await (await storage.open(name)).bytes();
            assert.is(sha256(bytes), digest, `${name} read back other bytes`);
            reads++;
            if (killedAt > 0 && firstReadAfterKill === undefined) firstReadAfterKill = performance.now() - killedAt;
          } catch (error) {
            assert.ok(isStorageError(error), `a read failed with ${String(error)}`);
            failedReads++;
          }
        }
      }
    })();
    const outcomes = await Promise.all(racers);
    await killed;
    const largeOutcome = await large;
    reading = false;
    await reader;

    const saved = outcomes.filter((o) => o.ok);
    const failures = outcomes.filter((o) => !o.ok);
    for (const failure of failures)
      assert.ok(isStorageError(failure.error), `a save failed with ${String(failure.error)}`);
    const names = saved.map((o) => o.name);
    assert.is(new Set(names).size, names.length, 'every stored save has a name of its own');
    assert.ok(victim.running === false, 'the node was killed');

    await victim.start();
    await cluster.waitHealthy();
    const listed = await rawKeys(admin, bucket, 'race/');
    const extra = listed.filter((key) => !names.includes(key));
    if (extra.length > 0) {
      // Say what each leftover is: a reservation, or the bytes of a save that failed (and with what).
      const pending = new Set(await reservations(admin, bucket, 'race/'));
      const failedDigests = new Map(failures.map((o, i) => [digests[outcomes.indexOf(o)], i]));
      const described = await Promise.all(
        extra.map(async (key) => {
          if (pending.has(key)) return `${key}: a reservation`;
          const digest = sha256(await (await storage.open(key)).bytes());
          const failure = failedDigests.has(digest) ? failures[failedDigests.get(digest) as number] : undefined;
          return `${key}: ${failure && !failure.ok ? `the bytes of a save that failed with ${String(failure.error)}` : 'bytes of no failed save'}`;
        }),
      );
      assert.unreachable(`stored under a name no save returned (${extra.length}): ${described.join('; ')}`);
    }
    assert.equal(listed, [...names].sort(), 'exactly the saves that returned a name are stored');
    let wrong = 0;
    await mapLimit(saved, 16, async (o) => {
      if (sha256(await (await storage.open(o.name)).bytes()) !== o.digest) wrong++;
    });
    assert.is(wrong, 0, 'objects with other bytes after healing');
    if (largeOutcome.ok) {
      const read = await hashStream((await storage.open(largeOutcome.name)).stream());
      assert.is(read.size, GiB);
      assert.is(read.sha256, largeOutcome.digest, 'the 1 GiB object reads back byte-identical');
    } else {
      assert.ok(isStorageError(largeOutcome.error), `the 1 GiB save failed with ${String(largeOutcome.error)}`);
      assert.equal(await rawKeys(admin, bucket, 'large/'), [], 'a failed 1 GiB save leaves nothing');
    }
    assert.equal(await incompleteUploads(admin, bucket), [], 'no incomplete multipart upload');
    assert.equal(await reservations(admin, bucket, ''), [], 'no reservation');
    const codes = failures.map((o) => (isStorageError(o.error) ? o.error.code : 'other'));
    figures.push(
      `${kind}: node 3 of 4 SIGKILLed after ${KILL_AFTER_SAVES} of ${RACERS} racing saves → ${saved.length} stored, ${failures.length} failed (${[...new Set(codes)].join(', ') || 'none'}), 1 GiB save ${largeOutcome.ok ? 'stored' : `failed (${isStorageError(largeOutcome.error) ? largeOutcome.error.code : '?'})`}; ${reads} reads ok, ${failedReads} failed; first successful read ${firstReadAfterKill === undefined ? 'n/a' : `${Math.round(firstReadAfterKill)} ms`} after the kill; ${wrong} wrong after healing`,
    );
  });

  test('with the node it talks to killed, a client with several endpoints fails over', async () => {
    const first = cluster.nodes[1] as ClusterNode;
    const failing = build(kind, cluster, bucket, 1, [2, 3, 0]);
    assert.is(await failing.save('failover/before.txt', 'before'), 'failover/before.txt');
    await first.kill();
    const died = performance.now();
    const name = await failing.save('failover/after.txt', 'after');
    const elapsed = performance.now() - died;
    assert.is(name, 'failover/after.txt');
    assert.is(await (await failing.open('failover/before.txt')).text(), 'before');
    assert.is(await (await failing.open(name)).text(), 'after');
    const health = await failing.isAvailable();
    assert.ok(health.available, health.details);
    assert.match(health.details, /3 of 4 endpoints available/);
    figures.push(
      `${kind}: the node in use SIGKILLed → first successful save ${Math.round(elapsed)} ms after its death, through the next endpoint`,
    );
    await failing.close();
    await first.start();
    await cluster.waitHealthy();
  });

  test('with no server behind its one endpoint, a save fails with UNAVAILABLE within the timeout', async () => {
    const lonely = cluster.nodes[3] as ClusterNode;
    await lonely.kill();
    const timeoutMs = 2_000;
    const server = cluster.server(3);
    const options = { bucket, privateBuckets: [bucket], requestTimeoutMs: timeoutMs, maxAttempts: 2 };
    const dead =
      kind === 'minio'
        ? createMinioStorage({ ...minioConnection(server), ...options })
        : createS3Storage({ ...s3Connection(server), ...options });
    const started = performance.now();
    try {
      await dead.save('dead/x.txt', 'x');
      assert.unreachable('a save through a dead node succeeded');
    } catch (error) {
      assert.ok(isStorageError(error, 'UNAVAILABLE'), `expected UNAVAILABLE, got ${String(error)}`);
    }
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 4 * timeoutMs, `failed after ${Math.round(elapsed)} ms`);
    figures.push(`${kind}: save through a dead node's endpoint: UNAVAILABLE after ${Math.round(elapsed)} ms`);
    await dead.close();
    await lonely.start();
    await cluster.waitHealthy();
  });

  test.run();
}

/** What saves and reads do without write quorum (2 nodes down) and without read quorum (3 down). */
function quorum(cluster: MinioCluster): void {
  const test = suite('4-node MinIO cluster: quorum lost');
  const bucket = randomBucket('cluster-quorum');
  const admin = adminClient(cluster.server(0));
  const storages = { minio: build('minio', cluster, bucket), s3: build('s3', cluster, bucket) };
  const down = [cluster.nodes[1], cluster.nodes[2], cluster.nodes[3]] as ClusterNode[];
  const stored = new Map<string, Buffer>();

  test.before(async () => {
    await storages.minio.initializeBuckets();
    const health = await storages.minio.isAvailable();
    assert.ok(health.available, `a healthy cluster: ${health.details}`);
    for (let i = 0; i < 4; i++) {
      const bytes = randomBytes(32 * 1024);
      stored.set(await storages.s3.save(`kept/k${i}.bin`, bytes), bytes);
    }
  });
  test.after(async () => {
    await Promise.all(down.map((node) => node.start()));
    await cluster.waitHealthy();
    for (const storage of Object.values(storages)) await storage.close();
    await removeBucket(admin, bucket);
  });

  for (const lost of [2, 3]) {
    test(`${lost} nodes down (${8 - 2 * lost} of 8 drives): saves fail cleanly; reads ${lost === 2 ? 'go on' : 'fail cleanly'}`, async () => {
      for (const node of down.slice(0, lost)) await node.kill();
      assert.is(await cluster.clusterHealth(0), 503, '/minio/health/cluster says quorum is lost');
      const health = await storages.minio.isAvailable();
      assert.is(health.available, false, `minio isAvailable() without write quorum: ${health.details}`);
      assert.is(health.status, 503);
      const s3Health = await storages.s3.isAvailable();
      figures.push(
        `${lost} of 4 nodes down: minio isAvailable() → ${health.available} (${health.details}); s3 isAvailable() (HeadBucket) → ${s3Health.available}`,
      );
      for (const [kind, storage] of Object.entries(storages)) {
        const started = performance.now();
        const outcome = await storage.save(`lost/${kind}-${lost}.bin`, randomBytes(1024)).then(
          (name) => `stored as ${name}`,
          (error: unknown) => (isStorageError(error) ? error.code : String(error)),
        );
        assert.is(outcome, 'UNAVAILABLE', `${kind}: a save without write quorum`);
        const reads = await Promise.all(
          [...stored].map(async ([name, bytes]) => {
            try {
              return (await (await storage.open(name)).bytes()).equals(bytes) ? 'ok' : 'wrong bytes';
            } catch (error) {
              return isStorageError(error) ? error.code : String(error);
            }
          }),
        );
        const expected = lost === 2 ? 'ok' : 'UNAVAILABLE';
        assert.equal([...new Set(reads)], [expected], `${kind}: reads with ${8 - 2 * lost} drives`);
        figures.push(
          `${kind}: ${lost} of 4 nodes down → save ${outcome} after ${Math.round(performance.now() - started)} ms; reads of stored objects: ${expected}`,
        );
      }
      for (const node of down.slice(0, lost)) await node.start();
      await cluster.waitHealthy();
      assert.equal(await rawKeys(admin, bucket, 'lost/'), [], 'the failed saves left nothing');
      assert.equal(await incompleteUploads(admin, bucket), [], 'no incomplete multipart upload');
    });
  }

  test.run();
}
