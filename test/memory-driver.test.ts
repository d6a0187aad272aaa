/** The memory driver's promises to unit-test writers: isolation and helpers. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../contracts/context.js';
import { createMemoryStorage } from '../drivers/memory/index.js';

const test = suite('memory driver');

test('each storage has its own volume', async () => {
  const a = createMemoryStorage();
  const b = createMemoryStorage();
  await a.save('only-in-a.txt', 'a');
  assert.is(await b.exists('only-in-a.txt'), false);
  assert.equal(b.driver.files(), []);
});

test('files(), snapshot() and reset() for assertions in tests', async () => {
  const storage = createMemoryStorage({ files: { 'seed/one.txt': 'one' } });
  await storage.save('b/two.bin', Buffer.from([1, 2]));
  assert.equal(storage.driver.files(), ['b/two.bin', 'seed/one.txt']);
  assert.equal(storage.driver.snapshot()['seed/one.txt']?.toString(), 'one');
  storage.driver.reset();
  assert.equal(storage.driver.files(), []);
  await rejectsWith(storage.open('seed/one.txt'), 'NOT_FOUND', 'after reset');
  await storage.save('again.txt', 'works after reset');
  assert.equal(storage.driver.files(), ['again.txt']);
});

test('metadata and content types are kept per object, and follow copies and moves', async () => {
  const storage = createMemoryStorage();
  await storage.save('m.bin', 'x', { contentType: 'image/png', metadata: { a: '1' } });
  await storage.copy('m.bin', 'copy.bin');
  await storage.move('m.bin', 'moved.bin');
  for (const name of ['copy.bin', 'moved.bin']) {
    const stat = await storage.stat(name);
    assert.is(stat.contentType, 'image/png', name);
    assert.equal(stat.metadata, { a: '1' }, name);
  }
  await storage.delete('copy.bin');
  await storage.save('copy.bin', 'y');
  assert.equal((await storage.stat('copy.bin')).metadata, {}, 'a new object does not inherit old metadata');
});

test('url() needs a baseUrl; without one it is UNSUPPORTED', async () => {
  const storage = createMemoryStorage();
  await storage.save('x.txt', 'x');
  await rejectsWith(storage.url('x.txt'), 'UNSUPPORTED', 'no baseUrl');
  const served = createMemoryStorage({ baseUrl: 'https://cdn.example.com/media' });
  assert.is(await served.url('a b/ü?.txt'), 'https://cdn.example.com/media/a%20b/%C3%BC%3F.txt');
});

test.run();
