/**
 * `stowage/fs`: the local file-system driver (Django's FileSystemStorage).
 */
import { driverEntry } from '../../src/options.js';
import { Storage } from '../../src/storage.js';
import { FileSystemDriver } from './driver.js';
import { type FileSystemOptions, FS_OPTIONS } from './options.js';

export { FileSystemDriver, PARTIAL_PREFIX } from './driver.js';
export type { FileSystemOptions } from './options.js';
export { FS_OPTIONS } from './options.js';

/**
 * A Storage over a directory: `createFileSystemStorage({ location: './storage', baseUrl: '/media/' })`.
 * Throws INVALID_CONFIG naming the option for an unknown key or a bad value.
 */
export function createFileSystemStorage(options: FileSystemOptions): Storage<FileSystemDriver> {
  const driver = new FileSystemDriver(options);
  return new Storage({ driver, replaceExisting: driver.options.replaceExisting });
}

/** The registry's entry for `STORAGE_DRIVER=fs`. */
export const fileSystemEntry = driverEntry(FS_OPTIONS, createFileSystemStorage);
