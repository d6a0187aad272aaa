/** Contract: names — awkward names round-trip exactly, unsafe names never reach I/O. */
import * as assert from 'uvu/assert';
import { type ContractSetup, collect, contractSuite, readAll, rejectsWith, throwsWith } from './context.js';

/** Names every driver must store and give back exactly. */
export const AWKWARD_NAMES = [
  'with space.txt',
  '  leading and trailing spaces  .txt',
  'plus+sign.txt',
  'percent%20encoded%2F.txt',
  'hash#fragment.txt',
  'question?mark.txt',
  'amp&ersand=equals.txt',
  'brackets[0].txt',
  'braces{a,b}.txt',
  'quote\'and"double.txt',
  'semi;colon:colon,comma.txt',
  'at@dollar$excl!.txt',
  'paren(1)star*tilde~.txt',
  'ünïcödé/файл/文件.txt',
  'emoji 😀/🚀 rocket.txt',
  'nfc-é.txt',
  'nfd-e\u0301.txt',
  '.hidden',
  'trailing.dot.',
  'no-extension',
  'a/b/c/d/e/f/g/h/i/j/k/l/deep.txt',
  'CON',
  'x'.repeat(200),
];

/** Names every driver must refuse with INVALID_NAME before any I/O. */
export const UNSAFE_NAMES = [
  '',
  '/etc/passwd',
  '../escape.txt',
  'a/../../escape.txt',
  'a/..',
  '..',
  '.',
  './',
  'dir/',
  '..\\escape.txt',
  'a\\..\\..\\escape.txt',
  '\\absolute.txt',
  'C:\\Windows\\win.ini',
  'C:/Windows/win.ini',
  'nul\u0000byte.txt',
  'control\u0001.txt',
  'new\nline.txt',
  'carriage\rreturn.txt',
  'tab\there.txt',
  'delete\u007f.txt',
  'x'.repeat(256),
  `${'segment/'.repeat(130)}file.txt`,
];

export function namesContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'names');

  test('awkward names round-trip exactly: save, open, exists, list', async ({ storage }) => {
    for (const name of AWKWARD_NAMES) {
      const stored = await storage.save(name, `content of ${name}`);
      assert.is(stored, name);
      assert.is((await readAll(storage, name)).toString(), `content of ${name}`, name);
      assert.ok(await storage.exists(name), name);
      const slash = name.lastIndexOf('/');
      const { files } = await storage.listdir(slash === -1 ? '' : name.slice(0, slash));
      assert.ok(files.includes(name.slice(slash + 1)), `listdir shows ${name}`);
    }
    const nfc = await readAll(storage, 'nfc-é.txt');
    const nfd = await readAll(storage, 'nfd-e\u0301.txt');
    assert.is.not(nfc.toString(), nfd.toString(), 'NFC and NFD names are distinct objects');
  });

  test('unsafe names are INVALID_NAME everywhere, and nothing is written', async ({ storage }) => {
    const before = await collect(storage.list(''));
    for (const name of UNSAFE_NAMES) {
      const label = JSON.stringify(name);
      await rejectsWith(storage.save(name, 'x'), 'INVALID_NAME', `save ${label}`);
      await rejectsWith(storage.open(name), 'INVALID_NAME', `open ${label}`);
      await rejectsWith(storage.exists(name), 'INVALID_NAME', `exists ${label}`);
      await rejectsWith(storage.delete(name), 'INVALID_NAME', `delete ${label}`);
      await rejectsWith(storage.stat(name), 'INVALID_NAME', `stat ${label}`);
      await rejectsWith(storage.copy(name, 'target.txt'), 'INVALID_NAME', `copy from ${label}`);
    }
    assert.equal(await collect(storage.list('')), before);
  });

  test('redundant separators and "." segments normalise to one name', async ({ storage }) => {
    const stored = await storage.save('norm//./a///b.txt', 'x');
    assert.is(stored, 'norm/a/b.txt');
    assert.ok(await storage.exists('./norm/a/b.txt'));
  });

  test('getAvailableName: the name when free, else an alternative; INVALID_NAME when maxLength leaves nothing', async ({
    storage,
  }) => {
    assert.is(await storage.getAvailableName('avail/photo.jpg'), 'avail/photo.jpg');
    await storage.save('avail/photo.jpg', 'x');
    const alternative = await storage.getAvailableName('avail/photo.jpg');
    assert.match(alternative, /^avail\/photo_[A-Za-z0-9]{7}\.jpg$/);
    assert.is(await storage.exists(alternative), false);
    const truncated = await storage.getAvailableName('avail/photo.jpg', 19);
    assert.match(truncated, /^avail\/p_[A-Za-z0-9]{7}\.jpg$/);
    await rejectsWith(storage.getAvailableName('avail/photo.jpg', 10), 'INVALID_NAME', 'maxLength 10');
  });

  test('getValidName and generateFilename follow Django', async ({ storage }) => {
    assert.is(storage.getValidName("  john's portrait in 2004.jpg "), 'johns_portrait_in_2004.jpg');
    assert.is(storage.getValidName('ünïcode name.txt'), 'ünïcode_name.txt');
    throwsWith(() => storage.getValidName('???'), 'INVALID_NAME', 'nothing valid');
    throwsWith(() => storage.getValidName('..'), 'INVALID_NAME', '..');
    assert.is(storage.generateFilename('uploads/my file (1).txt'), 'uploads/my_file_1.txt');
    assert.is(storage.generateFilename('uploads\\win dir\\a b.txt'), 'uploads/win dir/a_b.txt');
    throwsWith(() => storage.generateFilename('../uploads/x.txt'), 'INVALID_NAME', 'generateFilename ..');
  });

  test.run();
}
