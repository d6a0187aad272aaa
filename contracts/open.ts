/** Contract: open, stat, size, exists, delete — and NOT_FOUND wherever a name is missing. */
import { randomBytes } from 'node:crypto';
import * as assert from 'uvu/assert';
import { type ContractSetup, contractSuite, readAll, rejectsWith, sha256 } from './context.js';

export function openContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'open, stat, exists, delete');

  test('open returns a StoredFile describing the object', async ({ storage }) => {
    const before = Date.now();
    const name = await storage.save('docs/readme.txt', 'hello world');
    const file = await storage.open(name);
    assert.is(file.name, name);
    assert.is(file.size, 11);
    assert.is(file.contentType?.split(';')[0], 'text/plain');
    assert.instance(file.lastModified, Date);
    // Servers keep whole seconds; allow for that and a little clock skew.
    assert.ok(Math.abs(file.lastModified.getTime() - before) < 60_000, String(file.lastModified));
    assert.type(file.etag, 'string');
    assert.type(file.metadata, 'object');
    assert.is(await file.text(), 'hello world');
  });

  test('a body is read once; a second read is refused, not empty', async ({ storage }) => {
    const name = await storage.save('once.txt', 'abc');
    const file = await storage.open(name);
    assert.is((await file.bytes()).toString(), 'abc');
    assert.throws(() => file.stream());
    const again = await storage.open(name);
    again.close();
    assert.throws(() => again.stream());
  });

  test('stat, size and getModifiedTime agree with open', async ({ storage }) => {
    const name = await storage.save('agree.bin', randomBytes(1234));
    const stat = await storage.stat(name);
    assert.is(stat.name, name);
    assert.is(stat.size, 1234);
    assert.is(await storage.size(name), 1234);
    assert.is((await storage.getModifiedTime(name)).getTime(), stat.lastModified.getTime());
  });

  test('missing names: NOT_FOUND from open, stat, size, getModifiedTime; exists false; delete resolves', async ({
    storage,
  }) => {
    for (const name of ['missing.txt', 'deep/missing/file.txt']) {
      await rejectsWith(storage.open(name), 'NOT_FOUND', `open ${name}`);
      await rejectsWith(storage.stat(name), 'NOT_FOUND', `stat ${name}`);
      await rejectsWith(storage.size(name), 'NOT_FOUND', `size ${name}`);
      await rejectsWith(storage.getModifiedTime(name), 'NOT_FOUND', `getModifiedTime ${name}`);
      assert.is(await storage.exists(name), false, name);
      await storage.delete(name);
    }
  });

  test('a "directory" prefix is not a file', async ({ storage }) => {
    await storage.save('dir/child.txt', 'x');
    assert.is(await storage.exists('dir'), false);
    await rejectsWith(storage.open('dir'), 'NOT_FOUND', 'open dir');
    await rejectsWith(storage.stat('dir'), 'NOT_FOUND', 'stat dir');
    await storage.delete('dir');
    assert.is(await storage.exists('dir/child.txt'), true, 'deleting the prefix name keeps its children');
  });

  test('delete removes the object and only it', async ({ storage }) => {
    const keep = await storage.save('del/keep.txt', 'keep');
    const gone = await storage.save('del/gone.txt', 'gone');
    await storage.delete(gone);
    assert.is(await storage.exists(gone), false);
    await rejectsWith(storage.open(gone), 'NOT_FOUND', 'deleted');
    assert.is((await readAll(storage, keep)).toString(), 'keep');
    await storage.delete(gone);
  });

  test('range reads: inclusive end, open-ended, clamped, and empty past the end', async ({ storage, capabilities }) => {
    const bytes = randomBytes(10_000);
    const name = await storage.save('range.bin', bytes);
    if (!capabilities.rangeRead) {
      await rejectsWith(storage.open(name, { range: { start: 0, end: 9 } }), 'UNSUPPORTED', 'range');
      return;
    }
    const cases: Array<[{ start: number; end?: number }, Buffer]> = [
      [{ start: 0, end: 0 }, bytes.subarray(0, 1)],
      [{ start: 100, end: 199 }, bytes.subarray(100, 200)],
      [{ start: 9_990 }, bytes.subarray(9_990)],
      [{ start: 9_000, end: 20_000 }, bytes.subarray(9_000)],
      [{ start: 10_000 }, Buffer.alloc(0)],
      [{ start: 50_000, end: 60_000 }, Buffer.alloc(0)],
    ];
    for (const [range, expected] of cases) {
      const file = await storage.open(name, { range });
      assert.is(file.size, bytes.length, `size with ${JSON.stringify(range)}`);
      const got = await file.bytes();
      assert.is(got.length, expected.length, JSON.stringify(range));
      assert.is(sha256(got), sha256(expected), JSON.stringify(range));
    }
    await rejectsWith(storage.open(name, { range: { start: 5, end: 2 } }), 'INVALID_CONFIG', 'end before start');
    await rejectsWith(storage.open(name, { range: { start: -1 } }), 'INVALID_CONFIG', 'negative start');
    await rejectsWith(storage.open('range-missing.bin', { range: { start: 0 } }), 'NOT_FOUND', 'missing');
  });

  test.run();
}
