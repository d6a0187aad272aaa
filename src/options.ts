/**
 * The option-declaration kit: a driver declares each of its options once, and from that
 * one declaration come the option's TypeScript type, the unknown-key check, its
 * validation (for values given in code and for environment variables, each error naming
 * the option or the variable), its default, the environment variable read for it, and
 * its row in docs/configuration.md.
 *
 *   export const FS_OPTIONS = defineOptions('fs', {
 *     location: option.string({ required: true, env: { default: 'STORAGE_FS_LOCATION', static: 'STORAGE_FS_STATIC_LOCATION' },
 *       envDefault: { default: './storage', static: './static' }, doc: 'directory holding the files' }),
 *     replaceExisting: option.boolean({ default: false, env: 'STORAGE_REPLACE_EXISTING', doc: '...' }),
 *   });
 *   export type FileSystemOptions = OptionsOf<typeof FS_OPTIONS>;
 *   FS_OPTIONS.resolve(options);      // INVALID_CONFIG for an unknown key or a bad value; defaults applied
 *   FS_OPTIONS.fromEnv(reader, alias); // the options the environment sets, each checked, naming its variable
 *   optionsTable(FS_OPTIONS);          // the markdown table docs/configuration.md holds
 */
import type { DriverEntry, StorageAlias } from './driver.js';
import { checkOptionKeys, configError, type EnvReader, type NumberRange, parseBoolean, parseNumber } from './env.js';
import { StorageError } from './errors.js';
import type { Storage } from './storage.js';

/** An environment variable, or one per storage alias (`{ default: 'X_BUCKET', static: 'X_STATIC_BUCKET' }`). */
export type EnvName = string | Readonly<Record<StorageAlias, string>>;

/** A value, or one per storage alias. */
export type PerAlias<T> = T | { readonly perAlias: Readonly<Record<StorageAlias, T>> };

/** How a kind of value is checked: in code (`check`) and from a variable's text (`parse`). */
export interface OptionKind<T> {
  /** What the value is, for messages and the docs ("a boolean", "an integer >= 1"). */
  readonly describe: string;
  /** Checks a value given in code; throws INVALID_CONFIG naming `label`. */
  check(value: unknown, label: string): T;
  /** Parses a variable's trimmed, non-empty text; throws INVALID_CONFIG naming `label`. */
  parse(raw: string, label: string): T;
}

/** The settings every option builder takes. */
export interface OptionSettings<T> {
  /** What the option does: the "meaning" column of the docs table (one line of markdown). */
  doc: string;
  /** Missing in code is INVALID_CONFIG naming the option. */
  required?: boolean | undefined;
  /** Why it is required, appended to the message ("the bucket this storage reads and writes"). */
  requiredBecause?: string | undefined;
  /** The value when the option is not given in code. */
  default?: T | undefined;
  /**
   * The environment variables that set it, the first set one winning
   * (`['MINIO_REPLACE_EXISTING', 'STORAGE_REPLACE_EXISTING']`). None: code only.
   */
  env?: EnvName | readonly EnvName[] | undefined;
  /** The value the environment gives when none of its variables is set (where it differs from `default`). */
  envDefault?: PerAlias<T> | undefined;
  /** Reading the environment, a missing variable is INVALID_CONFIG naming it. */
  envRequired?: boolean | undefined;
  /** Parses the variable instead of the kind's parser (another unit: MINIO_URL_EXPIRY_HOURS in hours). */
  envParse?: ((raw: string, variable: string) => T) | undefined;
  /** Further validation of a well-typed value; throws INVALID_CONFIG naming `label` (use `configError`). */
  validate?: ((value: T, label: string) => void) | undefined;
  /** The "default" column of the docs table, when the default is not a plain value ("none: `url()` is `UNSUPPORTED`"). */
  defaultDoc?: string | undefined;
}

/** One option, as `defineOptions` takes it; build it with `option.*`. */
export interface OptionDeclaration<
  T = unknown,
  Required extends boolean = boolean,
  Defaulted extends boolean = boolean,
> {
  readonly kind: OptionKind<T>;
  readonly settings: OptionSettings<T>;
  /** Type-level markers only. */
  readonly __required?: Required;
  readonly __defaulted?: Defaulted;
  readonly __type?: T;
}

