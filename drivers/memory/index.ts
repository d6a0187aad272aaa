/**
 * `stowage/memory`: an in-memory Storage for unit tests and ephemeral data, on memfs.
 * Importing it loads no cloud SDK.
 */
import { Storage } from '../../src/storage.js';
import { MemoryDriver } from './driver.js';
import type { MemoryOptions } from './options.js';

export { MemoryDriver } from './driver.js';
export type { MemoryOptions } from './options.js';

/** A Storage on a fresh, private in-memory volume. */
export function createMemoryStorage(options: MemoryOptions = {}): Storage<MemoryDriver> {
  return new Storage({ driver: new MemoryDriver(options), replaceExisting: options.replaceExisting });
}
