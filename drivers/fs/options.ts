/**
 * Options of the file-system driver (Django's FileSystemStorage settings), declared once:
 * the type, the checks, the defaults, the `STORAGE_FS_*` variables and the rows of
 * docs/configuration.md all come from `FS_OPTIONS`.
 */
import { configError } from '../../src/env.js';
import { defineOptions, type OptionsOf, option, type ResolvedOptionsOf } from '../../src/options.js';

/** The largest mode `chmod` takes (setuid, setgid, sticky and the permission bits). */
const MAX_MODE = 0o7777;

export const FS_OPTIONS = defineOptions('fs', {
  /**
   * The directory that holds the files; created on first write. Nothing is ever read
   * or written outside it. Env: `STORAGE_FS_LOCATION` (default `./storage`).
   */
  location: option.string({
    required: true,
    requiredBecause: 'the directory that holds the files',
    env: { default: 'STORAGE_FS_LOCATION', static: 'STORAGE_FS_STATIC_LOCATION' },
    envDefault: { perAlias: { default: './storage', static: './static' } },
    doc: "directory holding the files (Django's `MEDIA_ROOT`, `STATIC_ROOT` for static); created on the first write; relative to the working directory",
  }),
  /**
   * The URL the directory is served at, for `url()` (Django's `base_url` /
   * `MEDIA_URL`). Without it `url()` is UNSUPPORTED. Env: `STORAGE_FS_BASE_URL`.
   */
  baseUrl: option.string({
    env: { default: 'STORAGE_FS_BASE_URL', static: 'STORAGE_FS_STATIC_BASE_URL' },
    defaultDoc: 'none: `url()` is `UNSUPPORTED`',
    doc: "URL the directory is served at (Django's `MEDIA_URL`, `STATIC_URL` for static)",
  }),
  /**
   * Mode applied to each new file, e.g. `0o644` (Django's `FILE_UPLOAD_PERMISSIONS`).
   * Default: the process umask decides. Env: `STORAGE_FS_FILE_MODE` (octal).
   */
  fileMode: option.number({
    min: 0,
    max: MAX_MODE,
    env: 'STORAGE_FS_FILE_MODE',
    envParse: octal,
    defaultDoc: 'the umask decides',
    doc: "octal mode of new files, e.g. `644` (Django's `FILE_UPLOAD_PERMISSIONS`)",
  }),
  /**
   * Mode applied to each directory the driver creates, e.g. `0o755` (Django's
   * `FILE_UPLOAD_DIRECTORY_PERMISSIONS`). Default: the umask decides.
   * Env: `STORAGE_FS_DIRECTORY_MODE` (octal).
   */
  directoryMode: option.number({
    min: 0,
    max: MAX_MODE,
    env: 'STORAGE_FS_DIRECTORY_MODE',
    envParse: octal,
    defaultDoc: 'the umask decides',
    doc: 'octal mode of new directories, e.g. `755` (`FILE_UPLOAD_DIRECTORY_PERMISSIONS`)',
  }),
  /**
   * Overwrite files of the same name instead of choosing another name (Django 5.1's
   * `allow_overwrite`). Default false. Env: `STORAGE_REPLACE_EXISTING`.
   */
  replaceExisting: option.boolean({
    default: false,
    env: 'STORAGE_REPLACE_EXISTING',
    doc: "overwrite a file of the same name on save instead of choosing another name (Django 5.1's `allow_overwrite`)",
  }),
});

/** Options of the file-system driver: `{ location, baseUrl?, fileMode?, directoryMode?, replaceExisting? }`. */
export type FileSystemOptions = OptionsOf<typeof FS_OPTIONS>;
/** The options after checking, with defaults applied. */
export type ResolvedFileSystemOptions = ResolvedOptionsOf<typeof FS_OPTIONS>;

/** `644`, `0644` or `0o644`. */
function octal(raw: string, variable: string): number {
  if (!/^(0o?)?[0-7]{3,4}$/.test(raw)) {
    throw configError(variable, `must be an octal mode such as 644 (got ${JSON.stringify(raw)})`);
  }
  return Number.parseInt(raw.replace(/^0o?/, ''), 8);
}