// biome-ignore lint/suspicious/noExplicitAny: declarations of any value type
export type Declarations = Record<string, OptionDeclaration<any>>;

type ValueOf<D> = D extends { readonly kind: OptionKind<infer T> } ? T : never;
type RequiredKeys<Ds extends Declarations> = {
  [K in keyof Ds]: NonNullable<Ds[K]['__required']> extends true ? K : never;
}[keyof Ds];
type DefaultedKeys<Ds extends Declarations> = {
  [K in keyof Ds]: NonNullable<Ds[K]['__defaulted']> extends true ? K : never;
}[keyof Ds];
type Flatten<T> = { [K in keyof T]: T[K] };

/** The options object a driver's factory takes: required options required, the others optional. */
export type OptionsOf<S> =
  S extends OptionSet<infer Ds>
    ? Flatten<
        { [K in RequiredKeys<Ds>]: ValueOf<Ds[K]> } & {
          [K in Exclude<keyof Ds, RequiredKeys<Ds>>]?: ValueOf<Ds[K]> | undefined;
        }
      >
    : never;

/** Options after `resolve`: defaulted and required ones present. */
export type ResolvedOptionsOf<S> =
  S extends OptionSet<infer Ds>
    ? Flatten<
        { [K in RequiredKeys<Ds> | DefaultedKeys<Ds>]: ValueOf<Ds[K]> } & {
          [K in Exclude<keyof Ds, RequiredKeys<Ds> | DefaultedKeys<Ds>>]?: ValueOf<Ds[K]> | undefined;
        }
      >
    : never;

/** One row of a driver's configuration table. */
export interface OptionRow {
  option: string;
  /** The variable, e.g. `STORAGE_FS_LOCATION`, or '' for an option without one. */
  variable: string;
  /** Later variables read when `variable` is unset. */
  fallbacks: string[];
  /** `default`, `static`, or `both` when one variable serves every alias. */
  alias: StorageAlias | 'both';
  default: string;
  meaning: string;
}

/** A driver's declared options: the one place its keys, variables, defaults and checks come from. */
export class OptionSet<Ds extends Declarations = Declarations> {
  readonly driver: string;
  readonly declarations: Readonly<Ds>;

  constructor(driver: string, declarations: Ds) {
    this.driver = driver;
    this.declarations = declarations;
  }

  /** Every accepted key, in declaration order. */
  get keys(): string[] {
    return Object.keys(this.declarations);
  }

  /**
   * Checks options given in code: an options object, no unknown key, each value of its
   * kind and valid, every required one present; then applies the defaults. Every
   * problem is INVALID_CONFIG naming the option (`fs option fileMode ...`).
   */
  resolve(options: unknown): ResolvedOptionsOf<OptionSet<Ds>> {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new StorageError('INVALID_CONFIG', `The ${this.driver} driver needs an options object.`, {
        operation: 'configure',
      });
    }
    checkOptionKeys(this.driver, options, this.keys);
    const resolved: Record<string, unknown> = {};
    for (const [key, { kind, settings }] of Object.entries(this.declarations)) {
      const label = `${this.driver} option ${key}`;
      const given = (options as Record<string, unknown>)[key];
      if (given === undefined) {
        if (settings.required) throw missing(label, settings);
        if (settings.default !== undefined) resolved[key] = settings.default;
        continue;
      }
      const value = kind.check(given, label);
      settings.validate?.(value, label);
      resolved[key] = value;
    }
    return resolved as ResolvedOptionsOf<OptionSet<Ds>>;
  }

  /**
   * The options the environment sets for `alias`: each declared variable read (so that
   * the registry can report unread ones as typos), parsed and validated, an error
   * naming the variable; environment defaults applied. Options no variable sets are
   * left out, so that code defaults still apply.
   */
  fromEnv(env: EnvReader, alias: StorageAlias): OptionsOf<OptionSet<Ds>> {
    const options: Record<string, unknown> = {};
    for (const [key, { kind, settings }] of Object.entries(this.declarations)) {
      const variables = envNames(settings.env).map((name) => forAlias(name, alias));
      if (variables.length === 0) continue;
      let value: unknown;
      for (const variable of variables) {
        const raw = env.string(variable);
        if (raw === undefined || value !== undefined) continue;
        // A variable in another unit is converted, then checked as a value of the option's kind.
        value = settings.envParse ? kind.check(settings.envParse(raw, variable), variable) : kind.parse(raw, variable);
        settings.validate?.(value, variable);
      }
      if (value === undefined && settings.envDefault !== undefined) value = perAlias(settings.envDefault, alias);
      if (value === undefined && settings.envRequired) {
        throw configError(variables[0] as string, `is required for STORAGE_DRIVER=${this.driver}`);
      }
      if (value !== undefined) options[key] = value;
    }
    return options as OptionsOf<OptionSet<Ds>>;
  }

  /** The rows of the driver's table in docs/configuration.md: one per variable (and per option without one). */
  rows(): OptionRow[] {
    const rows: OptionRow[] = [];
    for (const [key, { settings }] of Object.entries(this.declarations)) {
      const names = envNames(settings.env);
      const [first, ...rest] = names;
      const aliases: (StorageAlias | 'both')[] = typeof first === 'object' ? ['default', 'static'] : ['both'];
      for (const alias of aliases) {
        const pick = (name: EnvName) => (alias === 'both' ? forAlias(name, 'default') : forAlias(name, alias));
        rows.push({
          option: key,
          variable: first === undefined ? '' : pick(first),
          fallbacks: rest.map(pick),
          alias,
          default: settings.defaultDoc ?? describeDefault(settings, alias),
          meaning: settings.doc,
        });
      }
    }
    return rows;
  }
}

