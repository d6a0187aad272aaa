/** Configuration from the environment: named storages, defaults, validation at start-up. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../../contracts/context.js';
import { FileSystemDriver } from '../../drivers/fs/index.js';
import { MemoryDriver } from '../../drivers/memory/index.js';
import type { Env } from '../../src/env.js';
import { createStorageFromEnv, createStoragesFromEnv, DRIVER_NAMES, type DriverName } from '../../src/registry.js';

const test = suite('configuration from the environment');
const work = mkdtempSync(join(tmpdir(), 'stowage-config-'));

test.after(() => rmSync(work, { recursive: true, force: true }));

test('memory: a default and a static storage, each on its own volume and base URL', async () => {
  const storages = await createStoragesFromEnv({
    STORAGE_DRIVER: 'memory',
    STORAGE_MEMORY_BASE_URL: 'https://media.example.com/',
    STORAGE_MEMORY_STATIC_BASE_URL: 'https://static.example.com/',
  });
  assert.instance(storages.default.driver, MemoryDriver);
  assert.instance(storages.static.driver, MemoryDriver);
  await storages.default.save('a.txt', 'media');
  assert.not.ok(await storages.static.exists('a.txt'), 'the two storages do not share files');
  assert.is(await storages.default.url('a.txt'), 'https://media.example.com/a.txt');
  assert.is(await storages.static.url('a.txt'), 'https://static.example.com/a.txt');
});

test('fs: each alias writes under its own location', async () => {
  const env = {
    STORAGE_DRIVER: 'fs',
    STORAGE_FS_LOCATION: join(work, 'media'),
    STORAGE_FS_STATIC_LOCATION: join(work, 'static'),
    STORAGE_FS_STATIC_BASE_URL: '/static/',
  };
  const storages = await createStoragesFromEnv(env);
  await storages.default.save('m.txt', 'media');
  await storages.static.save('s.css', 'body{}');
  assert.is(readFileSync(join(work, 'media/m.txt'), 'utf8'), 'media');
  assert.is(readFileSync(join(work, 'static/s.css'), 'utf8'), 'body{}');
  assert.is(await storages.static.url('s.css'), '/static/s.css');
  const alone = await createStorageFromEnv(env, 'static');
  assert.ok(await alone.exists('s.css'), 'createStorageFromEnv(env, "static") is the same place');
});

test('STORAGE_DRIVER unset: fs under ./storage, memory when NODE_ENV=test', async () => {
  const plain = await createStorageFromEnv({});
  assert.instance(plain.driver, FileSystemDriver);
  assert.is((plain.driver as FileSystemDriver).location, resolve('storage'));
  const statics = await createStoragesFromEnv({});
  assert.is((statics.static.driver as FileSystemDriver).location, resolve('staticfiles'));
  assert.instance((await createStorageFromEnv({ NODE_ENV: 'test' })).driver, MemoryDriver);
});

test('an unknown driver is INVALID_CONFIG naming STORAGE_DRIVER and the choices', async () => {
  const error = await rejectsWith(createStoragesFromEnv({ STORAGE_DRIVER: 'ftp' }), 'INVALID_CONFIG');
  assert.match(error.message, 'STORAGE_DRIVER');
  assert.match(error.message, 'memory');
});

test("a typo in the chosen driver's namespace is reported; other drivers' variables are left alone", async () => {
  const typo = await rejectsWith(
    createStoragesFromEnv({ STORAGE_DRIVER: 'fs', STORAGE_FS_LOCATON: join(work, 'x') }),
    'INVALID_CONFIG',
  );
  assert.match(typo.message, 'STORAGE_FS_LOCATON');
  await createStoragesFromEnv({ STORAGE_DRIVER: 'memory', STORAGE_FS_LOCATION: join(work, 'unused') });
  // One alias alone cannot tell the other alias's variables from typos, so it does not judge.
  await createStorageFromEnv({ STORAGE_DRIVER: 'fs', STORAGE_FS_LOCATION: join(work, 'y'), STORAGE_FS_X: '1' });
});

/**
 * Every invalid value of every variable, and every invalid combination, per driver:
 * INVALID_CONFIG whose message names the variable(s). `[variables set, variables
 * named]`; each starts from a valid environment for the driver (VALID). No request is
 * made: drivers check their configuration when they are built.
 */
