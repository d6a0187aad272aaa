/**
 * What every command shares: the global options, the storage chosen by `--storage`
 * (built from the environment exactly as createStorageFromEnv does), and output that
 * is either for people or, with `--json`, one JSON document on stdout for scripts.
 */
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Env } from '../env.js';
import { createStorageFromEnv, type StorageAlias } from '../registry.js';
import type { Storage } from '../storage.js';

/** Options every command accepts (commander parses them before or after the command). */
export interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
  storage?: string;
  progress?: boolean;
}

/** The process's streams and environment, passed in so that nothing reaches for globals. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: Env;
}

/** A command line that makes no sense (exit code 2, as commander's own usage errors). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Runs a command's action with its context; the action may resolve with an exit code
 * (health does), else success. Errors become one line on stderr and their exit code.
 */
export type Run = (command: Command, action: (context: CliContext) => Promise<unknown>) => Promise<void>;

export class CliContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly debug: boolean;
  /** Progress bars: only for people watching a terminal, never with --json. */
  readonly progress: boolean;
  readonly #alias: StorageAlias | undefined;
  #storage: Promise<Storage> | undefined;

  constructor(io: CliIo, options: GlobalOptions) {
    this.io = io;
    this.json = options.json === true;
    this.debug = options.debug === true;
    this.progress = options.progress !== false && !this.json && io.stdout.isTTY === true && io.stderr.isTTY === true;
    // commander has checked the value against STORAGE_ALIASES (a usage error otherwise).
    this.#alias = options.storage as StorageAlias | undefined;
  }

  /** The storage named by --storage, else `fallback`; built once. */
  storage(fallback: StorageAlias = 'default'): Promise<Storage> {
    this.#storage ??= createStorageFromEnv(this.io.env, this.#alias ?? fallback);
    return this.#storage;
  }

  /** Which alias `storage(fallback)` uses. */
  alias(fallback: StorageAlias = 'default'): StorageAlias {
    return this.#alias ?? fallback;
  }

  /** Prints `data` as JSON with --json, else the human lines. */
  result(data: unknown, human: () => string[]): void {
    if (this.json) this.io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    else for (const line of human()) this.io.stdout.write(`${line}\n`);
  }

  /** A note for people on stderr (never with --json, whose output is the document). */
  note(message: string): void {
    if (!this.json) this.io.stderr.write(`${message}\n`);
  }

  async close(): Promise<void> {
    const storage = await this.#storage?.catch(() => undefined);
    await storage?.close();
  }
}
