/** What the fs driver guarantees beyond the contract: confinement, atomicity, modes. */
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejectsWith } from '../contracts/context.js';
import { PARTIAL_PREFIX } from '../drivers/fs/driver.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';

interface State {
  base: string;
  location: string;
  outside: string;
}

const test = suite<State>('fs driver', {} as State);

test.before.each(async (state) => {
  state.base = await mkdtemp(join(tmpdir(), 'stowage-fs-extra-'));
  state.location = join(state.base, 'root');
  state.outside = join(state.base, 'outside');
  await mkdir(state.location);
  await mkdir(state.outside);
  await writeFile(join(state.outside, 'secret.txt'), 'secret');
});

test.after.each(async ({ base }) => {
  await rm(base, { recursive: true, force: true });
});

test('symlinks that point out of the location are refused for reads and writes', async ({ location, outside }) => {
  await symlink(outside, join(location, 'dirlink'));
  await symlink(join(outside, 'secret.txt'), join(location, 'filelink.txt'));
  const storage = createFileSystemStorage({ location });
  await rejectsWith(storage.open('dirlink/secret.txt'), 'INVALID_NAME', 'read through dir link');
  await rejectsWith(storage.open('filelink.txt'), 'INVALID_NAME', 'read through file link');
  await rejectsWith(storage.save('dirlink/new.txt', 'x'), 'INVALID_NAME', 'write through dir link');
  await rejectsWith(storage.save('dirlink/deeper/new.txt', 'x'), 'INVALID_NAME', 'mkdir through dir link');
  await storage.delete('dirlink/secret.txt').catch(() => {});
  assert.equal((await readdir(outside)).sort(), ['secret.txt'], 'nothing written or deleted outside');
  const listed = (await collect(storage.list(''))).map((file) => file.name);
  assert.not.ok(listed.includes('filelink.txt'), 'listing skips links that leave the root');
});

test('a write in progress is invisible; the name appears only when complete', async ({ location }) => {
  const storage = createFileSystemStorage({ location });
  const source = new PassThrough();
  const saving = storage.save('slow.bin', source);
  source.write(Buffer.alloc(1024, 1));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(await storage.exists('slow.bin'), false);
  assert.equal(await collect(storage.list('')), []);
  const onDisk = await readdir(location);
  assert.is(onDisk.length, 1);
  assert.ok(onDisk[0]?.startsWith(PARTIAL_PREFIX), String(onDisk));
  source.end(Buffer.alloc(1024, 2));
  assert.is(await saving, 'slow.bin');
  assert.is(await storage.size('slow.bin'), 2048);
  assert.equal(await readdir(location), ['slow.bin'], 'the temporary file is gone');
});

test('file and directory modes are applied like Django FILE_UPLOAD_PERMISSIONS', async ({ location }) => {
  const storage = createFileSystemStorage({ location, fileMode: 0o640, directoryMode: 0o750 });
  await storage.save('a/b/file.txt', 'x');
  assert.is((await stat(join(location, 'a/b/file.txt'))).mode & 0o777, 0o640);
  assert.is((await stat(join(location, 'a'))).mode & 0o777, 0o750);
  assert.is((await stat(join(location, 'a/b'))).mode & 0o777, 0o750);
});

test('deleting the last file of a directory removes the empty directories, not the root', async ({ location }) => {
  const storage = createFileSystemStorage({ location });
  await storage.save('x/y/z/file.txt', 'x');
  await storage.save('x/keep.txt', 'x');
  await storage.delete('x/y/z/file.txt');
  assert.equal(await readdir(location), ['x']);
  assert.equal(await readdir(join(location, 'x')), ['keep.txt']);
  await storage.delete('x/keep.txt');
  assert.equal(await readdir(location), []);
});

test('the location is created on first write', async ({ base }) => {
  const location = join(base, 'not', 'yet');
  const storage = createFileSystemStorage({ location });
  await storage.save('f.txt', 'x');
  assert.ok((await stat(join(location, 'f.txt'))).isFile());
});

test('metadata other than the extension type is UNSUPPORTED on fs, not silently dropped', async ({ location }) => {
  const storage = createFileSystemStorage({ location });
  await storage.save('same-type.txt', 'x', { contentType: 'text/plain' });
  await rejectsWith(storage.save('other-type.txt', 'x', { contentType: 'image/png' }), 'UNSUPPORTED', 'type');
  await rejectsWith(storage.save('meta.txt', 'x', { metadata: { a: 'b' } }), 'UNSUPPORTED', 'metadata');
  assert.equal(await readdir(location), ['same-type.txt']);
});

test.run();
