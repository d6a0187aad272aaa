/** Contract: save — content kinds, large streams, collisions, overwrite, failures. */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as assert from 'uvu/assert';
import {
  type ContractSetup,
  collect,
  contractSuite,
  failingStream,
  generatedStream,
  hashStream,
  readAll,
  rejectsWith,
  sha256,
} from './context.js';

/** Big enough to need a multipart upload on object stores, and to show a buffered stream. */
const LARGE_STREAM_BYTES = 64 * 1024 * 1024;
const CONCURRENT_SAVES = 50;
const ALTERNATIVE = /^(?<root>.+)_[A-Za-z0-9]{7}(?<ext>\.[^/]*)?$/;

export function saveContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'save');

  test('round-trips every content kind', async ({ storage }) => {
    const bytes = randomBytes(3000);
    const text = 'héllo wörld, ünïcode ✓';
    const kinds: Array<[string, () => Parameters<typeof storage.save>[1], Buffer]> = [
      ['string', () => text, Buffer.from(text, 'utf8')],
      ['Buffer', () => bytes, bytes],
      ['Uint8Array', () => new Uint8Array(bytes), bytes],
      ['Blob', () => new Blob([bytes]), bytes],
      ['Readable', () => Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), bytes],
      ['web ReadableStream', () => Readable.toWeb(Readable.from([bytes.subarray(0, 10), bytes.subarray(10)])), bytes],
      [
        'AsyncIterable',
        () =>
          (async function* () {
            yield bytes.subarray(0, 7);
            yield bytes.subarray(7);
          })(),
        bytes,
      ],
      [
        'Readable with an encoding',
        () => Readable.from([Buffer.from(text)], { objectMode: false }).setEncoding('utf8'),
        Buffer.from(text, 'utf8'),
      ],
    ];
    for (const [kind, content, expected] of kinds) {
      const name = `kinds/${kind.replace(/ /g, '-')}.bin`;
      const stored = await storage.save(name, content());
      assert.is(stored, name, kind);
      assert.is(sha256(await readAll(storage, stored)), sha256(expected), kind);
    }
  });

  test('stores an empty body', async ({ storage }) => {
    for (const [label, content] of [
      ['empty string', ''],
      ['empty stream', Readable.from([])],
    ] as const) {
      const name = await storage.save(`empty/${label.replace(' ', '-')}.txt`, content);
      assert.is(await storage.size(name), 0, label);
      assert.is((await readAll(storage, name)).length, 0, label);
      assert.ok(await storage.exists(name), label);
    }
  });

  test('streams 64 MiB generated on the fly, byte for byte', async ({ storage }) => {
    const source = generatedStream(LARGE_STREAM_BYTES);
    const name = await storage.save('large/generated.bin', source.stream);
    assert.is(await storage.size(name), LARGE_STREAM_BYTES);
    const file = await storage.open(name);
    const read = await hashStream(file.stream());
    assert.is(read.size, LARGE_STREAM_BYTES);
    assert.is(read.sha256, source.digest());
  });

  test('streams 64 MiB of a known length (one streamed PUT on object stores), byte for byte; taken names move on', async ({
    storage,
  }) => {
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const source = generatedStream(LARGE_STREAM_BYTES);
      names.push(await storage.save('large/known.bin', source.stream, { size: LARGE_STREAM_BYTES }));
      assert.is(await storage.size(names[i] as string), LARGE_STREAM_BYTES);
      const read = await hashStream((await storage.open(names[i] as string)).stream());
      assert.is(read.sha256, source.digest(), names[i]);
    }
    assert.is(names[0], 'large/known.bin');
    assert.is.not(names[1], names[0], 'the second save of the name went to another name');
  });

  test('a stream shorter or longer than its declared size fails with INVALID_CONFIG and leaves nothing', async ({
    storage,
  }) => {
    const size = 20 * 1024 * 1024;
    for (const actual of [size - 1, size + 1]) {
      const source = generatedStream(actual);
      await rejectsWith(storage.save('sized/wrong.bin', source.stream, { size }), 'INVALID_CONFIG', `${actual} bytes`);
      assert.not.ok(await storage.exists('sized/wrong.bin'), `${actual} bytes: nothing stored`);
    }
    // No reservation was left behind either: the name is free.
    assert.is(await storage.save('sized/wrong.bin', 'ok'), 'sized/wrong.bin');
  });

  test('a taken name gets a Django-style alternative; the original is untouched', async ({ storage }) => {
    const first = await storage.save('collide/report.tar.gz', 'first');
    const second = await storage.save('collide/report.tar.gz', 'second');
    assert.is(first, 'collide/report.tar.gz');
    assert.is.not(second, first);
    const match = ALTERNATIVE.exec(second);
    assert.ok(match, `alternative name ${second}`);
    assert.is(match?.groups?.root, 'collide/report');
    assert.is(match?.groups?.ext, '.tar.gz');
    assert.is((await readAll(storage, first)).toString(), 'first');
    assert.is((await readAll(storage, second)).toString(), 'second');
  });

  test(`${CONCURRENT_SAVES} concurrent saves of one name give distinct names, each with its own bytes`, async ({
    storage,
    capabilities,
  }) => {
    const bodies = Array.from({ length: CONCURRENT_SAVES }, (_, i) => `body ${i} ${randomBytes(8).toString('hex')}`);
    // Without conditional create the driver can only check-then-write, which is not race-free.
    const names = capabilities.conditionalCreate
      ? await Promise.all(bodies.map((body) => storage.save('race/same.txt', body)))
      : await sequential(bodies.map((body) => () => storage.save('race/same.txt', body)));
    assert.is(new Set(names).size, CONCURRENT_SAVES);
    for (const [i, name] of names.entries()) {
      assert.is((await readAll(storage, name)).toString(), bodies[i]);
    }
    const listed = await collect(storage.list('race'));
    assert.is(listed.length, CONCURRENT_SAVES);
  });

  test('maxLength: truncates the root of an alternative so it fits; INVALID_NAME when nothing is left', async ({
    storage,
  }) => {
    const name = 'trunc/a-rather-long-file-name.txt';
    await storage.save(name, 'one');
    const second = await storage.save(name, 'two', { maxLength: name.length });
    assert.ok(second.length <= name.length, second);
    assert.ok(second.startsWith('trunc/a-rather'), second);
    assert.is((await readAll(storage, second)).toString(), 'two');
    await rejectsWith(storage.save(name, 'three', { maxLength: 'trunc/'.length + 12 }), 'INVALID_NAME', 'too short');
  });

  test('a source that fails half-way rejects and leaves nothing behind', async ({ storage }) => {
    for (const bytes of [1024, 24 * 1024 * 1024]) {
      const name = `broken/${bytes}.bin`;
      await rejectsWith(storage.save(name, failingStream(bytes)), 'UNEXPECTED', `${bytes} bytes`);
      assert.is(await storage.exists(name), false, `${bytes} bytes`);
    }
    assert.equal(await collect(storage.list('broken')), []);
    assert.equal((await storage.listdir('')).directories.includes('broken'), false);
  });

  test('contentType: guessed from the extension, or as given where metadata is stored', async ({
    storage,
    capabilities,
  }) => {
    const html = await storage.save('types/page.html', '<p>hi</p>');
    assert.is((await storage.stat(html)).contentType?.split(';')[0], 'text/html');
    const unknown = await storage.save('types/blob', 'x');
    assert.is((await storage.stat(unknown)).contentType, 'application/octet-stream');
    const options = { contentType: 'application/x-custom', metadata: { Owner: 'alice' }, cacheControl: 'max-age=60' };
    if (capabilities.metadata) {
      const custom = await storage.save('types/custom.bin', 'x', options);
      const stat = await storage.stat(custom);
      assert.is(stat.contentType, 'application/x-custom');
      assert.equal(stat.metadata, { owner: 'alice' });
      assert.is(stat.cacheControl, 'max-age=60');
      const file = await storage.open(custom);
      assert.equal(file.metadata, { owner: 'alice' });
      file.close();
    } else {
      await rejectsWith(storage.save('types/custom.bin', 'x', options), 'UNSUPPORTED', 'metadata');
      assert.is(await storage.exists('types/custom.bin'), false);
    }
  });

  test.run();

  const overwrite = contractSuite(setup, 'save with replaceExisting', { replaceExisting: true });

  overwrite('overwrites in place and returns the same name', async ({ storage }) => {
    const first = await storage.save('same/name.txt', 'first');
    const second = await storage.save('same/name.txt', 'second version');
    assert.is(first, 'same/name.txt');
    assert.is(second, 'same/name.txt');
    assert.is((await readAll(storage, second)).toString(), 'second version');
    assert.is((await storage.listdir('same')).files.length, 1);
  });

  overwrite('a failed overwrite keeps the previous version', async ({ storage }) => {
    await storage.save('keep/name.bin', 'previous');
    await rejectsWith(storage.save('keep/name.bin', failingStream(4096)), 'UNEXPECTED', 'failed overwrite');
    assert.is((await readAll(storage, 'keep/name.bin')).toString(), 'previous');
  });

  overwrite.run();
}

async function sequential<T>(tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = [];
  for (const task of tasks) results.push(await task());
  return results;
}
