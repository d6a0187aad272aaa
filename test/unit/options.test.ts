/**
 * The option-declaration kit (src/options.ts) and the drivers declared with it: one
 * declaration per option gives the unknown-key check of every factory, the checks of
 * values in code and in variables (each error naming the option or the variable), the
 * defaults and the docs rows.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith, throwsWith } from '../../contracts/context.js';
import { createFileSystemStorage, FileSystemDriver } from '../../drivers/fs/index.js';
import { createMemoryStorage, MemoryDriver } from '../../drivers/memory/index.js';
import { configError, EnvReader } from '../../src/env.js';
import { isStorageError } from '../../src/errors.js';
import { defineOptions, markdownTable, type OptionsOf, option, optionsTable } from '../../src/options.js';
import { createStorage } from '../../src/registry.js';

const test = suite('option declarations');

/** The INVALID_CONFIG message `fn` throws. */
function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
    return error.message;
  }
  assert.unreachable('expected INVALID_CONFIG');
  return '';
}

test('the direct factories refuse an unknown key, naming it, as the registry does', async () => {
  const location = './unused-location';
  const typo = { location, basUrl: '/m/' } as unknown as Parameters<typeof createFileSystemStorage>[0];
  assert.match(
    configMessage(() => createFileSystemStorage(typo)),
    '"basUrl"',
  );
  assert.match(
    configMessage(() => new FileSystemDriver(typo)),
    '"basUrl"',
  );
  const memoryTypo = { replaceExistnig: true } as unknown as Parameters<typeof createMemoryStorage>[0];
  assert.match(
    configMessage(() => createMemoryStorage(memoryTypo)),
    '"replaceExistnig"',
  );
  assert.match(
    configMessage(() => new MemoryDriver(memoryTypo)),
    '"replaceExistnig"',
  );
  const viaRegistry = await rejectsWith(
    createStorage({ driver: 'memory', replaceExistnig: true } as never),
    'INVALID_CONFIG',
  );
  assert.match(viaRegistry.message, '"replaceExistnig"');
  // @ts-expect-error: the type refuses the typo too
  assert.throws(() => createMemoryStorage({ replaceExistnig: true }));
});

test('values given in code are checked, each error naming the option', () => {
  assert.match(
    configMessage(() => createFileSystemStorage({ location: '' })),
    /^fs option location must not be empty/,
  );
  assert.match(
    // @ts-expect-error: location is required
    configMessage(() => createFileSystemStorage({})),
    /^fs option location is required/,
  );
  assert.match(
    configMessage(() => createFileSystemStorage({ location: '.', fileMode: '644' as unknown as number })),
    /^fs option fileMode must be a number \(got string\)/,
  );
  assert.match(
    configMessage(() => createFileSystemStorage({ location: '.', directoryMode: 0o17777 })),
    /^fs option directoryMode must be an integer >= 0 <= 4095/,
  );
  assert.match(
    configMessage(() => createMemoryStorage({ replaceExisting: 'yes' as unknown as boolean })),
    /^memory option replaceExisting must be true or false/,
  );
  assert.match(
    configMessage(() => createMemoryStorage({ files: { 'a.txt': 3 } as unknown as Record<string, string> })),
    /^memory option files must be an object/,
  );
  assert.match(
    configMessage(() => createMemoryStorage(null as never)),
    'needs an options object',
  );
  assert.is(createMemoryStorage({ replaceExisting: true }).replaceExisting, true);
  assert.is(createFileSystemStorage({ location: '.' }).replaceExisting, false, 'the declared default');
});