/** Declares a driver's options (see the module comment). */
export function defineOptions<const Ds extends Declarations>(driver: string, declarations: Ds): OptionSet<Ds> {
  return new OptionSet(driver, declarations);
}

type Declared<T, S> = OptionDeclaration<
  T,
  S extends { required: true } ? true : false,
  S extends { default: infer D } ? (undefined extends D ? false : true) : false
>;

/** Builds a declaration of any kind. */
function declare<T, const S extends OptionSettings<T>>(kind: OptionKind<T>, settings: S): Declared<T, S> {
  return { kind, settings } as Declared<T, S>;
}

/** The option builders. */
export const option = {
  /** A string. `nonEmpty` (default true) refuses ''. */
  string<const S extends OptionSettings<string>>(settings: S & { nonEmpty?: boolean }): Declared<string, S> {
    const nonEmpty = settings.nonEmpty ?? true;
    return declare(
      {
        describe: 'a string',
        check: (value, label) => {
          if (typeof value !== 'string') throw wrongType(label, 'a string', value);
          if (nonEmpty && value === '') throw configError(label, 'must not be empty');
          return value;
        },
        parse: (raw) => raw,
      },
      settings,
    );
  },

  /** A boolean; variables accept true/false, 1/0, yes/no, on/off. */
  boolean<const S extends OptionSettings<boolean>>(settings: S): Declared<boolean, S> {
    return declare(
      {
        describe: 'a boolean',
        check: (value, label) => {
          if (typeof value !== 'boolean') throw wrongType(label, 'true or false', value);
          return value;
        },
        parse: (raw, label) => parseBoolean(raw, label) ?? false,
      },
      settings,
    );
  },

  /** A number within limits (integers unless `integer: false`). */
  number<const S extends OptionSettings<number>>(settings: S & NumberRange): Declared<number, S> {
    const limits = { min: settings.min, max: settings.max, integer: settings.integer };
    return declare(
      {
        describe: 'a number',
        check: (value, label) => {
          if (typeof value !== 'number') throw wrongType(label, 'a number', value);
          return parseNumber(String(value), label, limits, value);
        },
        parse: (raw, label) => parseNumber(raw, label, limits),
      },
      settings,
    );
  },

  /** A list of strings; a variable holds them comma-separated (blanks dropped). */
  list<const S extends OptionSettings<readonly string[]>>(settings: S): Declared<readonly string[], S> {
    return declare(
      {
        describe: 'a list of strings',
        check: (value, label) => {
          if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
            throw wrongType(label, 'an array of strings', value);
          }
          return value as readonly string[];
        },
        parse: (raw) =>
          raw
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== ''),
      },
      settings,
    );
  },

  /** One of `choices`. */
  choice<const C extends string, const S extends OptionSettings<C>>(
    choices: readonly C[],
    settings: S,
  ): Declared<C, S> {
    const check = (value: unknown, label: string): C => {
      if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
        throw configError(label, `must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
      }
      return value as C;
    };
    return declare({ describe: `one of ${choices.join(', ')}`, check, parse: check }, settings);
  },

  /** A JSON value in a variable (`MINIO_POLICY_HOOKS`); `check` validates it both ways. */
  json<T, const S extends OptionSettings<T> = OptionSettings<T>>(
    check: (value: unknown, label: string) => T,
    settings: S,
  ): Declared<T, S> {
    return declare(
      {
        describe: 'JSON',
        check,
        parse: (raw, label) => {
          let value: unknown;
          try {
            value = JSON.parse(raw);
          } catch (error) {
            throw configError(label, `must be valid JSON (${(error as Error).message})`);
          }
          return check(value, label);
        },
      },
      settings,
    );
  },

  /**
   * Any other value (a ready SDK client, an http.Agent): `check` validates it. Such
   * options usually have no variable; give `parse` when one does.
   */
  custom<T, const S extends OptionSettings<T> = OptionSettings<T>>(
    kind: { describe: string; check: (value: unknown, label: string) => T; parse?: (raw: string, label: string) => T },
    settings: S,
  ): Declared<T, S> {
    const parse =
      kind.parse ??
      ((_raw: string, label: string): T => {
        throw configError(label, `cannot be set from the environment (${kind.describe})`);
      });
    return declare({ describe: kind.describe, check: kind.check, parse }, settings);
  },
};

/**
 * The registry entry of a driver whose options are declared with `defineOptions`:
 * `create` is the driver's direct factory (which resolves the options itself), and the
 * environment is read from the same declarations.
 */
export function driverEntry<Ds extends Declarations>(
  options: OptionSet<Ds>,
  create: (options: OptionsOf<OptionSet<Ds>>) => Storage,
): DriverEntry<OptionsOf<OptionSet<Ds>>> & { readonly options: OptionSet<Ds> } {
  return { options, create, optionsFromEnv: (env, alias) => options.fromEnv(env, alias) };
}

/** Renders a driver's rows as the markdown table docs/configuration.md holds (columns padded). */
export function optionsTable(options: OptionSet): string {
  const header = ['option', 'variable', 'alias', 'default', 'meaning'];
  const body = options
    .rows()
    .map((row) => [
      `\`${row.option}\``,
      row.variable === ''
        ? 'none (code only)'
        : [row.variable, ...row.fallbacks].map((name) => `\`${name}\``).join(', else '),
      row.alias,
      row.default,
      row.meaning,
    ]);
  return markdownTable(header, body);
}

