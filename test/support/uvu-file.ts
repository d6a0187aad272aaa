/**
 * Runs one uvu test file in this process and writes its counts as JSON to the path in
 * STOWAGE_TEST_RESULT. A file that registers no suite (no `.run()` call) is a failure:
 * uvu itself would pass it silently. So is a file that queues a suite and then awaits at
 * its top level before queuing another (see `loading` below).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Runner = () => Promise<[errors: string | true, passed: number, skipped: number, total: number]>;
type Queue = Array<Array<Runner | string | null>>;

const file = process.argv[2];
const resultPath = process.env.STOWAGE_TEST_RESULT;
if (!file || !resultPath) throw new Error('usage: STOWAGE_TEST_RESULT=<path> uvu-file.ts <test file>');

const counts = { total: 0, passed: 0, skipped: 0, failed: 0, suites: 0 };
/** How long a file may keep running after its tests ended. */
const LINGER_MS = 60_000;
const write = () => writeFileSync(resultPath, JSON.stringify(counts));
process.on('exit', write);

const global = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Queue; UVU_INDEX: number };
global.UVU_DEFER = 1;
const uvu = await import('uvu');
global.UVU_QUEUE.push([file]);
global.UVU_INDEX = global.UVU_QUEUE.length - 1;

// Run on its own (`node --import tsx <file>`), uvu starts running the queued suites as
// soon as the file lets the event loop turn (a top-level await of a server, say), and
// starts them all again at the next `.run()`: two runs at once, whose cleanups remove what
// the other run is still using. Here each suite is noted with how many turns the file had
// let pass while loading; a suite with tests followed by one queued after a later turn is
// that hazard, and fails the file. (Skipped suites, queued while a server is looked for,
// have no tests and cannot clash.)
let loading = true;
let turns = 0;
const queuedAt: number[] = [];
const queue = global.UVU_QUEUE[global.UVU_INDEX] as Queue[number];
queue.push = (...items) => {
  for (const _ of items) queuedAt.push(turns);
  if (loading) {
    setTimeout(() => {
      if (loading) turns++;
    });
  }
  return Array.prototype.push.apply(queue, items);
};
// A missing test server explains itself (test/support/servers.ts); its stack says nothing
// more. It may surface while the file loads, or from a promise a file started early.
const unavailable = (error: unknown) => {
  if ((error as Error | undefined)?.name !== 'ServerUnavailableError') throw error;
  console.error(`${file}: ${(error as Error).message}`);
  counts.failed = Math.max(counts.failed, 1);
  process.exit(1);
};
process.on('unhandledRejection', unavailable);
try {
  await import(pathToFileURL(resolve(file)).href);
} catch (error) {
  unavailable(error);
}
loading = false;

const group = global.UVU_QUEUE[global.UVU_INDEX] ?? [];
const runners = group.slice(1) as Runner[];
counts.suites = runners.length;
if (runners.length === 0) {
  counts.failed = 1;
  console.error(`${file}: registered no test suite — did it forget to call .run()?`);
} else {
  const withTests: boolean[] = [];
  group.splice(
    1,
    runners.length,
    ...runners.map((run, index) => async () => {
      const result = await run();
      const [, passed, skipped, total] = result;
      withTests[index] = total > 0;
      counts.total += total;
      counts.passed += passed;
      counts.skipped += skipped;
      counts.failed += total - passed;
      if (total === 0 && skipped === 0) {
        counts.failed += 1;
        console.error(`${file}: a suite has no tests`);
      }
      return result;
    }),
  );
  await uvu.exec();
  const queuedLater = (index: number) => queuedAt.some((turn) => turn > (queuedAt[index] ?? 0));
  if (runners.some((_, index) => withTests[index] && queuedLater(index))) {
    counts.failed += 1;
    process.exitCode = 1;
    console.error(
      `${file}: it queues a suite (.run()) and then awaits at its top level before queuing another, so run on its own (node --import tsx ${file}) uvu would run its suites twice at once; await servers and browsers before the first .run().`,
    );
  }
}
write();
// A file whose tests have ended but which leaves a server, socket or timer running would
// keep this process, and the whole run, waiting: after a grace period that is a failure.
setTimeout(() => {
  counts.failed += 1;
  console.error(
    `${file}: its tests ended ${LINGER_MS / 1000} s ago, but something it opened (a server, socket or timer) still keeps the process alive; close it in the file.`,
  );
  process.exit(1);
}, LINGER_MS).unref();