/** Options shaped like the object stores': env names of every family, JSON, lists, bounds, units, aliases. */
const SAMPLE = defineOptions('sample', {
  endpoint: option.string({ required: true, env: 'MINIO_ENDPOINT', envRequired: true, doc: 'the server' }),
  bucket: option.string({
    required: true,
    env: { default: 'S3_BUCKET', static: 'S3_STATIC_BUCKET' },
    envDefault: { perAlias: { default: 'media', static: 'static' } },
    doc: 'the bucket',
  }),
  region: option.string({ default: 'us-east-1', env: ['S3_REGION', 'AWS_REGION'], doc: 'the region' }),
  publicBuckets: option.list({ env: 'S3_PUBLIC_BUCKETS', doc: 'public buckets' }),
  useHttps: option.boolean({ default: false, env: 'MINIO_USE_HTTPS', doc: 'https' }),
  maxAttempts: option.number({ min: 1, max: 10, default: 3, env: 'S3_MAX_ATTEMPTS', doc: 'attempts' }),
  urlExpirySeconds: option.number({
    min: 1,
    max: 604_800,
    env: 'MINIO_URL_EXPIRY_HOURS',
    envParse: (raw, variable) => {
      const hours = Number(raw);
      if (!(hours > 0)) throw configError(variable, 'must be a positive number of hours');
      return Math.round(hours * 3600);
    },
    doc: 'URL lifetime',
  }),
  policyHooks: option.json(
    (value, label) => {
      if (!Array.isArray(value) || !value.every((hook) => Array.isArray(hook) && typeof hook[0] === 'string')) {
        throw configError(label, 'must be a list of [bucket, policy] pairs');
      }
      return value as [string, object][];
    },
    { env: 'MINIO_POLICY_HOOKS', doc: 'policy hooks' },
  ),
  mode: option.choice(['fast', 'safe'], { default: 'safe', env: 'S3_MODE', doc: 'mode' }),
  secretKey: option.string({ env: 'AWS_SECRET_ACCESS_KEY', doc: 'secret' }),
  client: option.custom<{ send: () => void }>(
    {
      describe: 'an SDK client',
      check: (value, label) => {
        if (typeof (value as { send?: unknown })?.send !== 'function')
          throw configError(label, 'must be an SDK client');
        return value as { send: () => void };
      },
    },
    { doc: 'a ready client' },
  ),
});

test('the kit reads every kind of variable for the object stores, naming the variable in each error', () => {
  const reader = new EnvReader({
    MINIO_ENDPOINT: 'minio:9000',
    S3_STATIC_BUCKET: 'assets',
    AWS_REGION: 'eu-west-1',
    S3_PUBLIC_BUCKETS: 'a, b,,c',
    MINIO_USE_HTTPS: 'yes',
    S3_MAX_ATTEMPTS: '5',
    MINIO_URL_EXPIRY_HOURS: '1.5',
    MINIO_POLICY_HOOKS: '[["a", {"Version": "2012-10-17"}]]',
    AWS_SECRET_ACCESS_KEY: 'hunter2-hunter2',
  });
  assert.equal(SAMPLE.fromEnv(reader, 'default'), {
    endpoint: 'minio:9000',
    bucket: 'media',
    region: 'eu-west-1',
    publicBuckets: ['a', 'b', 'c'],
    useHttps: true,
    maxAttempts: 5,
    urlExpirySeconds: 5400,
    policyHooks: [['a', { Version: '2012-10-17' }]],
    secretKey: 'hunter2-hunter2',
  });
  assert.is(SAMPLE.fromEnv(reader, 'static').bucket, 'assets', 'the static alias has its own variable');
  assert.equal(reader.unread('S3_'), [], 'every declared variable was read');

  const bad = (env: Record<string, string>) => configMessage(() => SAMPLE.fromEnv(new EnvReader(env), 'default'));
  const base = { MINIO_ENDPOINT: 'minio:9000' };
  assert.match(bad({}), /^MINIO_ENDPOINT is required for STORAGE_DRIVER=sample/);
  assert.match(bad({ ...base, MINIO_USE_HTTPS: 'maybe' }), /^MINIO_USE_HTTPS must be true or false/);
  assert.match(bad({ ...base, S3_MAX_ATTEMPTS: '11' }), /^S3_MAX_ATTEMPTS must be an integer >= 1 <= 10 \(got "11"\)/);
  assert.match(bad({ ...base, MINIO_URL_EXPIRY_HOURS: '0' }), /^MINIO_URL_EXPIRY_HOURS must be a positive/);
  assert.match(bad({ ...base, MINIO_URL_EXPIRY_HOURS: '200' }), /^MINIO_URL_EXPIRY_HOURS must be an integer >= 1/);
  assert.match(bad({ ...base, MINIO_POLICY_HOOKS: '{nope' }), /^MINIO_POLICY_HOOKS must be valid JSON/);
  assert.match(bad({ ...base, MINIO_POLICY_HOOKS: '{}' }), /^MINIO_POLICY_HOOKS must be a list of \[bucket, policy\]/);
  assert.match(bad({ ...base, S3_MODE: 'slow' }), /^S3_MODE must be one of fast, safe/);
});

