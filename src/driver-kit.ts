/**
 * `stowage/driver-kit`: what a driver author needs and an application does not. The
 * driver contract (the `Driver` interface, its option and result types, capabilities,
 * the registry entry), the option-declaration kit, validated environment reading, and
 * the shared helpers drivers are built from (name order and encoding, content types,
 * error context, the bucket plan of the object stores, and the object-store core: an
 * `ObjectStoreDriver` over an `ObjectTransport` for another S3 SDK, docs/architecture.md).
 * Applications import `stowage` and a driver's entry point instead.
 *
 * A new driver: implement `Driver` in `drivers/<name>/driver.ts`, declare its options
 * with `defineOptions` in `options.ts`, export `create<Name>Storage` and
 * `driverEntry(OPTIONS, create<Name>Storage)` from `index.ts`, and run
 * `storageContract` from `stowage/contracts` against it (docs/drivers.md).
 */

export type {
  BucketAdmin,
  BucketRules,
  BucketSettings,
  CorsRule,
  LifecycleRule,
  PolicyDocument,
  PolicyHook,
  StoredRules,
} from './buckets.js';
export { BucketPlan, initializeBuckets, parsePolicyHooks, publicReadPolicy, samePolicy } from './buckets.js';
export { guessContentType, toWriteBody } from './content.js';
export type {
  BucketRuleReport,
  ByteRange,
  Capabilities,
  Driver,
  DriverEntry,
  FileStat,
  HealthStatus,
  InitializeReport,
  ListEntry,
  ListOptions,
  ReadOptions,
  ReadResult,
  StorageAlias,
  UploadUrl,
  UploadUrlOptions,
  UrlOptions,
  WriteBody,
  WriteOptions,
} from './driver.js';
export { CAPABILITY_METHODS, CAPABILITY_NAMES } from './driver.js';
export type { Env, NumberRange } from './env.js';
export { checkOptionKeys, configError, defined, EnvReader, naming, parseBoolean, parseNumber } from './env.js';
export type { Operation, StorageErrorCode, StorageErrorOptions } from './errors.js';
export { isStorageError, StorageError, withContext } from './errors.js';
export { normalizeName, normalizePrefix, RESERVED_SEGMENT_PREFIX } from './names.js';
export type { ObjectStoreSettings } from './object-store/driver.js';
export { ObjectStoreDriver } from './object-store/driver.js';
export type {
  Conditions,
  IncompleteUpload,
  ListedObject,
  ListPage,
  ListRequest,
  ObjectAttributes,
  ObjectHead,
  ObjectTransport,
  PartPage,
  PostPolicy,
  Request,
  RetryClass,
  SignedPost,
  UploadedPart,
  UploadPage,
} from './object-store/transport.js';
export { RETRY } from './object-store/transport.js';
export type {
  Declarations,
  EnvName,
  OptionDeclaration,
  OptionKind,
  OptionRow,
  OptionSettings,
  OptionsOf,
  PerAlias,
  ResolvedOptionsOf,
} from './options.js';
export { defineOptions, driverEntry, markdownTable, OptionSet, option, optionsTable } from './options.js';
export type { RetryPolicy } from './retry.js';
export { DEFAULT_MAX_ATTEMPTS, retryPolicy } from './retry.js';
export type { ErrorFacts, ErrorRule, ErrorWhere } from './s3-errors.js';
export { NETWORK_ERROR_RULES, objectStoreError, S3_ERROR_RULES } from './s3-errors.js';
export { Storage } from './storage.js';
export { compareNames, encodeName } from './utf8.js';
