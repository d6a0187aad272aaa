import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isStorageError } from '../../src/errors.js';
import {
  generateFilename,
  getValidName,
  MAX_NAME_BYTES,
  nameCandidates,
  nameLength,
  normalizeName,
  normalizePrefix,
  splitName,
} from '../../src/names.js';

const test = suite('names');

function invalid(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return isStorageError(error, 'INVALID_NAME');
  }
  return false;
}

test('normalizeName drops "." segments and repeated slashes', () => {
  assert.is(normalizeName('a//b/./c.txt'), 'a/b/c.txt');
  assert.is(normalizeName('./x'), 'x');
  assert.is(normalizeName('ünï/😀 x.txt'), 'ünï/😀 x.txt');
});

test('normalizeName gives every short name over a/./-/_// what the rules say', () => {
  // Plain names take a shortcut past the full checks: both must agree with the rules.
  const expected = (name: string): string | undefined => {
    const segments = name.split('/');
    if (name.startsWith('/') || name.endsWith('/') || segments.includes('..')) return undefined;
    if (segments.at(-1) === '.') return undefined;
    const kept = segments.filter((segment) => segment !== '' && segment !== '.');
    return kept.length === 0 ? undefined : kept.join('/');
  };
  let names = [''];
  for (let length = 1; length <= 5; length++) {
    names = names.flatMap((name) => ['a', '.', '-', '_', '/'].map((c) => name + c));
    for (const name of names) {
      const want = expected(name);
      if (want === undefined)
        assert.ok(
          invalid(() => normalizeName(name)),
          JSON.stringify(name),
        );
      else assert.is(normalizeName(name), want, JSON.stringify(name));
    }
  }
});

test('normalizeName rejects what could escape or confuse', () => {
  for (const name of [
    '',
    '/a',
    '\\a',
    'C:a',
    'a/../b',
    '..',
    'a\\..\\b',
    'a/',
    'a\u0000',
    'a\nb',
    '.',
    './',
    'x.txt/.',
    'a/.',
  ]) {
    assert.ok(
      invalid(() => normalizeName(name)),
      JSON.stringify(name),
    );
  }
  assert.ok(
    invalid(() => normalizeName('x'.repeat(256))),
    'segment over 255 bytes',
  );
  assert.ok(!invalid(() => normalizeName('x'.repeat(255))), 'segment of 255 bytes');
  assert.ok(
    invalid(() => normalizeName('é'.repeat(128))),
    '256 bytes of UTF-8 in 128 characters',
  );
  assert.ok(
    invalid(() => normalizeName(`${'a/'.repeat(MAX_NAME_BYTES / 2)}b`)),
    'over 1024 bytes',
  );
  assert.ok(
    invalid(() => normalizeName(42 as unknown as string)),
    'not a string',
  );
});

test('normalizeName rejects lone surrogates and the temporary-file prefix; keeps surrogate pairs', () => {
  for (const name of ['a\ud800b', 'a\udc00', '\ud83d', 'x/.stowage-partial-1', '.stowage-partial-']) {
    assert.ok(
      invalid(() => normalizeName(name)),
      JSON.stringify(name),
    );
  }
  assert.is(normalizeName('😀/.stowage-partial'), '😀/.stowage-partial');
});

test('normalizePrefix: root forms and trailing slash', () => {
  for (const root of ['', '.', './', '/']) assert.is(normalizePrefix(root), '');
  assert.is(normalizePrefix('a/b'), 'a/b/');
  assert.is(normalizePrefix('a/b/'), 'a/b/');
  assert.ok(invalid(() => normalizePrefix('../a')));
});

test('splitName follows pathlib suffixes', () => {
  assert.equal(splitName('a/b/photo.tar.gz'), { dir: 'a/b', root: 'photo', ext: '.tar.gz' });
  assert.equal(splitName('.bashrc'), { dir: '', root: '.bashrc', ext: '' });
  assert.equal(splitName('..x.y'), { dir: '', root: '..x', ext: '.y' });
  assert.equal(splitName('name.'), { dir: '', root: 'name.', ext: '' });
  assert.equal(splitName('plain'), { dir: '', root: 'plain', ext: '' });
});

