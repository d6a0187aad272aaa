/**
 * `stowage/inversify`: binds the named storages in an inversify 8 container.
 *
 *   const container = new Container();
 *   await container.loadAsync(storageModule());
 *   const storage = container.get<Storage>(STORAGE);
 *
 * Creating a storage is asynchronous (its driver module is imported lazily, so choosing
 * `memory` never loads an SDK), and configuration must fail at start-up, not on first
 * use. So the module's load is asynchronous: `loadAsync` builds and validates every
 * storage once, then binds each as a constant, that is a singleton that `get()`
 * returns synchronously and that classes can take in their constructors. The
 * alternative, an async `toDynamicValue` binding, would force `getAsync()` on every
 * consumer and defer configuration errors to the first request.
 *
 * inversify is an optional peer dependency; only this entry point imports it.
 */
import { ContainerModule, type ServiceIdentifier } from 'inversify';
import type { Env } from './env.js';
import {
  createStorage,
  createStoragesFromEnv,
  STORAGE_ALIASES,
  type StorageAlias,
  type StorageConfig,
} from './registry.js';
import { Storage } from './storage.js';

/** The default (media) storage: Django's `default` alias. */
export const STORAGE: ServiceIdentifier<Storage> = Symbol.for('stowage.Storage');
/** The static-files storage (collectstatic's target): Django's `staticfiles` alias. */
export const STATIC_STORAGE: ServiceIdentifier<Storage> = Symbol.for('stowage.StaticStorage');

/** The token of each named storage. */
export const STORAGE_TOKENS: Readonly<Record<StorageAlias, ServiceIdentifier<Storage>>> = {
  default: STORAGE,
  static: STATIC_STORAGE,
};

export interface StorageModuleOptions {
  /** Where storages without an explicit entry in `storages` are configured from. Default `process.env`. */
  env?: Env | undefined;
  /**
   * An explicit storage per alias, instead of the environment: a ready `Storage` (bound
   * as is, and never closed by the module) or a config for `createStorage`
   * (`{ driver: 'fs', location: './media' }`).
   */
  storages?: Partial<Record<StorageAlias, Storage | StorageConfig>> | undefined;
  /** The aliases to bind. Default: every alias (`default` and `static`). */
  aliases?: readonly StorageAlias[] | undefined;
}

/**
 * A ContainerModule binding `STORAGE` and `STATIC_STORAGE` as singletons. Load it with
 * `await container.loadAsync(storageModule(options))`; configuration errors
 * (INVALID_CONFIG naming the variable) reject that call. Storages the module created
 * are closed when it is unloaded (`container.unloadAsync(module)`, or when
 * a test rebinds a token), without waiting for their sockets to close.
 */
export function storageModule(options: StorageModuleOptions = {}): ContainerModule {
  return new ContainerModule(async ({ bind }) => {
    const storages = await resolveStorages(options);
    for (const [alias, { storage, owned }] of storages) {
      const binding = bind<Storage>(STORAGE_TOKENS[alias]).toConstantValue(storage);
      // Synchronous on purpose: an async deactivation would make inversify refuse the
      // synchronous `rebind()` and `unbind()` that tests use to swap in a memory storage.
      if (owned) binding.onDeactivation((created) => closeInBackground(created, alias));
    }
  });
}

function closeInBackground(storage: Storage, alias: StorageAlias): void {
  storage.close().catch((error: unknown) => {
    process.emitWarning(`stowage: closing the ${alias} storage failed: ${(error as Error).message}`);
  });
}

interface Resolved {
  storage: Storage;
  /** Created here (so closed here), rather than handed in. */
  owned: boolean;
}

async function resolveStorages(options: StorageModuleOptions): Promise<Map<StorageAlias, Resolved>> {
  const aliases = options.aliases ?? STORAGE_ALIASES;
  const explicit = options.storages ?? {};
  const fromEnv = aliases.filter((alias) => explicit[alias] === undefined);
  const envStorages: Partial<Record<StorageAlias, Storage>> =
    fromEnv.length > 0 ? await createStoragesFromEnv(options.env ?? process.env, fromEnv) : {};
  const resolved = new Map<StorageAlias, Resolved>();
  try {
    for (const alias of aliases) {
      const given = explicit[alias];
      if (given === undefined) resolved.set(alias, { storage: envStorages[alias] as Storage, owned: true });
      else if (isStorage(given)) resolved.set(alias, { storage: given, owned: false });
      else resolved.set(alias, { storage: await createStorage(given), owned: true });
    }
  } catch (error) {
    const created = [
      ...Object.values(envStorages),
      ...[...resolved.values()].filter((r) => r.owned).map((r) => r.storage),
    ];
    await Promise.allSettled([...new Set(created)].map((storage) => storage.close()));
    throw error;
  }
  return resolved;
}

/**
 * A Storage rather than a config: a config's `driver` is a name, a Storage's is an
 * object. (Not `instanceof`: an app may hold a Storage from another copy of the package.)
 */
function isStorage(value: Storage | StorageConfig): value is Storage {
  return value instanceof Storage || typeof value.driver === 'object';
}
