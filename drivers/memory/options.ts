/**
 * Options of the in-memory driver, declared once: the type, the checks, the defaults,
 * the `STORAGE_MEMORY_*` variables and the rows of docs/configuration.md all come from
 * `MEMORY_OPTIONS`.
 */
import { configError } from '../../src/env.js';
import { defineOptions, type OptionsOf, option, type ResolvedOptionsOf } from '../../src/options.js';

/** Seed files: name → content. */
export type MemoryFiles = Record<string, string | Uint8Array>;

export const MEMORY_OPTIONS = defineOptions('memory', {
  /**
   * The URL `url()` builds on (`baseUrl` + percent-encoded name), as a served media
   * URL would be. Without it `url()` is UNSUPPORTED. Env: `STORAGE_MEMORY_BASE_URL`.
   */
  baseUrl: option.string({
    env: { default: 'STORAGE_MEMORY_BASE_URL', static: 'STORAGE_MEMORY_STATIC_BASE_URL' },
    defaultDoc: 'none: `url()` is `UNSUPPORTED`',
    doc: 'base of the URLs `url()` returns (`base + percent-encoded name`)',
  }),
  /**
   * Overwrite objects of the same name instead of choosing another name. Default false.
   * Env: `STORAGE_REPLACE_EXISTING`.
   */
  replaceExisting: option.boolean({
    default: false,
    env: 'STORAGE_REPLACE_EXISTING',
    doc: 'overwrite an object of the same name on save instead of choosing another name',
  }),
  /** Files to start with: name → content. No env variable. */
  files: option.custom<MemoryFiles>(
    {
      describe: 'an object of name → string or Uint8Array',
      check: (value, label) => {
        const valid =
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.values(value).every((content) => typeof content === 'string' || content instanceof Uint8Array);
        if (!valid) throw configError(label, 'must be an object mapping names to strings or Uint8Arrays');
        return value as MemoryFiles;
      },
    },
    { doc: 'files to start with: name → content' },
  ),
});

/** Options of the in-memory driver: `{ baseUrl?, replaceExisting?, files? }`. */
export type MemoryOptions = OptionsOf<typeof MEMORY_OPTIONS>;
/** The options after checking, with defaults applied. */
export type ResolvedMemoryOptions = ResolvedOptionsOf<typeof MEMORY_OPTIONS>;
