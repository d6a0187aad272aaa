/**
 * The driver registry: `createStorage(config)` and `createStorageFromEnv(env)` load a
 * driver's module only when it is chosen, so choosing `memory` never imports an SDK.
 */
import { type Env, EnvReader } from './env.js';
import type { Storage } from './storage.js';

/** The storages an application configures, like Django's STORAGES aliases. */
export type StorageAlias = 'default' | 'static';

/** What each driver's index exports for the registry. */
export interface DriverEntry<Options extends object = object> {
  /** Builds a Storage from options; throws INVALID_CONFIG for bad or unknown options. */
  create(options: Options): Storage;
  /** Reads and validates the driver's environment variables for one storage alias. */
  optionsFromEnv(env: EnvReader, alias: StorageAlias): Options;
}

/** One line per driver. */
const DRIVERS = {
  memory: async () => (await import('../drivers/memory/index.js')).memoryEntry,
  fs: async () => (await import('../drivers/fs/index.js')).fileSystemEntry,
  s3: async () => (await import('../drivers/s3/index.js')).s3Entry,
} satisfies Record<string, () => Promise<DriverEntry<object>>>;

export type DriverName = keyof typeof DRIVERS;
export const DRIVER_NAMES = Object.keys(DRIVERS) as DriverName[];

type EntryOptions<N extends DriverName> =
  Awaited<ReturnType<(typeof DRIVERS)[N]>> extends DriverEntry<infer O> ? O : never;

/** A driver name plus that driver's options: `{ driver: 'fs', location: './media' }`. */
export type StorageConfig = { [N in DriverName]: { driver: N } & EntryOptions<N> }[DriverName];

/** Creates a Storage for any registered driver, loading only that driver's module. */
export async function createStorage(config: StorageConfig): Promise<Storage> {
  const { driver, ...options } = config;
  const entry = (await loadDriver(driver)) as DriverEntry<object>;
  return entry.create(options);
}

/**
 * Creates the storage for `alias` from environment variables: `STORAGE_DRIVER` picks
 * the driver (default `fs` under ./storage, `memory` when NODE_ENV=test), and the
 * driver reads its own variables. Every variable is validated here, at start-up.
 */
export async function createStorageFromEnv(env: Env = process.env, alias: StorageAlias = 'default'): Promise<Storage> {
  const reader = new EnvReader(env);
  const driver = reader.choice('STORAGE_DRIVER', DRIVER_NAMES) ?? (env.NODE_ENV === 'test' ? 'memory' : 'fs');
  const entry = (await loadDriver(driver)) as DriverEntry<object>;
  return entry.create(entry.optionsFromEnv(reader, alias));
}

async function loadDriver(name: DriverName): Promise<DriverEntry<object>> {
  const load = DRIVERS[name] as (() => Promise<DriverEntry<object>>) | undefined;
  if (!load) {
    const { StorageError } = await import('./errors.js');
    throw new StorageError(
      'INVALID_CONFIG',
      `Unknown driver ${JSON.stringify(name)}; use one of ${DRIVER_NAMES.join(', ')}.`,
      {
        operation: 'configure',
      },
    );
  }
  return load();
}