const VALID: Record<DriverName, Env> = {
  memory: { STORAGE_DRIVER: 'memory' },
  fs: { STORAGE_DRIVER: 'fs', STORAGE_FS_LOCATION: join(work, 'table'), STORAGE_FS_STATIC_LOCATION: join(work, 's') },
  minio: {
    STORAGE_DRIVER: 'minio',
    MINIO_ENDPOINT: '127.0.0.1:9000',
    MINIO_ACCESS_KEY: 'access',
    MINIO_SECRET_KEY: 'secret-key',
    MINIO_DEFAULT_BUCKET: 'media',
    MINIO_STATIC_FILES_BUCKET: 'static',
    MINIO_PRIVATE_BUCKETS: 'media',
  },
  s3: {
    STORAGE_DRIVER: 's3',
    AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
    AWS_ACCESS_KEY_ID: 'access',
    AWS_SECRET_ACCESS_KEY: 'secret-key',
    S3_BUCKET: 'media',
    S3_STATIC_BUCKET: 'static',
  },
};

type Case = [set: Env, named: string[]];

const BOOLEAN = 'perhaps';
const booleans = (...variables: string[]): Case[] => variables.map((v) => [{ [v]: BOOLEAN }, [v]]);
const numbers = (variable: string, ...values: string[]): Case[] =>
  values.map((value) => [{ [variable]: value }, [variable]]);

