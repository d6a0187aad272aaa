/**
 * The differential test of names against Django itself: a generated corpus (fixed seed:
 * Unicode, astral characters, whitespace of every class, separators, dots, long names,
 * the hostile names of the contract suite) goes through Django 5.2's `get_valid_name`,
 * `generate_filename`, `get_available_name` (with and without `max_length`, free and
 * taken) and `FileSystemStorage.save` on a taken name (test/support/django_names.py, in
 * the virtualenv scripts/install-django.sh makes), and through stowage's counterparts on
 * the fs driver. Random suffixes differ, so alternatives are compared by shape: the same
 * name except for 7 alphanumerics after one `_`. Every deliberate difference is one entry
 * of ALLOWED, which cites its line in docs/migrating-from-django-minio-backend.md.
 * Without Django the test is a loud skip; with CI=true, a failure.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HOSTILE_NAMES } from '../contracts/names.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { isStorageError } from '../src/errors.js';
import { generateFilename, getValidName, normalizeName } from '../src/names.js';

const ROOT = join(import.meta.dirname, '..');
const PYTHON = process.env.STOWAGE_TEST_DJANGO_PYTHON ?? join(ROOT, '.venv-django/bin/python');
const HELPER = join(ROOT, 'test/support/django_names.py');
const DOC = 'docs/migrating-from-django-minio-backend.md';
/** The corpus's seed: change it and the corpus changes, deterministically. */
const SEED = 16;
const GENERATED_NAMES = 400;

type Op = 'valid' | 'generate' | 'available' | 'available-taken' | 'save-taken';
interface Case {
  id: number;
  op: Op;
  name: string;
  maxLength: number | null;
}
/** A name, or a refusal (Django: any exception; stowage: its error code and message). */
type Answer = { ok: string } | { error: string };
type DjangoAnswer = Answer & { unassigned?: boolean };
interface DjangoReply {
  django: string;
  python: string;
  unicode: string;
  results: DjangoAnswer[];
  sweep: { stripped: [number, number][]; kept: [number, number][]; unassigned: [number, number][] };
}

/** A deliberate difference: when it applies, and the line of the doc that says why. */
interface Allowed {
  /** Text of the doc line that explains it (the test finds the line and fails without it). */
  doc: string;
  applies(c: Case, django: DjangoAnswer, stowage: Answer): boolean;
}

const refused = (answer: Answer): answer is { error: string } => 'error' in answer;
const refusedByStowageOnly = (django: Answer, stowage: Answer) => refused(stowage) && !refused(django);
const segments = (name: string) => name.split(/[/\\]/);
const overLimits = (name: string) =>
  Buffer.byteLength(name) > 1024 || segments(name).some((segment) => Buffer.byteLength(segment) > 255);
const stored = (answer: Answer): string | undefined => ('ok' in answer ? answer.ok : undefined);
const NAME_OPS: readonly Op[] = ['available', 'available-taken', 'save-taken'];

const ALLOWED: readonly Allowed[] = [
  {
    doc: '**Control characters and lone surrogates**',
    applies: (c, django, stowage) =>
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
      refusedByStowageOnly(django, stowage) && /[\u0000-\u001f\u007f]|\p{Surrogate}/u.test(c.name),
  },
  {
    doc: '**Windows drive letters**',
    applies: (c, django, stowage) => refusedByStowageOnly(django, stowage) && /^[A-Za-z]:/.test(c.name),
  },
  {
    doc: '**Length limits at naming time**',
    // The name given is over a limit, or the alternative Django returns for it is.
    applies: (c, django, stowage) =>
      refusedByStowageOnly(django, stowage) && [c.name, stored(django) ?? ''].some(overLimits),
  },
  {
    doc: '**The temporary-file prefix**',
    applies: (c, django, stowage) =>
      refusedByStowageOnly(django, stowage) && segments(c.name).some((s) => s.startsWith('.stowage-partial-')),
  },
  {
    doc: '**Canonical names from `getAvailableName`**',
    applies: (c, django, stowage) => {
      if (!NAME_OPS.includes(c.op) || canonical(c.name) === c.name.replace(/\\/g, '/')) return false;
      const [d, s] = [stored(django), stored(stowage)];
      if (d !== undefined && s !== undefined && sameShape(canonical(d), s)) return true;
      // Django measured maxLength on the name as given, stowage on its canonical form.
      return c.maxLength !== null && c.maxLength > 0;
    },
  },
  {
    doc: '**`generateFilename` of an absolute path**',
    applies: (c, django, stowage) => c.op === 'generate' && refused(stowage) && /^\//.test(stored(django) ?? ''),
  },
  {
    doc: '**`maxLength: 0` on a taken name**',
    applies: (c, django, stowage) =>
      c.maxLength === 0 &&
      (c.op === 'available-taken' || c.op === 'save-taken') &&
      refused(django) &&
      !refused(stowage),
  },
  {
    doc: '**Unicode version**',
    applies: (_c, django) => django.unassigned === true,
  },
];

