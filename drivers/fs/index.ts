/**
 * `stowage/fs`: the local file-system driver (Django's FileSystemStorage).
 */
import { checkOptionKeys, configError, type EnvReader } from '../../src/env.js';
import { StorageError } from '../../src/errors.js';
import type { DriverEntry } from '../../src/registry.js';
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

const OPTION_KEYS = ['location', 'baseUrl', 'fileMode', 'directoryMode', 'replaceExisting'] as const;

/** The registry's entry for `STORAGE_DRIVER=fs`. */
export const fileSystemEntry: DriverEntry<FileSystemOptions> = {
  create(options) {
    checkOptionKeys('fs', options, OPTION_KEYS);
    if (typeof options.location !== 'string' || options.location === '') {
      throw new StorageError('INVALID_CONFIG', 'The fs driver needs a location (a directory path).', {
        operation: 'configure',
      });
    }
    return createFileSystemStorage(options);
  },
  optionsFromEnv(env, alias) {
    const statics = alias === 'static';
    return {
      location:
        env.string(statics ? 'STORAGE_FS_STATIC_LOCATION' : 'STORAGE_FS_LOCATION') ??
        (statics ? DEFAULT_STATIC_LOCATION : DEFAULT_LOCATION),
      baseUrl: env.string(statics ? 'STORAGE_FS_STATIC_BASE_URL' : 'STORAGE_FS_BASE_URL'),
      fileMode: octal(env, 'STORAGE_FS_FILE_MODE'),
      directoryMode: octal(env, 'STORAGE_FS_DIRECTORY_MODE'),
      replaceExisting: env.boolean('STORAGE_REPLACE_EXISTING'),
    };
  },
};

const DEFAULT_LOCATION = './storage';
const DEFAULT_STATIC_LOCATION = './staticfiles';

function octal(env: EnvReader, variable: string): number | undefined {
  const raw = env.string(variable);
  if (raw === undefined) return undefined;
  if (!/^(0o?)?[0-7]{3,4}$/.test(raw))
    throw configError(variable, `must be an octal mode such as 644 (got ${JSON.stringify(raw)})`);
  return Number.parseInt(raw.replace(/^0o?/, ''), 8);
}
