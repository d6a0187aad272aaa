/** Configuration from the environment: named storages, defaults, validation at start-up. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../../contracts/context.js';
import { FileSystemDriver } from '../../drivers/fs/index.js';
import { MemoryDriver } from '../../drivers/memory/index.js';
import { createStorageFromEnv, createStoragesFromEnv } from '../../src/registry.js';

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
  assert.is((statics.static.driver as FileSystemDriver).location, resolve('static'));
  assert.instance((await createStorageFromEnv({ NODE_ENV: 'test' })).driver, MemoryDriver);
});

test('an unknown driver is INVALID_CONFIG naming STORAGE_DRIVER and the choices', async () => {
  const error = await rejectsWith(createStoragesFromEnv({ STORAGE_DRIVER: 'ftp' }), 'INVALID_CONFIG');
  assert.match(error.message, 'STORAGE_DRIVER');
  assert.match(error.message, 'memory');
});

test('a bad value is INVALID_CONFIG naming the variable, for either alias', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ STORAGE_DRIVER: 'fs', STORAGE_FS_FILE_MODE: 'rw-r--r--' }, 'STORAGE_FS_FILE_MODE'],
    [{ STORAGE_DRIVER: 'fs', STORAGE_FS_DIRECTORY_MODE: '999' }, 'STORAGE_FS_DIRECTORY_MODE'],
    [{ STORAGE_DRIVER: 'memory', STORAGE_REPLACE_EXISTING: 'maybe' }, 'STORAGE_REPLACE_EXISTING'],
  ];
  for (const [env, variable] of cases) {
    const error = await rejectsWith(createStoragesFromEnv(env), 'INVALID_CONFIG', variable);
    assert.match(error.message, variable);
  }
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

test('object stores: a missing key, a bucket both public and private, a bad value name their variables', async () => {
  const minio = { STORAGE_DRIVER: 'minio', MINIO_ENDPOINT: '127.0.0.1:9000', MINIO_SECRET_KEY: 'k'.repeat(12) };
  const s3 = { STORAGE_DRIVER: 's3', S3_BUCKET: 'media', S3_STATIC_BUCKET: 'static' };
  const cases: Array<[Record<string, string>, string[]]> = [
    [minio, ['MINIO_ACCESS_KEY']],
    [
      { ...minio, MINIO_ACCESS_KEY: 'a', MINIO_PUBLIC_BUCKETS: 'x1y', MINIO_PRIVATE_BUCKETS: 'x1y' },
      ['MINIO_PUBLIC_BUCKETS', 'MINIO_PRIVATE_BUCKETS'],
    ],
    [{ ...minio, MINIO_ACCESS_KEY: 'a', MINIO_URL_EXPIRY_HOURS: '-1' }, ['MINIO_URL_EXPIRY_HOURS']],
    [{ STORAGE_DRIVER: 's3' }, ['S3_BUCKET']],
    [{ ...s3, S3_PUBLIC_BUCKETS: 'media', S3_PRIVATE_BUCKETS: 'media' }, ['S3_PUBLIC_BUCKETS', 'S3_PRIVATE_BUCKETS']],
    [{ ...s3, AWS_SECRET_ACCESS_KEY: 'k'.repeat(12) }, ['AWS_ACCESS_KEY_ID']],
  ];
  for (const [env, variables] of cases) {
    const error = await rejectsWith(createStoragesFromEnv(env), 'INVALID_CONFIG', variables.join(' '));
    for (const variable of variables) assert.match(error.message, variable);
  }
});

test('only the requested aliases are built', async () => {
  const storages = await createStoragesFromEnv({ STORAGE_DRIVER: 'memory' }, ['static']);
  assert.equal(Object.keys(storages), ['static']);
});

test.run();
