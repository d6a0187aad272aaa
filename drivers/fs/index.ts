/**
 * `stowage/fs`: the local file-system driver (Django's FileSystemStorage).
 */
import { Storage } from '../../src/storage.js';
import { FileSystemDriver } from './driver.js';
import type { FileSystemOptions } from './options.js';

export type { FileSystemApi } from './driver.js';
export { FileSystemDriver, PARTIAL_PREFIX } from './driver.js';
export type { FileSystemOptions } from './options.js';

/** A Storage over a directory: `createFileSystemStorage({ location: './storage', baseUrl: '/media/' })`. */
export function createFileSystemStorage(options: FileSystemOptions): Storage<FileSystemDriver> {
  return new Storage({ driver: new FileSystemDriver(options), replaceExisting: options.replaceExisting });
}
