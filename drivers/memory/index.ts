/**
 * `stowage/memory`: an in-memory Storage for unit tests and ephemeral data, on memfs.
 * Importing it loads no cloud SDK.
 */
import { driverEntry } from '../../src/options.js';
import { Storage } from '../../src/storage.js';
import { MemoryDriver } from './driver.js';
import { MEMORY_OPTIONS, type MemoryOptions } from './options.js';

export { MemoryDriver } from './driver.js';
export type { MemoryFiles, MemoryOptions } from './options.js';
export { MEMORY_OPTIONS } from './options.js';

/**
 * A Storage on a fresh, private in-memory volume. Throws INVALID_CONFIG naming the
 * option for an unknown key or a bad value.
 */
export function createMemoryStorage(options: MemoryOptions = {}): Storage<MemoryDriver> {
  const resolved = MEMORY_OPTIONS.resolve(options);
  return new Storage({ driver: new MemoryDriver(resolved), replaceExisting: resolved.replaceExisting });
}

/** The registry's entry for `STORAGE_DRIVER=memory`. */
export const memoryEntry = driverEntry(MEMORY_OPTIONS, createMemoryStorage);
