/**
 * Object names: the one module that validates and normalises them (Django's
 * `validate_file_name`, `get_valid_filename`, `get_available_name`, `generate_filename`).
 * Drivers receive only names that passed `normalizeName`.
 */
import { randomInt } from 'node:crypto';
import { StorageError } from './errors.js';

/** S3's key limit (1024 bytes of UTF-8); applied to every driver so names port between them. */
export const MAX_NAME_BYTES = 1024;
/** Most file systems' limit for one path segment (NAME_MAX); applied to every driver. */
export const MAX_SEGMENT_BYTES = 255;
/** Length of the random part of an alternative name, as in Django. */
const ALTERNATIVE_SUFFIX_LENGTH = 7;
const ALPHANUMERICS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Half of a UTF-16 surrogate pair on its own: no UTF-8 encoding, so no key or file name. */
const LONE_SURROGATE = /\p{Surrogate}/u;
const WINDOWS_DRIVE = /^[A-Za-z]:/;
/**
 * A name that passes every check below unchanged: ASCII letters, digits, `_`, `-` and `.`,
 * in non-empty segments that do not start with `.`, joined by single slashes. Most names
 * are like this; it skips the full checks' regular expressions, splits and byte counts,
 * a measurable part of a small object's operation (bench/small.ts).
 */
const PLAIN_NAME = /^[\w-][\w.-]*(?:\/[\w-][\w.-]*)*$/;
/**
 * Segments starting with this are the fs and memory drivers' temporary files, which
 * listings skip; reserved on every driver so that names port between them.
 */
export const RESERVED_SEGMENT_PREFIX = '.stowage-partial-';

/**
 * Characters Python's `str.strip()` removes (`str.isspace()`: Unicode category Zs and
 * bidirectional classes WS, B and S), which is what Django's `get_valid_filename` trims.
 * Not JavaScript's `trim()` set: that keeps U+001C–U+001F and U+0085 and removes U+FEFF.
 */
const PYTHON_WHITESPACE = String.raw`\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;
const SURROUNDING_PYTHON_WHITESPACE = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, 'g');

/**
 * Checks a name and returns its canonical form: a backslash is a separator (as in
 * Django's `get_available_name` and `generate_filename`: `a\b.txt` is `a/b.txt`), and
 * `.` segments and repeated slashes are dropped. Rejects with INVALID_NAME, before any
 * I/O, names that are empty, absolute (`/x`, `\x`, `C:x`), contain a `..` segment, a NUL
 * or control character or a lone surrogate, end in a separator or in a `.` segment (`a/`,
 * `a/.`: no file name, as Django's `validate_file_name` says), have a segment starting
 * with `.stowage-partial-` (temporary files) or exceed the length limits.
 */
export function normalizeName(name: string): string {
  if (typeof name !== 'string') throw invalid(String(name), 'a name must be a string');
  // ASCII: its length is its UTF-8 byte count, so no segment nor the whole is too long.
  if (name.length <= MAX_SEGMENT_BYTES && PLAIN_NAME.test(name)) return name;
  if (CONTROL_CHARACTERS.test(name)) {
    throw invalid(name, 'names may not contain NUL or control characters');
  }
  if (LONE_SURROGATE.test(name)) {
    throw invalid(name, 'names must be well-formed Unicode (a lone UTF-16 surrogate has no UTF-8 form)');
  }
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || WINDOWS_DRIVE.test(name)) {
    throw invalid(name, 'names are relative to the storage root; remove the leading / or drive');
  }
  if (slashed.split('/').includes('..')) {
    throw invalid(name, 'names may not contain ".." segments');
  }
  if (slashed.endsWith('/') || slashed === '.' || slashed.endsWith('/.')) {
    throw invalid(name, `a name must end in a file name, not in "${slashed.endsWith('/') ? '/' : '.'}"`);
  }
  const segments = slashed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment.startsWith(RESERVED_SEGMENT_PREFIX))) {
    throw invalid(name, `names may not start with ${RESERVED_SEGMENT_PREFIX} (stowage's temporary files)`);
  }
  const normalized = segments.join('/');
  if (normalized === '') throw invalid(name, 'the name is empty once normalised');
  if (Buffer.byteLength(normalized) > MAX_NAME_BYTES) {
    throw invalid(name, `names are limited to ${MAX_NAME_BYTES} bytes of UTF-8`);
  }
  if (segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)) {
    throw invalid(name, `each path segment is limited to ${MAX_SEGMENT_BYTES} bytes of UTF-8`);
  }
  return normalized;
}

/**
 * The length of a name as Django (Python's `len`) counts it: in code points, so an
 * astral character such as 😀 or 𝐀 is one, not two UTF-16 code units.
 */
