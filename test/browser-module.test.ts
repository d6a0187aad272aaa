/**
 * stowage/browser as a page gets it (the built files, so `npm run build` first; npm
 * test does it): a dependency-free ES module that imports only its own files, uses no
 * Node.js globals, and stays small (docs/browser-uploads.md states its size).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const DIR = join(import.meta.dirname, '..', 'dist', 'src', 'browser');
/** The gzipped budget of the built module, comments included (4,118 bytes when written). */
const GZIP_BUDGET_BYTES = 6 * 1024;

const files = readdirSync(DIR).filter((file) => file.endsWith('.js'));
const sources = new Map(files.map((file) => [file, readFileSync(join(DIR, file), 'utf8')]));
const test = suite('stowage/browser module');

test('imports only its own files', () => {
  assert.ok(sources.has('index.js'), 'dist/src/browser/index.js (run npm run build)');
  for (const [file, source] of sources) {
    const specifiers = [...source.matchAll(/\b(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    specifiers.push(...[...source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)].map((m) => m[1]));
    for (const specifier of specifiers) {
      assert.ok(/^\.\/[\w-]+\.js$/.test(specifier ?? ''), `${file} imports ${specifier}`);
      assert.ok(sources.has((specifier ?? '').slice(2)), `${file} imports ${specifier}, which is not in the folder`);
    }
  }
});

test('uses no Node.js globals', () => {
  for (const [file, source] of sources) {
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.not.match(code, /\b(process|Buffer|require|__dirname|global)\b/, file);
  }
});

test(`is under ${GZIP_BUDGET_BYTES} bytes gzipped`, () => {
  const size = gzipSync(Buffer.from([...sources.values()].join('\n')), { level: 9 }).length;
  console.log(`stowage/browser: ${files.length} files, ${size} bytes gzipped`);
  assert.ok(size < GZIP_BUDGET_BYTES, `${size} bytes gzipped`);
});

test.run();
