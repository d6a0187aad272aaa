/**
 * Runs one uvu test file in this process and writes its counts as JSON to the path in
 * STOWAGE_TEST_RESULT. A file that registers no suite (no `.run()` call) is a failure:
 * uvu itself would pass it silently.
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

const group = global.UVU_QUEUE[global.UVU_INDEX] ?? [];
const runners = group.slice(1) as Runner[];
counts.suites = runners.length;
if (runners.length === 0) {
  counts.failed = 1;
  console.error(`${file}: registered no test suite — did it forget to call .run()?`);
} else {
  group.splice(
    1,
    runners.length,
    ...runners.map((run) => async () => {
      const result = await run();
      const [, passed, skipped, total] = result;
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
