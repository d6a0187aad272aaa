/**
 * `stowage`: Django's file-storage model for Node.js. This entry point loads no driver
 * SDK; drivers come from `stowage/memory`, `stowage/fs`, `stowage/minio`, `stowage/s3`,
 * or lazily through `createStorage` / `createStorageFromEnv`.
 */

export type { BucketAdmin, BucketSettings, InitializeReport, PolicyDocument, PolicyHook } from './buckets.js';
export {
  BucketPlan,
  initializeBuckets,
  parsePolicyHooks,
  publicReadPolicy,
  samePolicy,
} from './buckets.js';
export type { Content } from './content.js';
export { guessContentType } from './content.js';
export type {
  ByteRange,
  Capabilities,
  Driver,
  FileStat,
  HealthStatus,
  ListEntry,
  ListOptions,
  MultipartUpload,
  MultipartUploadOptions,
  PartUrl,
  ReadOptions,
  ReadResult,
  ReserveOptions,
  UploadedPart,
  UploadUrl,
  UploadUrlOptions,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from './driver.js';
export type { Env } from './env.js';
export { checkOptionKeys, EnvReader } from './env.js';
export type { Operation, StorageErrorCode, StorageErrorOptions } from './errors.js';
export { ERROR_CODES, isStorageError, StorageError } from './errors.js';
export { isoDatePrefix } from './iso-date.js';
export { generateFilename, getValidName, MAX_NAME_BYTES, MAX_SEGMENT_BYTES, normalizeName } from './names.js';
export type { DriverEntry, DriverName, StorageAlias, StorageConfig } from './registry.js';
export {
  createStorage,
  createStorageFromEnv,
  createStoragesFromEnv,
  DRIVER_NAMES,
  STORAGE_ALIASES,
} from './registry.js';
export type { ListdirResult, MultipartUploadRequest, OpenOptions, SaveOptions, StorageOptions } from './storage.js';
export { Storage } from './storage.js';
export { StoredFile } from './stored-file.js';
export { compareNames, encodeName } from './utf8.js';
