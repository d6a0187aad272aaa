/** Contract: listdir and list — immediate children, sorting, pagination past 1000 keys. */
import * as assert from 'uvu/assert';
import { compareNames } from '../src/utf8.js';
import { type ContractSetup, collect, contractSuite, mapLimit } from './context.js';

/** S3 lists at most 1000 keys per page; go past it. */
const MANY_KEYS = 1050;
const SAVE_CONCURRENCY = 16;

export function listContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'listdir and list');

  test('listdir: immediate children only, directories and files apart, each sorted', async ({ storage }) => {
    for (const name of [
      'tree/b.txt',
      'tree/a.txt',
      'tree/Z.txt',
      'tree/sub/x.txt',
      'tree/sub/deeper/y.txt',
      'tree/a-dir/z.txt',
      'tree/é.txt',
      'treetop.txt',
    ]) {
      await storage.save(name, name);
    }
    assert.equal(await storage.listdir('tree'), {
      directories: ['a-dir', 'sub'],
      files: ['Z.txt', 'a.txt', 'b.txt', 'é.txt'],
    });
    assert.equal(await storage.listdir('tree/'), await storage.listdir('tree'));
    assert.equal(await storage.listdir('tree/sub'), { directories: ['deeper'], files: ['x.txt'] });
    const root = await storage.listdir('');
    assert.ok(root.directories.includes('tree'));
    assert.ok(root.files.includes('treetop.txt'));
    assert.equal(await storage.listdir('no/such/dir'), { directories: [], files: [] });
  });

  test('list: recursive by default, in UTF-8 byte order, with sizes', async ({ storage }) => {
    const names = [
      'walk/a/1.txt',
      'walk/a-b.txt',
      'walk/a0.txt',
      'walk/b/c/2.txt',
      'walk/\u{1F600}.txt',
      'walk/\uFF5E.txt',
    ];
    for (const name of names) await storage.save(name, name);
    const listed = await collect(storage.list('walk'));
    assert.equal(
      listed.map((file) => file.name),
      [...names].sort(compareNames),
    );
    for (const file of listed) {
      assert.is(file.size, Buffer.byteLength(file.name));
      assert.instance(file.lastModified, Date);
    }
    const shallow = await collect(storage.list('walk', { recursive: false }));
    assert.equal(
      shallow.map((file) => file.name),
      ['walk/a-b.txt', 'walk/a0.txt', 'walk/\u{1F600}.txt', 'walk/\uFF5E.txt'].sort(compareNames),
    );
    assert.equal(await collect(storage.list('nothing-here')), []);
  });

  test(`list and listdir stay correct past 1000 keys (${MANY_KEYS})`, async ({ storage }) => {
    const names = Array.from({ length: MANY_KEYS }, (_, i) => `many/key-${String(i).padStart(5, '0')}.txt`);
    await mapLimit(names, SAVE_CONCURRENCY, (name) => storage.save(name, 'x'));
    const listed = (await collect(storage.list('many'))).map((file) => file.name);
    assert.is(listed.length, MANY_KEYS);
    assert.equal(listed, names);
    const { files } = await storage.listdir('many');
    assert.is(files.length, MANY_KEYS);
    assert.is(new Set(files).size, MANY_KEYS);
  });

  test('list is lazy: stopping early is fine', async ({ storage }) => {
    for (let i = 0; i < 5; i++) await storage.save(`lazy/${i}.txt`, 'x');
    let seen = 0;
    for await (const _file of storage.list('lazy')) {
      if (++seen === 2) break;
    }
    assert.is(seen, 2);
  });

  test.run();
}