const WHITESPACE = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  '\x1c',
  '\x1d',
  '\x1e',
  '\x1f',
  ' ',
  '\x85',
  '\xa0',
  '\u1680',
  '\u2000',
  '\u2005',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
  // Not whitespace to Python, some of it to JavaScript:
  '\ufeff',
  '\u180e',
  '\u200b',
];
const PIECES: readonly (readonly string[])[] = [
  ['a', 'b', 'Z', 'q', '0', '9', '-', '_', 'photo', 'report 2004'],
  ['.', '..', '...', '.txt', '.tar.gz', '.jpg', '.'],
  ['/', '/', '\\', '//', '/./', '../', './'],
  WHITESPACE,
  ['é', 'ß', 'ü', '中', 'Ω', 'e\u0301', '한', '\u0663', '½', '²', 'Ⅻ', 'ǅ', 'ʰ', 'ª', '\u0bf2'],
  ['𝐀', '😀', '𠀀', '𐐷', '🏳️‍🌈', '𝟘'],
  ["'", '!', '#', '%', '+', '&', '?', '[', '{', '~', '@', '$', ',', ';', '=', '(', '"', '*', '<', '|', ':'],
  ['\x00', '\x01', '\x1b', '\x7f'],
];
const WEIGHTS = [8, 4, 3, 3, 3, 2, 2, 1];

/** The names the issue names, and edges of each rule. */
const FIXED_NAMES = [
  'up/𝐀𝐀𝐀𝐀𝐀𝐀𝐀𝐀𝐀.txt',
  `${'😀'.repeat(12)}.txt`,
  `up/${'😀'.repeat(30)}.jpg`,
  'a\\b.txt',
  'x.txt/.',
  'a/.',
  'a/',
  '/abs.txt',
  '/etc/passwd',
  ' \x1c a.txt',
  '\x85a.txt \x1f',
  '\ufeff a.txt',
  "john's portrait in 2004.jpg",
  'photo.tar.gz',
  '.bashrc',
  '..x.y',
  'name.',
  'a..b',
  'a. b.txt',
  'dir/longname.txt',
  'a//b.txt',
  'a/./b.txt',
  './x.txt',
  'C:x.txt',
  '.stowage-partial-x',
  'a/.stowage-partial-1/b.txt',
  `${'x'.repeat(252)}.txt`,
  `${'é'.repeat(126)}.txt`,
  `${`${'中'.repeat(80)}/`.repeat(5)}f.txt`,
  `${'d/'.repeat(300)}f.txt`,
  'lone\ud800.txt',
  '\u{31350}.txt',
];

