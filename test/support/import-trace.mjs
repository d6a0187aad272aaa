/**
 * A module loader hook that records every module URL the process resolves, to prove
 * what an import loads (test/startup.test.ts, bench/startup.ts):
 *
 *   STOWAGE_IMPORT_TRACE=/tmp/trace.txt node --import ./test/support/import-trace.mjs app.mjs
 *
 * Each resolved URL is appended to the file as one line. Hooks run on a thread of their
 * own (module.register), so the hook writes the file itself rather than messaging the
 * main thread, whose messages could be lost when the process exits. CommonJS modules
 * that a CommonJS module require()s do not pass through ESM hooks on Node 20; the file
 * also gets the CommonJS cache's keys at exit, which catches those.
 */
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.STOWAGE_IMPORT_TRACE;
if (!file) throw new Error('import-trace.mjs: set STOWAGE_IMPORT_TRACE to the file to write');

register(
  `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    let file;
    export function initialize(data) { file = data.file; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      appendFileSync(file, result.url + '\\n');
      return result;
    }
  `)}`,
  { data: { file } },
);

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const keys = Object.keys(cache);
  if (keys.length > 0) appendFileSync(file, `${keys.map((key) => `cjs:${key}`).join('\n')}\n`);
});