test('nameCandidates: the name, then root_<7>.ext alternatives; truncation for maxLength', () => {
  const next = nameCandidates('dir/file.txt');
  assert.is(next(), 'dir/file.txt');
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const candidate = next();
    assert.match(candidate, /^dir\/file_[A-Za-z0-9]{7}\.txt$/);
    seen.add(candidate);
  }
  assert.is(seen.size, 100);
  const short = nameCandidates('dir/longname.txt', 20);
  assert.is(short(), 'dir/longname.txt');
  const alt = short();
  assert.is(alt.length, 20);
  assert.match(alt, /^dir\/long_[A-Za-z0-9]{7}\.txt$/);
  const tooLong = nameCandidates('dir/longname.txt', 10);
  assert.ok(invalid(() => tooLong()));
});

test('getValidName and generateFilename match Django', () => {
  assert.is(getValidName("john's portrait in 2004.jpg"), 'johns_portrait_in_2004.jpg');
  assert.is(getValidName('  spaced  '), 'spaced');
  assert.is(getValidName('a-b_c.d'), 'a-b_c.d');
  for (const bad of ['', '...'.slice(0, 2), '???', '.'])
    assert.ok(
      invalid(() => getValidName(bad)),
      bad,
    );
  assert.is(generateFilename('a/b/c d.txt'), 'a/b/c_d.txt');
  assert.is(generateFilename('x.txt'), 'x.txt');
  assert.ok(invalid(() => generateFilename('a/../b.txt')));
});

test('maxLength counts code points, as Python does; truncation never splits a surrogate pair', () => {
  const bold = 'up/𝐀𝐀𝐀𝐀𝐀𝐀𝐀𝐀𝐀.txt';
  assert.is(nameLength(bold), 16);
  assert.is(nameCandidates(bold, 20)(), bold, 'fits in 20 characters, as in Django');
  const emoji = `${'😀'.repeat(12)}.txt`;
  const next = nameCandidates(emoji, 16);
  assert.is(next(), emoji);
  const alt = next();
  assert.is(nameLength(alt), 16);
  assert.match(alt, /^(😀){4}_[A-Za-z0-9]{7}\.txt$/u);
  assert.is(normalizeName(alt), alt, 'well-formed: no lone surrogate');
});

test('maxLength 0 means no limit, as in Django', () => {
  const next = nameCandidates('dir/file.txt', 0);
  assert.is(next(), 'dir/file.txt');
  assert.match(next(), /^dir\/file_[A-Za-z0-9]{7}\.txt$/);
});

test('a backslash is a separator in every name and in generateFilename, one rule for both', () => {
  assert.is(normalizeName('a\\b.txt'), 'a/b.txt');
  assert.is(generateFilename('a\\b c.txt'), 'a/b_c.txt');
  for (const name of ['\\abs.txt', 'a\\..\\b.txt', 'a\\', 'a\\.']) {
    assert.ok(
      invalid(() => normalizeName(name)),
      name,
    );
    assert.ok(
      invalid(() => generateFilename(name)),
      name,
    );
  }
});

test('generateFilename refuses an absolute directory, as save does', () => {
  for (const name of ['/abs.txt', '/etc/passwd', '//x/y.txt']) {
    assert.ok(
      invalid(() => generateFilename(name)),
      name,
    );
  }
});

test("getValidName trims Python's str.strip() whitespace, not JavaScript's trim() set", () => {
  assert.is(getValidName('\x1c\x1d\x1e\x1f a'), 'a');
  assert.is(getValidName('\x85 a \u3000\u2028'), 'a');
  assert.is(getValidName('\ufeff a'), '_a', 'U+FEFF is not whitespace to Python: kept by strip, then dropped');
  assert.is(getValidName('\u200b a'), '_a');
});

test.run();