test('the kit checks values in code, applies defaults, and never echoes a string value', () => {
  const resolved = SAMPLE.resolve({ endpoint: 'minio:9000', bucket: 'media' });
  assert.equal(resolved, {
    endpoint: 'minio:9000',
    bucket: 'media',
    region: 'us-east-1',
    useHttps: false,
    maxAttempts: 3,
    mode: 'safe',
  });
  const secret = configMessage(() => SAMPLE.resolve({ endpoint: 'x', bucket: 'b', secretKey: 42 }));
  assert.match(secret, /^sample option secretKey must be a string \(got number\)/);
  const hidden = configMessage(() => SAMPLE.resolve({ endpoint: 'x', bucket: 'b', client: 'hunter2-hunter2' }));
  assert.not.match(hidden, 'hunter2');
  assert.match(
    configMessage(() => SAMPLE.resolve({ endpoint: 'x', bucket: 'b', maxAttempts: 0 })),
    /maxAttempts must be an integer >= 1/,
  );
  assert.match(
    configMessage(() => SAMPLE.resolve({ bucket: 'b' })),
    /^sample option endpoint is required/,
  );
  assert.match(
    configMessage(() => SAMPLE.resolve({ endpoint: 'x', bucket: 'b', regoin: 'x' })),
    /Unknown sample option "regoin"; accepted options are endpoint, bucket, region/,
  );
  throwsWith(
    () => SAMPLE.fromEnv(new EnvReader({ MINIO_ENDPOINT: 'x', S3_MAX_ATTEMPTS: 'x' }), 'default'),
    'INVALID_CONFIG',
  );
  // The option type comes from the declarations.
  const typed: OptionsOf<typeof SAMPLE> = { endpoint: 'x', bucket: 'b', maxAttempts: 2 };
  // @ts-expect-error: a number option takes no string
  const wrong: OptionsOf<typeof SAMPLE> = { endpoint: 'x', bucket: 'b', maxAttempts: '2' };
  assert.ok(typed && wrong);
});

test('the docs rows come from the declarations: one per variable and alias, code-only options too', () => {
  const rows = SAMPLE.rows();
  assert.equal(
    rows.filter((row) => row.option === 'bucket').map((row) => [row.variable, row.alias, row.default]),
    [
      ['S3_BUCKET', 'default', '`media`'],
      ['S3_STATIC_BUCKET', 'static', '`static`'],
    ],
  );
  assert.equal(rows.find((row) => row.option === 'region')?.fallbacks, ['AWS_REGION']);
  assert.is(rows.find((row) => row.option === 'client')?.variable, '');
  assert.match(optionsTable(SAMPLE), '| `region`           | `S3_REGION`, else `AWS_REGION`');
  assert.is(markdownTable(['a', 'bb'], [['ccc', 'd']]), '| a   | bb |\n| --- | -- |\n| ccc | d  |');
});

test.run();
