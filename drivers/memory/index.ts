/**
 * `stowage/memory`: an in-memory Storage for unit tests and ephemeral data, on memfs.
 * Importing it loads no cloud SDK.
 */
import { checkOptionKeys } from '../../src/env.js';
import type { DriverEntry } from '../../src/registry.js';
import { Storage } from '../../src/storage.js';
import { MemoryDriver } from './driver.js';
import type { MemoryOptions } from './options.js';

export { MemoryDriver } from './driver.js';
export type { MemoryOptions } from './options.js';

/** A Storage on a fresh, private in-memory volume. */
export function createMemoryStorage(options: MemoryOptions = {}): Storage<MemoryDriver> {
  return new Storage({ driver: new MemoryDriver(options), replaceExisting: options.replaceExisting });
}

/** The registry's entry for `STORAGE_DRIVER=memory`. */
export const memoryEntry: DriverEntry<MemoryOptions> = {
  create(options) {
    checkOptionKeys('memory', options, ['baseUrl', 'replaceExisting', 'files']);
    return createMemoryStorage(options);
  },
  optionsFromEnv(env, alias) {
    return {
      baseUrl: env.string(alias === 'static' ? 'STORAGE_MEMORY_STATIC_BASE_URL' : 'STORAGE_MEMORY_BASE_URL'),
      replaceExisting: env.boolean('STORAGE_REPLACE_EXISTING'),
    };
  },
};
