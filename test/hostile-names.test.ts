/**
 * Hostile names (HOSTILE_NAME_GROUPS in contracts/names.ts) on every driver: each is
 * stored and read back exactly or refused with INVALID_NAME (the contract checks that
 * per driver), and here: every driver does the same with each name as the facade's
 * name check predicts, so names port between drivers; and on fs the disk itself is
 * checked: a stored name is a regular file at its path inside the location, nothing
 * is ever written or removed outside it, also through symlinks that lead out.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, readlink, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mapLimit } from '../contracts/context.js';
import { checkHostileName, HOSTILE_NAME_GROUPS, HOSTILE_NAMES, type NameOutcome } from '../contracts/names.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { normalizeName } from '../src/names.js';
import { requireServerOrSkip } from './support/servers.js';
import { type TargetFactory, targets } from './support/targets.js';

const figures: string[] = [];
const server = await requireServerOrSkip('s3', 'hostile names (minio and s3; memory and fs run anyway)');

for (const factory of targets(server, 'names')) everyDriver(factory);
fileSystem(targets(undefined, 'names-disk').find((factory) => factory.name === 'fs') as TargetFactory);
report();

/** What the facade's name check predicts for `name`. */
function predicted(name: string): NameOutcome {
  try {
    return normalizeName(name) === name ? 'stored' : 'normalised';
  } catch {
    return 'rejected';
  }
}

function everyDriver(factory: TargetFactory): void {
  const test = suite(`${factory.name}: hostile names`);
  test(`${HOSTILE_NAMES.length} names: the outcome the name check predicts, the same on every driver`, async () => {
    const target = await factory.create();
    try {
      const outcomes = await mapLimit(HOSTILE_NAMES, 8, (name) => checkHostileName(target.storage, name));
      const differing = HOSTILE_NAMES.filter((name, i) => outcomes[i] !== predicted(name));
      assert.equal(
        differing.map((name) => JSON.stringify(name)),
        [],
        'names treated otherwise than predicted',
      );
      const count = (outcome: NameOutcome) => outcomes.filter((o) => o === outcome).length;
      figures.push(
        `${factory.name}: ${HOSTILE_NAMES.length} tried → ${count('stored')} stored and read back exactly, ${count('normalised')} stored under their canonical form, ${count('rejected')} INVALID_NAME, 0 other outcomes`,
      );
    } finally {
      await target.cleanup();
    }
  });
  test.run();
}

function fileSystem(factory: TargetFactory): void {
  const test = suite('fs: hostile names on disk');
  test('stored names are files inside the location; nothing is written or removed outside, symlinks included', async () => {
    const target = await factory.create();
    const location = target.location as string;
    const base = dirname(location);
    try {
      const outside = join(base, 'outside');
      await mkdir(join(outside, 'deep'), { recursive: true });
      await writeFile(join(outside, 'secret.txt'), 'secret');
      await writeFile(join(outside, 'deep', 'x.txt'), 'deep secret');
      await mkdir(location, { recursive: true });
      // Traps: links that lead out of the location, at the root and one level down.
      await symlink(outside, join(location, 'escape'));
      await symlink(join(outside, 'secret.txt'), join(location, 'escape.txt'));
      await mkdir(join(location, 'sub'));
      await symlink('../../outside', join(location, 'sub', 'up'));
      const before = await snapshot(base);
      const outsideBefore = await snapshot(outside);
      const root = await realpath(location);

      const names = [
        ...HOSTILE_NAMES,
        ...HOSTILE_NAMES.map((name) => `escape/${name}`),
        ...HOSTILE_NAMES.map((name) => `sub/up/${name}`),
        'escape/secret.txt',
        'sub/up/deep/x.txt',
      ];
      let stored = 0;
      let throughLinks = 0;
      for (const name of names) {
        const viaLink = name.startsWith('escape/') || name.startsWith('sub/up/');
        const content = `stored ${createHash('sha256').update(name).digest('hex')}`;
        let key: string;
        try {
          key = await target.storage.save(name, content);
        } catch (error) {
          assert.is((error as { code?: string }).code, 'INVALID_NAME', JSON.stringify(name));
          if (viaLink) throughLinks++;
          continue;
        }
        assert.not.ok(viaLink, `${JSON.stringify(name)} was stored through a link that leads out`);
        const path = join(location, ...key.split('/'));
        const real = await realpath(path);
        assert.ok(real.startsWith(`${root}${sep}`), `${JSON.stringify(name)} is at ${real}, outside the location`);
        assert.ok((await stat(real)).isFile(), `${JSON.stringify(name)}: a regular file`);
        assert.is(await readFile(real, 'utf8'), content, `${JSON.stringify(name)}: its bytes on disk`);
        stored++;
        await target.storage.delete(key);
        // Reading and deleting through the links must not reach outside either.
      }
      for (const name of ['escape.txt', 'escape/secret.txt', 'sub/up/secret.txt', 'sub/up/deep/x.txt']) {
        await target.storage.open(name).then(
          () => assert.unreachable(`${name} was read through a link that leads out`),
          (error: { code?: string }) => assert.is(error.code, 'INVALID_NAME', name),
        );
        if (name !== 'escape.txt') await target.storage.delete(name).catch(() => {});
      }
      assert.equal(await snapshot(base), before, 'the disk outside the stored files is unchanged');
      // A name taken by a link that leads out: a save picks another name; a replacing save
      // replaces the link itself, never the file it points to.
      const other = await target.storage.save('escape.txt', 'mine');
      assert.is.not(other, 'escape.txt');
      const replacing = createFileSystemStorage({ location, replaceExisting: true });
      assert.is(await replacing.save('escape.txt', 'replaced'), 'escape.txt');
      assert.ok((await lstat(join(location, 'escape.txt'))).isFile(), 'the link itself was replaced');
      await symlink(join(outside, 'deep', 'x.txt'), join(location, 'deep-link.txt'));
      await target.storage.delete('deep-link.txt');
      assert.equal(await snapshot(outside), outsideBefore, 'nothing outside was written or removed through a link');
      figures.push(
        `fs on disk: ${names.length} names (${HOSTILE_NAMES.length} plain, ${2 * HOSTILE_NAMES.length + 2} through symlinks leading out) → ${stored} files written inside the location and removed, ${throughLinks} refused through the links, 0 files written, read or removed outside`,
      );
    } finally {
      await target.cleanup();
    }
  });
  test.run();
}

function report(): void {
  const test = suite('hostile names: figures');
  test('print', () => {
    const groups = Object.entries(HOSTILE_NAME_GROUPS).map(([group, names]) => {
      const outcomes = names.map(predicted);
      const rejected = outcomes.filter((o) => o === 'rejected').length;
      return `${group} ${names.length} (${names.length - rejected} stored, ${rejected} INVALID_NAME)`;
    });
    console.log(
      `[reliability] hostile names: ${HOSTILE_NAMES.length} in ${groups.length} groups: ${groups.join('; ')}`,
    );
    for (const line of figures) console.log(`[reliability] hostile names: ${line}`);
  });
  test.run();
}

/** Every entry under `dir` (links not followed): path → file hash, link target or "dir". */
async function snapshot(dir: string, into: Record<string, string> = {}, root = dir): Promise<Record<string, string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const key = relative(root, path);
    if (entry.isSymbolicLink()) into[key] = `-> ${await readlink(path)}`;
    else if (entry.isDirectory()) {
      into[key] = 'dir';
      await snapshot(path, into, root);
    } else
      into[key] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
  }
  return into;
}