export function nameLength(name: string): number {
  let length = 0;
  for (const _ of name) length++;
  return length;
}

/**
 * True when `name` is longer than `maxLength` code points. `undefined` and 0 mean no
 * limit, as Django's `if max_length and len(name) > max_length` reads them.
 */
export function exceedsMaxLength(name: string, maxLength: number | undefined): boolean {
  return maxLength !== undefined && maxLength !== 0 && nameLength(name) > maxLength;
}

/**
 * Normalises a directory path for listdir/list: like `normalizeName`, but the empty
 * string (the root) and a trailing slash are allowed. Returns '' or 'a/b/' (with slash).
 */
export function normalizePrefix(path: string): string {
  if (path === '' || path === '.' || path === './' || path === '/') return '';
  const trimmed = path.replace(/\/+$/, '');
  return `${normalizeName(trimmed)}/`;
}

/**
 * Django's `get_valid_filename`: strips surrounding whitespace (Python's `str.strip()`
 * set), turns spaces into underscores and drops everything that is not alphanumeric, dash, underscore or dot.
 */
export function getValidName(name: string): string {
  const cleaned = String(name)
    .replace(SURROUNDING_PYTHON_WHITESPACE, '')
    .replace(/ /g, '_')
    .replace(/[^-\p{L}\p{N}_.]/gu, '');
  if (cleaned === '' || cleaned === '.' || cleaned === '..') {
    throw invalid(name, 'no valid file name can be derived from it');
  }
  return cleaned;
}

/**
 * Django's `generate_filename`: keeps the directory part (which may not contain `..`)
 * and applies `getValidName` to the file name; backslashes are separators. The result is
 * a name `save` accepts: an absolute directory (`/abs.txt`), which Django returns and
 * its `save` then refuses, is INVALID_NAME here.
 */
export function generateFilename(filename: string): string {
  const name = String(filename).replace(/\\/g, '/');
  const slash = name.lastIndexOf('/');
  const dir = name.slice(0, slash + 1);
  if (dir.split('/').includes('..')) throw invalid(filename, 'the directory may not contain ".."');
  return normalizeName(`${dir}${getValidName(name.slice(slash + 1))}`);
}

/** A name split as Django splits it: `a/b/photo.tar.gz` → dir `a/b`, root `photo`, ext `.tar.gz`. */
export interface NameParts {
  dir: string;
  root: string;
  ext: string;
}

export function splitName(name: string): NameParts {
  const slash = name.lastIndexOf('/');
  const dir = slash === -1 ? '' : name.slice(0, slash);
  const file = name.slice(slash + 1);
  // pathlib's suffixes: leading dots belong to the root; none if the name ends in ".".
  const leadingDots = file.length - file.replace(/^\.+/, '').length;
  const firstDot = file.indexOf('.', leadingDots);
  const ext = firstDot === -1 || file.endsWith('.') ? '' : file.slice(firstDot);
  return { dir, root: file.slice(0, file.length - ext.length), ext };
}

/** `root_<7 random alphanumerics>ext`, in the name's directory. */
export function alternativeName({ dir, root, ext }: NameParts): string {
  let suffix = '';
  for (let i = 0; i < ALTERNATIVE_SUFFIX_LENGTH; i++) {
    suffix += ALPHANUMERICS[randomInt(ALPHANUMERICS.length)];
  }
  const file = `${root}_${suffix}${ext}`;
  return dir === '' ? file : `${dir}/${file}`;
}

/**
 * A source of candidate names for one save, following Django's `get_available_name`:
 * the name itself first (when it fits `maxLength`), then alternatives, truncating the
 * root so each fits. Lengths are counted in code points (`nameLength`); 0 means no
 * limit. Throws INVALID_NAME when the root would be truncated to nothing.
 */
export function nameCandidates(name: string, maxLength?: number): () => string {
  // Split when an alternative is first needed: most saves only ever take the name itself.
  let parts: NameParts | undefined;
  let first = true;
  return () => {
    if (first) {
      first = false;
      if (!exceedsMaxLength(name, maxLength)) return name;
    }
    parts ??= splitName(name);
    let candidate = alternativeName(parts);
    if (maxLength !== undefined && exceedsMaxLength(candidate, maxLength)) {
      const truncation = nameLength(candidate) - maxLength;
      parts.root = Array.from(parts.root).slice(0, -truncation).join('');
      if (parts.root === '') {
        throw invalid(name, `no available name fits in ${maxLength} characters; allow a longer maxLength`);
      }
      candidate = alternativeName(parts);
    }
    return candidate;
  };
}

function invalid(name: string, why: string): StorageError {
  return new StorageError('INVALID_NAME', `Invalid name ${JSON.stringify(name)}: ${why}.`, {
    name,
  });
}
