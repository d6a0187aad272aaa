/**
 * Secrets set in the environment never show: not in error messages, not in
 * `util.inspect` or `JSON.stringify` of a storage, its driver or an error, not in
 * anything the process writes (stdout, stderr, warnings). Every
 * registered driver is built from the environment with recognisable secrets, made to
 * fail in several ways, and everything it shows is searched for them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Env } from '../src/env.js';
import { isStorageError } from '../src/errors.js';
import { createStoragesFromEnv, DRIVER_NAMES, type DriverName } from '../src/registry.js';
import type { Storage } from '../src/storage.js';
import { captureOutput } from './support/output.js';

const SECRET = 'SeCrEt-4f1c9e-DoNotShow';
const TOKEN = 'SeSsIoN-77aa-DoNotShow';
/** A loopback port nothing listens on, so object-store drivers fail fast with UNAVAILABLE. */
const DEAD_ENDPOINT = '127.0.0.1:1';
const work = mkdtempSync(join(tmpdir(), 'stowage-secrets-'));

/** Every secret-bearing variable a driver might read, set everywhere, whatever the driver. */
const SECRETS: Env = {
  MINIO_SECRET_KEY: SECRET,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_SESSION_TOKEN: TOKEN,
};

/**
 * The variables that make each driver buildable. A driver added to the registry without
 * a line here fails the test below, so no driver escapes the check.
 */
const DRIVER_ENV: Record<string, Env> = {
  memory: {},
  fs: { STORAGE_FS_LOCATION: join(work, 'media'), STORAGE_FS_STATIC_LOCATION: join(work, 'static') },
  minio: {
    MINIO_ENDPOINT: DEAD_ENDPOINT,
    MINIO_ACCESS_KEY: 'access-key-id',
    MINIO_USE_HTTPS: 'false',
    MINIO_DEFAULT_BUCKET: 'media',
    MINIO_STATIC_FILES_BUCKET: 'static',
    MINIO_PRIVATE_BUCKETS: 'media',
    MINIO_PUBLIC_BUCKETS: 'static',
  },
  s3: {
    AWS_ACCESS_KEY_ID: 'access-key-id',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: `http://${DEAD_ENDPOINT}`,
    S3_BUCKET: 'media',
    S3_STATIC_BUCKET: 'static',
    S3_CONNECTION_TIMEOUT_MS: '500',
    S3_HEALTH_TIMEOUT_MS: '500',
  },
};

/** A variable each driver validates, set to garbage, to provoke INVALID_CONFIG with secrets in the env. */
const BAD_VARIABLE: Record<string, Env> = {
  memory: { STORAGE_REPLACE_EXISTING: 'perhaps' },
  fs: { STORAGE_FS_FILE_MODE: 'x' },
  minio: { MINIO_URL_EXPIRY_HOURS: 'forever' },
  s3: { S3_URL_EXPIRY_SECONDS: 'forever' },
};

const logged = captureOutput();
const test = suite('secrets stay hidden');
test.after(() => rmSync(work, { recursive: true, force: true }));

function envFor(driver: DriverName, extra: Env = {}): Env {
  return { ...SECRETS, STORAGE_DRIVER: driver, ...DRIVER_ENV[driver], ...extra };
}

/** Everything a user could print: message, stack, inspect (with causes), JSON. */
function shown(value: unknown): string[] {
  const texts = [inspect(value, { depth: 8, showHidden: true }), JSON.stringify(value) ?? ''];
  if (value instanceof Error) texts.push(value.message, value.stack ?? '', inspect(value.cause, { depth: 8 }));
  return texts;
}

function assertHidden(texts: string[], what: string): void {
  for (const text of texts) {
    assert.not.ok(text.includes(SECRET), `${what} shows the secret key: ${text.slice(0, 400)}`);
    assert.not.ok(text.includes(TOKEN), `${what} shows the session token`);
  }
}

async function failures(storage: Storage): Promise<unknown[]> {
  const attempts: Array<() => Promise<unknown>> = [
    () => storage.open('missing/object.txt'),
    () => storage.save('../escape', 'x'),
    () => storage.url('x', { expiresIn: 10 ** 9 }),
    () => storage.save('a.txt', 'payload'),
    () => storage.initializeBuckets(),
  ];
  const errors: unknown[] = [];
  for (const attempt of attempts) {
    try {
      await attempt();
    } catch (error) {
      assert.ok(isStorageError(error), `a StorageError, got ${inspect(error)}`);
      errors.push(error);
    }
  }
  return errors;
}

test('every registered driver has a case here', () => {
  for (const driver of DRIVER_NAMES) {
    assert.ok(DRIVER_ENV[driver] && BAD_VARIABLE[driver], `add ${driver} to DRIVER_ENV and BAD_VARIABLE`);
  }
});

for (const driver of DRIVER_NAMES) {
  test(`${driver}: storages, drivers and their errors never show a secret`, async () => {
    const storages = await createStoragesFromEnv(envFor(driver));
    try {
      for (const [alias, storage] of Object.entries(storages)) {
        assertHidden([...shown(storage), ...shown(storage.driver)], `${driver} ${alias} storage`);
        const errors = await failures(storage);
        assert.ok(errors.length >= 3, `${driver}: at least three operations fail (${errors.length})`);
        for (const error of errors) assertHidden(shown(error), `${driver} ${(error as Error).message}`);
        assertHidden(shown(await storage.isAvailable()), `${driver} health status`);
      }
    } finally {
      await Promise.all(Object.values(storages).map((storage) => storage.close()));
    }
  });

  test(`${driver}: INVALID_CONFIG with secrets in the environment names the variable, not the secret`, async () => {
    try {
      await createStoragesFromEnv(envFor(driver, BAD_VARIABLE[driver]));
      assert.unreachable('a bad variable must fail');
    } catch (error) {
      assert.ok(isStorageError(error, 'INVALID_CONFIG'), inspect(error));
      assert.match(error.message, Object.keys(BAD_VARIABLE[driver] ?? {})[0] ?? '');
      assertHidden(shown(error), `${driver} config error`);
    }
  });
}

test('no line written to stdout or stderr, and no process warning, shows a secret', () => {
  assert.ok(logged.length > 0, 'the output was captured');
  assertHidden([logged.join('')], 'the output of this process');
});

test.run();