const test = suite('names against Django');
const work = mkdtempSync(join(tmpdir(), 'stowage-django-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

if (!existsSync(PYTHON)) {
  const message = [
    '='.repeat(100),
    process.env.CI === 'true'
      ? 'FAILED (CI=true): the differential test of names needs Django, and it is not installed.'
      : 'SKIPPED: the differential test of names: Django is not installed, so it did NOT run.',
    `Tried: ${PYTHON}`,
    'To run it: bash scripts/install-django.sh   (needs Python 3.10+; installs the pinned Django into .venv-django/)',
    '   or STOWAGE_TEST_DJANGO_PYTHON=/path/to/python-with-django npm test',
    '='.repeat(100),
  ].join('\n');
  if (process.env.CI === 'true') throw new Error(message);
  console.error(message);
  test.skip('needs Django (see the banner above)', () => {});
} else {
  const cases = corpus();
  const reply = await askDjango(cases);
  const doc = readFileSync(join(ROOT, DOC), 'utf8').split('\n');
  const docLine = (allowed: Allowed) => doc.findIndex((line) => line.includes(allowed.doc)) + 1;

  test('every deliberate difference cites a line of the migration guide', () => {
    for (const allowed of ALLOWED) assert.ok(docLine(allowed) > 0, `${DOC} has no line with ${allowed.doc}`);
  });

  test(`${cases.length} cases: stowage answers as Django does, or as a listed deliberate difference`, async () => {
    const uses = new Map<Allowed, number>();
    const unexplained: string[] = [];
    let agree = 0;
    for (const [i, c] of cases.entries()) {
      const django = reply.results[i] as DjangoAnswer;
      const mine = await stowage(c);
      if (agrees(django, mine)) {
        agree++;
        continue;
      }
      const allowed = ALLOWED.find((entry) => entry.applies(c, django, mine));
      if (allowed) uses.set(allowed, (uses.get(allowed) ?? 0) + 1);
      else
        unexplained.push(
          `${c.op}(${JSON.stringify(c.name)}, ${c.maxLength}): Django ${show(django)}, stowage ${show(mine)}`,
        );
    }
    console.log(
      `[fidelity] Django ${reply.django} on Python ${reply.python} (Unicode ${reply.unicode}), seed ${SEED}: ` +
        `${agree}/${cases.length} agree, ${cases.length - agree - unexplained.length} deliberate differences, ` +
        `${unexplained.length} unexplained`,
    );
    for (const allowed of ALLOWED) {
      console.log(`[fidelity]   ${uses.get(allowed) ?? 0} × ${allowed.doc} (${DOC}:${docLine(allowed)})`);
    }
    assert.equal(unexplained.slice(0, 20), [], `${unexplained.length} differences from Django that no entry explains`);
    const unused = ALLOWED.filter((allowed) => !uses.has(allowed)).map((allowed) => allowed.doc);
    assert.equal(unused, [], 'allow-list entries the corpus never needs (remove them, or the corpus lost a case)');
  });

  test("every code point: getValidName strips what Python's str.strip() strips and keeps what \\w keeps", () => {
    const unassigned = toSet(reply.sweep.unassigned);
    const [strippedByDjango, keptByDjango] = [toSet(reply.sweep.stripped), toSet(reply.sweep.kept)];
    const differing: string[] = [];
    let newer = 0;
    let total = 0;
    for (let c = 0; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      total++;
      const result = getValidName(`${String.fromCodePoint(c)} a`);
      const mine = result === 'a' ? 'stripped' : result === '_a' ? 'dropped' : 'kept';
      const theirs = strippedByDjango.has(c) ? 'stripped' : keptByDjango.has(c) ? 'kept' : 'dropped';
      if (mine === theirs) continue;
      if (unassigned.has(c)) newer++;
      else differing.push(`U+${c.toString(16).toUpperCase().padStart(4, '0')}: Django ${theirs}, stowage ${mine}`);
    }
    console.log(
      `[fidelity] code points: ${total - newer - differing.length}/${total} agree, ${newer} differ only because ` +
        `they are unassigned in Python's Unicode ${reply.unicode} (**Unicode version**), ${differing.length} other`,
    );
    assert.equal(differing.slice(0, 20), [], `${differing.length} code points treated otherwise`);
    assert.ok(strippedByDjango.size >= 25, 'the sweep saw the whitespace');
  });
}

test.run();

/** stowage's answer for one case, on the fs driver in a directory of its own. */
async function stowage(c: Case): Promise<Answer> {
  const maxLength = c.maxLength ?? undefined;
  try {
    if (c.op === 'valid') return { ok: getValidName(c.name) };
    if (c.op === 'generate') return { ok: generateFilename(c.name) };
    const storage = createFileSystemStorage({ location: join(work, String(c.id)) });
    if (c.op === 'available') return { ok: await storage.getAvailableName(c.name, maxLength) };
    await storage.save(c.name, 'one');
    if (c.op === 'available-taken') return { ok: await storage.getAvailableName(c.name, maxLength) };
    return { ok: await storage.save(c.name, 'two', { maxLength }) };
  } catch (error) {
    if (isStorageError(error, 'INVALID_NAME')) return { error: `INVALID_NAME: ${error.message}` };
    // Anything but INVALID_NAME never agrees with a refusal: Django's refusals are names.
    return { error: `not INVALID_NAME: ${String(error)}` };
  }
}

function agrees(django: Answer, mine: Answer): boolean {
  if (refused(django) || refused(mine))
    return refused(django) && refused(mine) && mine.error.startsWith('INVALID_NAME');
  return sameShape(django.ok, mine.ok);
}

/**
 * Equal, or equal but for the 7 random alphanumerics after one `_` (an alternative
 * name): same length, same everything else, so truncation and placement are compared.
 */
function sameShape(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  const random = /^[A-Za-z0-9]{7}$/;
  for (let i = a.indexOf('_'); i !== -1; i = a.indexOf('_', i + 1)) {
    const [x, y] = [a.slice(i + 1, i + 8), b.slice(i + 1, i + 8)];
    if (
      random.test(x) &&
      random.test(y) &&
      a.slice(0, i + 1) === b.slice(0, i + 1) &&
      a.slice(i + 8) === b.slice(i + 8)
    ) {
      return true;
    }
  }
  return false;
}

/** The name in stowage's canonical form, or the name itself when it has none. */
function canonical(name: string): string {
  try {
    return normalizeName(name);
  } catch {
    return name;
  }
}

function show(answer: Answer): string {
  const text = refused(answer) ? `refused (${answer.error})` : JSON.stringify(answer.ok);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function toSet(ranges: readonly [number, number][]): Set<number> {
  const set = new Set<number>();
  for (const [first, last] of ranges) for (let c = first; c <= last; c++) set.add(c);
  return set;
}

async function askDjango(cases: readonly Case[]): Promise<DjangoReply> {
  const child = spawn(PYTHON, [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let [stdout, stderr] = ['', ''];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(JSON.stringify({ location: join(work, 'django'), cases }));
  const code = await exited;
  if (code !== 0) throw new Error(`${HELPER} exited with ${code}:\n${stderr}`);
  const reply = JSON.parse(stdout) as DjangoReply;
  assert.is(reply.results.length, cases.length, 'one answer per case');
  return reply;
}

/** The corpus: fixed names (the issue's, the hostile names), then generated ones. */
function corpus(): Case[] {
  const random = mulberry32(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const names = [...FIXED_NAMES, ...HOSTILE_NAMES];
  for (let i = 0; i < GENERATED_NAMES; i++) names.push(generatedName(random, pick));
  const cases: Case[] = [];
  for (const name of names) {
    const length = [...name].length;
    const limits = () =>
      pick([0, length, length - 1, length + 1, 12, 16, 20, 1 + Math.floor(random() * (length + 10))]);
    const add = (op: Op, maxLength: number | null) => cases.push({ id: cases.length, op, name, maxLength });
    add('valid', null);
    add('generate', null);
    for (const op of NAME_OPS) {
      add(op, null);
      add(op, limits());
    }
  }
  return cases;
}

function generatedName(random: () => number, pick: <T>(items: readonly T[]) => T): string {
  const total = WEIGHTS.reduce((a, b) => a + b, 0);
  const piece = () => {
    let r = random() * total;
    for (const [i, weight] of WEIGHTS.entries()) {
      r -= weight;
      if (r < 0) return pick(PIECES[i] as readonly string[]);
    }
    return 'a';
  };
  let name = '';
  const count = 1 + Math.floor(random() * 10);
  for (let i = 0; i < count; i++) name += piece();
  if (random() < 0.5) name += pick(['.txt', '.tar.gz', '.jpg', '', '.', '.x y']);
  // One name in eight is long: a piece repeated to 100–320 code points.
  if (random() < 0.125)
    name = pick(['', 'dir/', 'a/b/']) + name.repeat(Math.ceil((100 + random() * 220) / Math.max(1, name.length)));
  return name;
}

/** A small seeded generator (mulberry32): the same corpus on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
