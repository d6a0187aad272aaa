/**
 * Reading configuration from environment variables. Every reader validates its value
 * and names the variable in the INVALID_CONFIG error; secrets never reach a message.
 */
import { isStorageError, StorageError } from './errors.js';

export type Env = Record<string, string | undefined>;

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** Typed, validating access to environment variables. Unset and empty read as absent. */
export class EnvReader {
  readonly #env: Env;
  /** Every variable a driver asked for, so that typos in its namespace can be reported. */
  readonly #read = new Set<string>();

  constructor(env: Env) {
    this.#env = env;
  }

  /** The variable's value, or undefined when it is unset or empty. */
  string(name: string): string | undefined {
    this.#read.add(name);
    const value = this.#env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** The variable's value; INVALID_CONFIG naming it when it is unset. */
  required(name: string, why: string): string {
    const value = this.string(name);
    if (value === undefined) throw configError(name, `is required ${why}`);
    return value;
  }

  /** true/false, 1/0, yes/no, on/off. */
  boolean(name: string): boolean | undefined {
    this.#read.add(name);
    const value = this.#env[name];
    return value === undefined ? undefined : parseBoolean(value, name);
  }

  /** A number within [min, max]; integers only unless `integer: false`. */
  number(name: string, limits: NumberRange = {}): number | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : parseNumber(raw, name, limits);
  }

  /** A comma-separated list; blanks dropped. */
  list(name: string): string[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A JSON value. */
  json(name: string): unknown {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw);
    } catch (error) {
      throw configError(name, `must be valid JSON (${(error as Error).message})`);
    }
  }

  /** One of `choices`. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (!(choices as readonly string[]).includes(raw)) {
      throw configError(name, `must be one of ${choices.join(', ')} (got ${JSON.stringify(raw)})`);
    }
    return raw as T;
  }

  /** Set variables starting with `prefix` that no reader asked for (likely typos), sorted. */
  unread(prefix: string): string[] {
    return Object.keys(this.#env)
      .filter((name) => name.startsWith(prefix) && !this.#read.has(name) && this.#env[name]?.trim())
      .sort();
  }
}

/** Limits of a number setting. */
export interface NumberRange {
  min?: number | undefined;
  max?: number | undefined;
  /** Whole numbers only. Default true. */
  integer?: boolean | undefined;
}

/** true/false, 1/0, yes/no, on/off (any case); blank is undefined; anything else INVALID_CONFIG naming `label`. */
export function parseBoolean(raw: string, label: string): boolean | undefined {
  const lower = raw.trim().toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return lower === '' ? undefined : false;
  throw configError(label, `must be true or false (got ${JSON.stringify(raw)})`);
}

/** A number within `limits` from its text; INVALID_CONFIG naming `label` otherwise. */
export function parseNumber(raw: string, label: string, limits: NumberRange = {}, given: unknown = raw): number {
  const value = Number(raw);
  const { min = -Infinity, max = Infinity, integer = true } = limits;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const range = `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`;
    throw configError(label, `must be ${range} (got ${JSON.stringify(given)})`);
  }
  return value;
}

/** INVALID_CONFIG naming the variable or option. */
export function configError(variable: string, problem: string): StorageError {
  return new StorageError('INVALID_CONFIG', `${variable} ${problem}.`, { operation: 'configure' });
}

/**
 * Rejects option keys a driver does not know (a typo must not be silently ignored).
 * `known` lists every accepted key.
 */
export function checkOptionKeys(driver: string, options: object, known: readonly string[]): void {
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new StorageError(
      'INVALID_CONFIG',
      `Unknown ${driver} option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; accepted options are ${known.join(', ')}.`,
      { operation: 'configure' },
    );
  }
}

/** Runs `check`, re-throwing an INVALID_CONFIG that does not name `variable` with it in front. */
export function naming(variable: string, check: () => unknown): void {
  try {
    check();
  } catch (error) {
    if (isStorageError(error, 'INVALID_CONFIG') && !error.message.includes(variable)) {
      throw configError(variable, `is not valid: ${error.message.replace(/\.$/, '')}`);
    }
    throw error;
  }
}

/** Removes undefined values, so that env-derived options do not shadow defaults. */
export function defined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