const INVALID: Record<DriverName, Case[]> = {
  memory: [
    [{ STORAGE_DRIVER: 'ftp' }, ['STORAGE_DRIVER']],
    ...booleans('STORAGE_REPLACE_EXISTING'),
    ...numbers('STORAGE_MEMORY_URL_SECRET', 'under 32 bytes'),
    ...numbers('STORAGE_MEMORY_STATIC_URL_SECRET', 'under 32 bytes'),
  ],
  fs: [
    ...numbers('STORAGE_FS_FILE_MODE', 'rw-r--r--', '999', '0o1777777'),
    ...numbers('STORAGE_FS_DIRECTORY_MODE', '999', 'x'),
    ...numbers('STORAGE_FS_URL_SECRET', 'under 32 bytes'),
    ...numbers('STORAGE_FS_STATIC_URL_SECRET', 'under 32 bytes'),
    ...booleans('STORAGE_REPLACE_EXISTING'),
    [{ STORAGE_FS_LOCATON: '/tmp/typo' }, ['STORAGE_FS_LOCATON']],
  ],
  minio: [
    [{ MINIO_ENDPOINT: undefined }, ['MINIO_ENDPOINT']],
    ...booleans('STORAGE_REPLACE_EXISTING'),
    [{ MINIO_ACCESS_KEY: undefined }, ['MINIO_ACCESS_KEY']],
    [{ MINIO_SECRET_KEY: undefined }, ['MINIO_SECRET_KEY']],
    ...numbers(
      'MINIO_ENDPOINT',
      'http://minio:9000/path',
      'minio:99999',
      'ftp://minio:21',
      'http://u:p@minio:9000',
      'min io',
    ),
    [{ MINIO_ENDPOINT: 'https://minio:9000', MINIO_USE_HTTPS: 'false' }, ['MINIO_ENDPOINT']],
    ...numbers(
      'MINIO_EXTERNAL_ENDPOINT',
      'ftp://cdn.example.com',
      'https://cdn.example.com/?a=1',
      'https://u:p@cdn.example.com',
      'cdn:0',
    ),
    ...booleans('MINIO_USE_HTTPS', 'MINIO_EXTERNAL_ENDPOINT_USE_HTTPS', 'MINIO_ALLOW_ANONYMOUS_LIST'),
    ...booleans('MINIO_BUCKET_CHECK_ON_SAVE', 'MINIO_CONSISTENCY_CHECK_ON_START', 'MINIO_REPLACE_EXISTING'),
    ...booleans('MINIO_CONDITIONAL_WRITES'),
    ...numbers('MINIO_DEFAULT_BUCKET', 'Media_Files', 'ab', 'x'.repeat(64), '192.168.0.1'),
    ...numbers('MINIO_STATIC_FILES_BUCKET', 'Static!'),
    ...numbers('MINIO_PUBLIC_BUCKETS', 'ok-bucket,Not_Valid'),
    ...numbers('MINIO_PRIVATE_BUCKETS', 'media,..'),
    [{ MINIO_PUBLIC_BUCKETS: 'media' }, ['MINIO_PUBLIC_BUCKETS', 'MINIO_PRIVATE_BUCKETS']],
    ...numbers('MINIO_LOCATION', '../up', '/abs', 'a/../../b'),
    ...numbers('MINIO_POLICY_HOOKS', '{not json', '{"not":"a list"}', '[["bucket"]]', '[["Bad_Bucket", {}]]'),
    ...numbers('MINIO_URL_EXPIRY_HOURS', '169', '0', 'forever', '-1', '0.0001'),
    ...numbers('MINIO_MULTIPART_PART_SIZE', '1024', '1e12', 'big'),
    ...numbers('MINIO_MULTIPART_QUEUE_SIZE', '0', '65', 'x'),
    ...numbers('MINIO_REQUEST_TIMEOUT_MS', '-1', '1.5', 'soon'),
    ...numbers('MINIO_HEALTH_TIMEOUT_MS', '0', '1e9', 'x'),
    ...numbers('MINIO_ENDPOINTS', 'minio:99999', 'ftp://minio:21'),
    ...numbers('MINIO_MAX_ATTEMPTS', '0', '11', '2.5', 'many'),
    ...numbers('MINIO_CORS_ORIGINS', 'app.example.com', 'https://app.example.com/path', 'https://*.*.example.com'),
    ...numbers('MINIO_CORS_METHODS', 'GET,PATCH'),
    ...numbers('MINIO_CORS_MAX_AGE_SECONDS', '-1', '1.5', 'x'),
    ...numbers('MINIO_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS', '-1', '1.5', '36501', 'x'),
  ],
  s3: [
    [{ S3_BUCKET: undefined }, ['S3_BUCKET']],
    ...booleans('STORAGE_REPLACE_EXISTING'),
    [{ S3_STATIC_BUCKET: undefined }, ['S3_STATIC_BUCKET']],
    [{ AWS_SECRET_ACCESS_KEY: undefined }, ['AWS_SECRET_ACCESS_KEY']],
    [{ AWS_ACCESS_KEY_ID: undefined }, ['AWS_ACCESS_KEY_ID']],
    ...numbers('S3_BUCKET', 'Media_Files', 'ab'),
    ...numbers('S3_STATIC_BUCKET', 'Static!'),
    ...numbers('S3_PUBLIC_BUCKETS', 'ok-bucket,Not_Valid'),
    ...numbers('S3_PRIVATE_BUCKETS', 'x'),
    [{ S3_PUBLIC_BUCKETS: 'media', S3_PRIVATE_BUCKETS: 'media' }, ['S3_PUBLIC_BUCKETS', 'S3_PRIVATE_BUCKETS']],
    ...numbers('AWS_ENDPOINT_URL_S3', '127.0.0.1:9000', 'ftp://host'),
    [{ AWS_ENDPOINT_URL_S3: undefined, AWS_ENDPOINT_URL: 'not a url' }, ['AWS_ENDPOINT_URL']],
    ...numbers('S3_EXTERNAL_ENDPOINT', 'https://cdn.example.com/s3?x=1', 'ftp://cdn', 'cdn.example.com'),
    ...numbers('S3_CUSTOM_DOMAIN', 'https://exa mple.com'),
    ...booleans('S3_FORCE_PATH_STYLE', 'S3_ALLOW_ANONYMOUS_LIST', 'S3_BUCKET_CHECK_ON_SAVE'),
    ...booleans('S3_CONSISTENCY_CHECK_ON_START', 'S3_REPLACE_EXISTING', 'S3_CONDITIONAL_WRITES'),
    ...numbers('S3_URL_EXPIRY_SECONDS', '0', '604801', 'forever'),
    ...numbers('S3_POLICY_HOOKS', '{not json', '{"not":"a list"}', '[["bucket"]]'),
    ...numbers('S3_PART_SIZE', '1024', '6e12', 'big'),
    ...numbers('S3_QUEUE_SIZE', '0', '65', 'x'),
    ...numbers('AWS_REQUEST_CHECKSUM_CALCULATION', 'ALWAYS'),
    ...numbers('AWS_RESPONSE_CHECKSUM_VALIDATION', 'never'),
    ...numbers('S3_CONNECTION_TIMEOUT_MS', '0', '1e9', 'x'),
    // 0 is no timeout (docs/s3.md).
    ...numbers('S3_REQUEST_TIMEOUT_MS', '-1', '1e10', 'x'),
    ...numbers('S3_ENDPOINTS', 'ftp://minio:21', 'not a url'),
    ...numbers('S3_HEALTH_TIMEOUT_MS', '0', '1e9', 'x'),
    ...numbers('AWS_MAX_ATTEMPTS', '0', '11', 'x'),
    ...numbers('S3_CORS_ORIGINS', 'app.example.com', 'https://app.example.com/path', 'https://*.*.example.com'),
    ...numbers('S3_CORS_METHODS', 'GET,PATCH'),
    ...numbers('S3_CORS_MAX_AGE_SECONDS', '-1', '1.5', 'x'),
    ...numbers('S3_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS', '-1', '1.5', '36501', 'x'),
    [
      { AWS_SESSION_TOKEN: 'token', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined },
      ['AWS_SESSION_TOKEN'],
    ],
  ],
};

