/**
 * Contract: a file and a directory of one name. On a hierarchical store
 * (capabilities.hierarchical: fs, memory) a name is a path in a tree, so once `a` is a
 * file, `a/b` cannot be stored (ALREADY_EXISTS, naming the file in the way, nothing
 * written), and a replacing save cannot turn the directory of `a/b` into a file. On a
 * flat store (the object stores) `a` and `a/b` are two independent objects.
 */
import * as assert from 'uvu/assert';
import { type ContractSetup, contractSuite, readAll, rejectsWith } from './context.js';

export function hierarchyContract(setup: ContractSetup): void {
  for (const replaceExisting of [false, true]) {
    const test = contractSuite(setup, `a file and a directory of one name (replaceExisting: ${replaceExisting})`, {
      replaceExisting,
    });

    test('after save("a"), saving under "a/" clashes on hierarchical stores and is stored on flat ones', async ({
      storage,
      capabilities,
    }) => {
      const file = await storage.save('clash/a', 'the file');
      assert.is(file, 'clash/a');
      for (const name of ['clash/a/b', 'clash/a//b', 'clash/a/b/c']) {
        const attempt = storage.save(name, 'under the file');
        if (capabilities.hierarchical) {
          const error = await rejectsWith(attempt, 'ALREADY_EXISTS', name);
          assert.match(error.message, '"clash/a" is a file', `the message names the file in the way: ${error.message}`);
          assert.match(error.message, 'hierarchical');
        } else {
          const stored = await attempt;
          assert.is((await readAll(storage, stored)).toString(), 'under the file', name);
        }
      }
      assert.is((await readAll(storage, 'clash/a')).toString(), 'the file', 'the file is untouched');
      if (capabilities.hierarchical) {
        assert.is(await storage.exists('clash/a/b'), false, 'nothing stored under the file');
        await rejectsWith(storage.open('clash/a/b'), 'NOT_FOUND', 'open under a file');
        await storage.delete('clash/a/b');
        assert.equal(await storage.listdir('clash/a'), { directories: [], files: [] });
        assert.equal(await storage.listdir('clash'), { directories: [], files: ['a'] });
      } else {
        assert.is(await storage.exists('clash/a/b'), true, 'both names are stored');
        // Listings are not compared: MinIO stores and serves `a/b` but leaves it out of
        // every listing while `a` exists (docs/drivers.md).
        assert.ok((await storage.listdir('clash')).files.includes('a'));
      }
    });

    test('copy and move onto a name under a file clash the same way', async ({ storage, capabilities }) => {
      await storage.save('clash2/a', 'the file');
      const source = await storage.save('clash2/source.txt', 'source');
      for (const transfer of ['copy', 'move'] as const) {
        const attempt = storage[transfer](source, `clash2/a/${transfer}.txt`);
        if (capabilities.hierarchical) {
          await rejectsWith(attempt, 'ALREADY_EXISTS', transfer);
          assert.is((await readAll(storage, source)).toString(), 'source', `${transfer} keeps the source`);
        } else {
          assert.is((await readAll(storage, await attempt)).toString(), 'source', transfer);
        }
      }
    });

    test('saving "d" while "d/e" is stored: another name (or, replacing, ALREADY_EXISTS) on hierarchical stores', async ({
      storage,
      capabilities,
    }) => {
      await storage.save('clash3/d/e', 'inside');
      const attempt = storage.save('clash3/d', 'over the directory');
      if (!capabilities.hierarchical) {
        assert.is(await attempt, 'clash3/d');
      } else if (replaceExisting) {
        const error = await rejectsWith(attempt, 'ALREADY_EXISTS', 'replacing a directory');
        assert.match(error.message, 'directory');
        assert.is(await storage.exists('clash3/d'), false);
      } else {
        const stored = await attempt;
        assert.match(stored, /^clash3\/d_[A-Za-z0-9]{7}$/, 'a directory takes the name, as in Django');
        assert.is((await readAll(storage, stored)).toString(), 'over the directory');
      }
      assert.is((await readAll(storage, 'clash3/d/e')).toString(), 'inside', 'the directory keeps its files');
    });

    test.run();
  }
}
