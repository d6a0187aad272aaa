/**
 * Times one import in a fresh process (bench/startup.ts runs it): the wall time of
 * `await import(...)` of each specifier given, and the heap and RSS it added (measured
 * after a garbage collection). Prints one JSON line. Plain JavaScript, so that nothing
 * but Node itself is loaded before the measurement: `node --expose-gc import-child.mjs stowage stowage/memory`.
 */
const specifiers = process.argv.slice(2);
globalThis.gc();
const heapBefore = process.memoryUsage().heapUsed;
const rssBefore = process.memoryUsage.rss();
const started = performance.now();
for (const specifier of specifiers) await import(specifier);
const ms = performance.now() - started;
globalThis.gc();
const heapBytes = process.memoryUsage().heapUsed - heapBefore;
const rssBytes = process.memoryUsage.rss() - rssBefore;
console.log(JSON.stringify({ ms, heapBytes, rssBytes }));
