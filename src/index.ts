/**
 * `stowage`: Django's file-storage model for Node.js. This entry point loads no driver
 * SDK; drivers come from `stowage/memory`, `stowage/fs`, `stowage/minio`, `stowage/s3`,
 * or lazily through `createStorage` / `createStorageFromEnv`. What only driver authors
 * need (the option kit, the bucket plan, environment readers) is in `stowage/driver-kit`.
 */

export type { PolicyDocument, PolicyHook } from './buckets.js';
export type { Content } from './content.js';
export { guessContentType } from './content.js';
export type {
  BucketRuleReport,
  ByteRange,
  Capabilities,
  CleanupOptions,
  CleanupReport,
  Driver,
  DriverEntry,
  FileStat,
  HealthStatus,
  InitializeReport,
  ListEntry,
  ListOptions,
  MultipartUpload,
  MultipartUploadOptions,
  PartUrl,
  ReadOptions,
  ReadResult,
  ReserveOptions,
  StorageAlias,
  UploadedPart,
  UploadUrl,
  UploadUrlOptions,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from './driver.js';
export type { Env } from './env.js';
export type { Operation, StorageErrorCode, StorageErrorOptions } from './errors.js';
export { ERROR_CODES, isStorageError, StorageError } from './errors.js';
export { isoDatePrefix } from './iso-date.js';
export { generateFilename, getValidName, MAX_NAME_BYTES, MAX_SEGMENT_BYTES, normalizeName } from './names.js';
export type { DriverName, StorageConfig } from './registry.js';
export {
  createStorage,
  createStorageFromEnv,
  createStoragesFromEnv,
  DRIVER_NAMES,
  STORAGE_ALIASES,
} from './registry.js';
export type {
  HealthOptions,
  ListdirResult,
  MultipartUploadRequest,
  OpenOptions,
  SaveOptions,
  StorageOptions,
  TransferOptions,
} from './storage.js';
export { Storage } from './storage.js';
export { StoredFile } from './stored-file.js';
export { compareNames, encodeName } from './utf8.js';
