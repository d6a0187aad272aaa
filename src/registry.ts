/**
 * The driver registry: `createStorage(config)` and `createStorageFromEnv(env)` load a
 * driver's module only when it is chosen, so choosing `memory` never imports an SDK.
 */
import type { DriverEntry, StorageAlias } from './driver.js';
import { configError, type Env, EnvReader } from './env.js';
import type { Storage } from './storage.js';

/** The contract types, re-exported here for code written against 0.1. */
export type { DriverEntry, StorageAlias } from './driver.js';

/** One line per driver. */
const DRIVERS = {
  memory: async () => (await import('../drivers/memory/index.js')).memoryEntry,
  fs: async () => (await import('../drivers/fs/index.js')).fileSystemEntry,
  minio: async () => (await import('../drivers/minio/index.js')).minioEntry,
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

/** Every storage alias, in the order they are configured. */
export const STORAGE_ALIASES = ['default', 'static'] as const satisfies readonly StorageAlias[];

/**
 * Creates the storage for `alias` from environment variables: `STORAGE_DRIVER` picks
 * the driver (default `fs` under ./storage, `memory` when NODE_ENV=test), and the
 * driver reads its own variables. Every variable is validated here, at start-up.
 */
export async function createStorageFromEnv(env: Env = process.env, alias: StorageAlias = 'default'): Promise<Storage> {
  return (await createStoragesFromEnv(env, [alias]))[alias];
}

/**
 * Creates the named storages (Django's STORAGES: `default` for media, `static` for
 * collected static files) from one reading of the environment. Every alias's
 * variables are validated before any storage is created, so a bad variable fails
 * start-up and leaves nothing half-built. With every alias read, a set variable in
 * the driver's own `STORAGE_<DRIVER>_` namespace that the driver does not know (a
 * typo such as STORAGE_FS_LOCATON) is INVALID_CONFIG too.
 */
export async function createStoragesFromEnv<A extends StorageAlias = StorageAlias>(
  env: Env = process.env,
  aliases: readonly A[] = STORAGE_ALIASES as readonly StorageAlias[] as readonly A[],
): Promise<Record<A, Storage>> {
  const reader = new EnvReader(env);
  const driver = reader.choice('STORAGE_DRIVER', DRIVER_NAMES) ?? (env.NODE_ENV === 'test' ? 'memory' : 'fs');
  const entry = await loadDriver(driver);
  const options = aliases.map((alias) => [alias, entry.optionsFromEnv(reader, alias)] as const);
  if (STORAGE_ALIASES.every((alias) => (aliases as readonly StorageAlias[]).includes(alias))) {
    rejectUnknownVariables(reader, driver);
  }
  const storages: Partial<Record<A, Storage>> = {};
  try {
    for (const [alias, driverOptions] of options) storages[alias] = entry.create(driverOptions);
  } catch (error) {
    await Promise.allSettled(Object.values<Storage | undefined>(storages).map((storage) => storage?.close()));
    throw error;
  }
  return storages as Record<A, Storage>;
}

function rejectUnknownVariables(reader: EnvReader, driver: DriverName): void {
  const unknown = reader.unread(`STORAGE_${driver.toUpperCase()}_`);
  if (unknown.length > 0) {
    throw configError(
      unknown.join(', '),
      `${unknown.length > 1 ? 'are' : 'is'} not read by the ${driver} driver (a typo?); docs/configuration.md lists its variables`,
    );
  }
}

async function loadDriver(name: DriverName): Promise<DriverEntry<object>> {
  const load = DRIVERS[name] as (() => Promise<DriverEntry<object>>) | undefined;
  if (!load) {
    throw configError('The driver', `${JSON.stringify(name)} is unknown; use one of ${DRIVER_NAMES.join(', ')}`);
  }
  return load();
}
