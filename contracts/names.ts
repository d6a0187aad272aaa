/** Contract: names — awkward names round-trip exactly, unsafe names never reach I/O. */
import * as assert from 'uvu/assert';
import { isStorageError } from '../src/errors.js';
import type { Storage } from '../src/storage.js';
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

/**
 * Hostile names by kind: what an attacker, a careless client or another operating
 * system sends. Each must be either stored and read back exactly (under the name itself,
 * or under its canonical form when it has redundant separators) or refused with
 * INVALID_NAME, on every driver; never another error, never a file elsewhere.
 */
export const HOSTILE_NAME_GROUPS: Readonly<Record<string, readonly string[]>> = {
  traversal: [
    '..',
    '../x.txt',
    '../../../../etc/passwd',
    'a/../b.txt',
    'a/b/../../../x.txt',
    'x/..',
    '..\\x.txt',
    'a\\..\\..\\x.txt',
    'a/..\\x.txt',
    './x.txt',
    'a/./b.txt',
    '....//x.txt',
    '.../x.txt',
    '..hidden',
    'a/..b/c.txt',
    '..;/x.txt',
    'x/. ./y.txt',
  ],
  'URL-encoded traversal': [
    '%2e%2e%2fx.txt',
    '%2e%2e/x.txt',
    '..%2fx.txt',
    '..%2Fetc%2Fpasswd',
    '%2e%2e%5cx.txt',
    '..%5cx.txt',
    '%252e%252e%252fx.txt',
    '.%2e/x.txt',
    '%2e./x.txt',
    '..%c0%afx.txt',
    '%c0%ae%c0%ae/x.txt',
    '..%00/x.txt',
    '%2fetc%2fpasswd',
  ],
  'absolute and Windows paths': [
    '/etc/passwd',
    '//server/share/x.txt',
    '\\\\server\\share\\x.txt',
    '\\x.txt',
    'C:\\Windows\\win.ini',
    'c:/windows/win.ini',
    'C:',
    'C:x.txt',
    'file:///etc/passwd',
    'a\\b.txt',
    '\\\\?\\C:\\x.txt',
    'dir\\',
  ],
  'NUL, CR/LF and control characters': [
    'nul\u0000.txt',
    '\u0000',
    'x.txt\u0000.jpg',
    'line\nbreak.txt',
    'carriage\rreturn.txt',
    'crlf\r\nSet-Cookie: a=b.txt',
    'tab\t.txt',
    'escape\u001b[31m.txt',
    'bell\u0007.txt',
    'delete\u007f.txt',
    'unit\u001f.txt',
    'c1\u0085next-line.txt',
    'c1\u009bcsi.txt',
  ],
  'overlong names and segments': [
    'x'.repeat(255),
    'x'.repeat(256),
    'é'.repeat(127),
    'é'.repeat(128),
    '😀'.repeat(63),
    '😀'.repeat(64),
    `${'d/'.repeat(300)}x.txt`,
    `${'a'.repeat(200)}/${'b'.repeat(200)}/${'c'.repeat(200)}/${'d'.repeat(200)}/${'e'.repeat(200)}.txt`,
    `${'a'.repeat(250)}/${'b'.repeat(250)}/${'c'.repeat(250)}/${'d'.repeat(250)}/e.txt`,
    'x'.repeat(2000),
  ],
  'Unicode normalisation and look-alikes': [
    'café.txt',
    'cafe\u0301.txt',
    '\ufb01le.txt',
    '\u212bngstrom.txt',
    '\u00c5ngstrom.txt',
    '\uff0fetc\uff0fpasswd',
    '..\u2215x.txt',
    '\u2024\u2024/x.txt',
    '\uff0e\uff0e/x.txt',
    'a\u0308\u0308\u0308.txt',
    '👩‍👩‍👧 family.txt',
    'zero\u200bwidth.txt',
    '\ufeffbom.txt',
    'evil\u202etxt.exe',
    'line\u2028separator.txt',
    'lone\ud800surrogate.txt',
    'lone\udc00low.txt',
    '\u0130stanbul.txt',
  ],
  'trailing dots and spaces': [
    'name.',
    'name..',
    'name ',
    'name. . .',
    ' ',
    '   leading.txt',
    'dir./x.txt',
    'dir /x.txt',
    'a/ /b.txt',
    '...',
    'x/...',
    '. .',
  ],
  'reserved device names': [
    'CON',
    'con.txt',
    'PRN',
    'AUX.log',
    'NUL',
    'nul.txt',
    'COM1',
    'LPT9.txt',
    'CONIN$',
    'dir/CON/x.txt',
    'COM\u00b9',
  ],
  'shell, markup and URL metacharacters': [
    '$(rm -rf ~).txt',
    '`id`.txt',
    '\u0024{jndi:ldap://x/a}',
    '<script>alert(1)</script>',
    '"quoted" \'single\'.txt',
    "'; DROP TABLE files;--",
    'a?b=c&d=e.txt',
    '#fragment',
    '?',
    'a%2Fb.txt',
    '%',
    '100%.txt',
    '*?<>|:.txt',
    '~/x.txt',
    '-rf',
    '.env',
    '.git/config',
    '.stowage-partial-0123456789abcdef',
    'x/.stowage-partial-x',
  ],
};

/** Every hostile name, flattened. */
export const HOSTILE_NAMES: readonly string[] = Object.values(HOSTILE_NAME_GROUPS).flat();

/** What a storage did with a hostile name. */
export type NameOutcome = 'stored' | 'normalised' | 'rejected';

/**
 * Saves `name` and checks that it was either refused with INVALID_NAME (nothing
 * written) or stored and read back exactly: the bytes through the stored name and
 * through `name`, `exists`, the parent's `listdir`, then `delete`. Anything else fails
 * the assertion. Resolves with 'stored' (under `name` itself), 'normalised' (under its
 * canonical form, e.g. without `./`) or 'rejected'.
 */
export async function checkHostileName(storage: Storage, name: string): Promise<NameOutcome> {
  const label = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name);
  const content = `content of ${label}`;
  let stored: string;
  try {
    stored = await storage.save(name, content);
  } catch (error) {
    assert.ok(
      isStorageError(error, 'INVALID_NAME'),
      `${label}: save failed with ${isStorageError(error) ? error.code : String(error)}, not INVALID_NAME`,
    );
    return 'rejected';
  }
  assert.is((await readAll(storage, stored)).toString(), content, `${label}: bytes through the stored name`);
  assert.is((await readAll(storage, name)).toString(), content, `${label}: bytes through the name as given`);
  assert.ok(await storage.exists(stored), `${label}: exists`);
  const slash = stored.lastIndexOf('/');
  const { files } = await storage.listdir(slash === -1 ? '' : stored.slice(0, slash));
  assert.ok(files.includes(stored.slice(slash + 1)), `${label}: listed`);
  await storage.delete(stored);
  assert.not.ok(await storage.exists(stored), `${label}: deleted`);
  return stored === name ? 'stored' : 'normalised';
}

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

  // A storage of its own, so that no name the other cases stored is taken already.
  const hostile = contractSuite(setup, 'hostile names');
  hostile(
    `${HOSTILE_NAMES.length} hostile names: stored and read back exactly, or INVALID_NAME`,
    async ({ storage }) => {
      for (const name of HOSTILE_NAMES) await checkHostileName(storage, name);
      assert.equal(await collect(storage.list('')), [], 'nothing left behind');
    },
  );
  hostile.run();
}
