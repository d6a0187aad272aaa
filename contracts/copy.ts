/** Contract: copy and move. */
import { randomBytes } from 'node:crypto';
import * as assert from 'uvu/assert';
import { type ContractSetup, contractSuite, readAll, rejectsWith, sha256 } from './context.js';

export function copyContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'copy and move');

  test('copy: both names hold the bytes and the metadata', async ({ storage, capabilities }) => {
    const bytes = randomBytes(5000);
    const options = capabilities.metadata ? { metadata: { origin: 'copy-test' } } : {};
    const source = await storage.save('copy/source.bin', bytes, options);
    const target = await storage.copy(source, 'copy/target dir/copied.bin');
    assert.is(target, 'copy/target dir/copied.bin');
    assert.is(sha256(await readAll(storage, source)), sha256(bytes));
    assert.is(sha256(await readAll(storage, target)), sha256(bytes));
    if (capabilities.metadata) assert.equal((await storage.stat(target)).metadata, { origin: 'copy-test' });
  });

  test('copy onto a taken name picks an alternative; the existing object is untouched', async ({ storage }) => {
    await storage.save('copy2/a.txt', 'a');
    await storage.save('copy2/b.txt', 'b');
    const stored = await storage.copy('copy2/a.txt', 'copy2/b.txt');
    assert.match(stored, /^copy2\/b_[A-Za-z0-9]{7}\.txt$/);
    assert.is((await readAll(storage, 'copy2/b.txt')).toString(), 'b');
    assert.is((await readAll(storage, stored)).toString(), 'a');
  });

  test('move: the bytes arrive, the source is gone', async ({ storage }) => {
    const source = await storage.save('move/from.txt', 'moving');
    const target = await storage.move(source, 'move/to/here.txt');
    assert.is(target, 'move/to/here.txt');
    assert.is((await readAll(storage, target)).toString(), 'moving');
    assert.is(await storage.exists(source), false);
  });

  test('move onto a taken name keeps both', async ({ storage }) => {
    await storage.save('move2/a.txt', 'a');
    await storage.save('move2/b.txt', 'b');
    const stored = await storage.move('move2/a.txt', 'move2/b.txt');
    assert.is.not(stored, 'move2/b.txt');
    assert.is((await readAll(storage, 'move2/b.txt')).toString(), 'b');
    assert.is((await readAll(storage, stored)).toString(), 'a');
    assert.is(await storage.exists('move2/a.txt'), false);
  });

  test('copy and move of a missing name: NOT_FOUND, nothing created', async ({ storage }) => {
    await rejectsWith(storage.copy('nope/missing.txt', 'nope/target.txt'), 'NOT_FOUND', 'copy');
    await rejectsWith(storage.move('nope/missing.txt', 'nope/target.txt'), 'NOT_FOUND', 'move');
    assert.is(await storage.exists('nope/target.txt'), false);
  });

  test.run();

  const overwrite = contractSuite(setup, 'copy and move with replaceExisting', { replaceExisting: true });

  overwrite('copy and move replace the target in place', async ({ storage }) => {
    await storage.save('over/a.txt', 'a');
    await storage.save('over/b.txt', 'b');
    assert.is(await storage.copy('over/a.txt', 'over/b.txt'), 'over/b.txt');
    assert.is((await readAll(storage, 'over/b.txt')).toString(), 'a');
    await storage.save('over/c.txt', 'c');
    assert.is(await storage.move('over/c.txt', 'over/b.txt'), 'over/b.txt');
    assert.is((await readAll(storage, 'over/b.txt')).toString(), 'c');
    assert.is(await storage.exists('over/c.txt'), false);
    assert.is(await storage.move('over/b.txt', 'over/b.txt'), 'over/b.txt');
    assert.is((await readAll(storage, 'over/b.txt')).toString(), 'c', 'moving onto itself loses nothing');
  });

  overwrite.run();
}