/** Variables a driver reads whose every value is valid, with the reason. */
const FREE_FORM: Record<string, string> = {
  STORAGE_MEMORY_BASE_URL: 'a prefix for URLs, any text',
  STORAGE_MEMORY_STATIC_BASE_URL: 'a prefix for URLs, any text',
  STORAGE_FS_BASE_URL: 'a prefix for URLs, any text',
  STORAGE_FS_STATIC_BASE_URL: 'a prefix for URLs, any text',
  STORAGE_FS_LOCATION: 'any directory path (created on first write)',
  STORAGE_FS_STATIC_LOCATION: 'any directory path (created on first write)',
  MINIO_REGION: 'any region name the server accepts',
  AWS_REGION: 'any region name the server accepts',
  MINIO_CORS_HEADERS: 'header names (or *), passed to the CORS rule as given',
  MINIO_CORS_EXPOSE_HEADERS: 'header names, passed to the CORS rule as given',
  S3_CORS_HEADERS: 'header names (or *), passed to the CORS rule as given',
  S3_CORS_EXPOSE_HEADERS: 'header names, passed to the CORS rule as given',
};

const VARIABLE_NAME = /['"]((?:STORAGE|MINIO|AWS|S3)_[A-Z0-9_]*[A-Z0-9])['"]/g;

/** The variables driver `name` reads (quoted names in its folder), as test/unit/variables.test.ts finds them. */
function variablesOf(name: DriverName): string[] {
  const dir = join(import.meta.dirname, '../../drivers', name);
  const found = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(join(dir, file), 'utf8').matchAll(VARIABLE_NAME)) found.add(match[1] as string);
  }
  return [...found].sort();
}

for (const driver of DRIVER_NAMES) {
  test(`${driver}: every invalid variable and combination is INVALID_CONFIG naming the variable`, async () => {
    await createStoragesFromEnv(VALID[driver]);
    for (const [set, named] of INVALID[driver]) {
      const env = { ...VALID[driver], ...set };
      const label = JSON.stringify(set);
      const error = await rejectsWith(createStoragesFromEnv(env), 'INVALID_CONFIG', label);
      for (const variable of named) assert.ok(error.message.includes(variable), `${label}: ${error.message}`);
    }
  });

  test(`${driver}: every variable it reads has an invalid case above, or is free-form`, () => {
    const covered = new Set(INVALID[driver].flatMap(([set]) => Object.keys(set)));
    const missing = variablesOf(driver).filter((variable) => !covered.has(variable) && !(variable in FREE_FORM));
    assert.equal(missing, [], 'variables without an invalid case');
  });
}

test('figures', () => {
  const cases = DRIVER_NAMES.map((driver) => `${driver} ${INVALID[driver].length}`);
  const total = DRIVER_NAMES.reduce((sum, driver) => sum + INVALID[driver].length, 0);
  console.log(
    `[reliability] configuration: ${total} invalid values and combinations (${cases.join(', ')}), each INVALID_CONFIG naming its variables`,
  );
});

test('minio and s3 declare publicUrl only for a public bucket, alike', async () => {
  const envs: Record<'minio' | 's3', Env> = {
    minio: {
      STORAGE_DRIVER: 'minio',
      MINIO_ENDPOINT: '127.0.0.1:9',
      MINIO_ACCESS_KEY: 'access',
      MINIO_SECRET_KEY: 'secret-key',
      MINIO_DEFAULT_BUCKET: 'media',
      MINIO_PRIVATE_BUCKETS: 'media',
      MINIO_STATIC_FILES_BUCKET: 'static',
    },
    s3: {
      STORAGE_DRIVER: 's3',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'access',
      AWS_SECRET_ACCESS_KEY: 'secret-key',
      S3_BUCKET: 'media',
      S3_PRIVATE_BUCKETS: 'media',
      S3_STATIC_BUCKET: 'static',
    },
  };
  for (const [driver, env] of Object.entries(envs)) {
    const storages = await createStoragesFromEnv(env);
    assert.is(storages.default.capabilities.publicUrl, false, `${driver}: private default bucket`);
    assert.is(storages.default.capabilities.presign, true, `${driver}: presigns`);
    assert.is(storages.static.capabilities.publicUrl, true, `${driver}: public static bucket`);
    await Promise.all([storages.default.close(), storages.static.close()]);
  }
});

test('only the requested aliases are built', async () => {
  const storages = await createStoragesFromEnv({ STORAGE_DRIVER: 'memory' }, ['static']);
  assert.equal(Object.keys(storages), ['static']);
});

test.run();