/** A markdown table with every column padded to its widest cell. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function envNames(env: OptionSettings<unknown>['env']): EnvName[] {
  if (env === undefined) return [];
  return typeof env === 'string' || !Array.isArray(env) ? [env as EnvName] : [...(env as readonly EnvName[])];
}

function forAlias(name: EnvName, alias: StorageAlias): string {
  return typeof name === 'string' ? name : name[alias];
}

function perAlias<T>(value: PerAlias<T>, alias: StorageAlias): T {
  return typeof value === 'object' && value !== null && 'perAlias' in value ? value.perAlias[alias] : (value as T);
}

function describeDefault(settings: OptionSettings<unknown>, alias: StorageAlias | 'both'): string {
  const value =
    settings.envDefault !== undefined
      ? perAlias(settings.envDefault, alias === 'both' ? 'default' : alias)
      : settings.default;
  if (value === undefined) return settings.required ? 'required' : 'none';
  return `\`${Array.isArray(value) ? value.join(',') : String(value)}\``;
}

function missing(label: string, settings: OptionSettings<unknown>): StorageError {
  return configError(label, `is required${settings.requiredBecause ? `: ${settings.requiredBecause}` : ''}`);
}

/** Names only the type of a wrong value: the value may be a secret. */
function wrongType(label: string, expected: string, value: unknown): StorageError {
  return configError(label, `must be ${expected} (got ${Array.isArray(value) ? 'an array' : typeof value})`);
}
