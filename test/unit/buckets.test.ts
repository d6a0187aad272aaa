import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createMinioStorage } from '../../drivers/minio/index.js';
import { MINIO_OPTIONS } from '../../drivers/minio/options.js';
import { createS3Storage } from '../../drivers/s3/index.js';
import {
  type BucketAdmin,
  BucketPlan,
  type BucketRules,
  type BucketSettings,
  initializeBuckets,
  parsePolicyHooks,
  publicReadPolicy,
  RULE_IDS,
  type RuleKind,
  type StoredRules,
  samePolicy,
} from '../../src/buckets.js';
import { EnvReader } from '../../src/env.js';
import { isStorageError, StorageError } from '../../src/errors.js';

const test = suite('buckets');
const NAMES = { public: 'PUBLIC', private: 'PRIVATE', static: 'STATIC' };

/**
 * How the fake server treats a kind of bucket rule: `keeps` them, has no such
 * configuration (`unsupported`: 501), or accepts a write and `drops` stowage's rule.
 */
type RuleServer = 'keeps' | 'unsupported' | 'drops';

/** A BucketAdmin over Maps, counting the calls that change something. */
function fakeAdmin(
  initial: Record<string, string | undefined> = {},
  servers: Partial<Record<RuleKind, RuleServer>> = {},
) {
  const buckets = new Map(Object.entries(initial));
  const rules = { cors: new Map(), lifecycle: new Map() } as {
    [K in RuleKind]: Map<string, StoredRules<BucketRules[K]>>;
  };
  const changes: string[] = [];
  const unsupported = (kind: RuleKind) =>
    new StorageError('UNSUPPORTED', `fake: the server does not implement bucket ${kind} (NotImplemented, HTTP 501).`);
  const admin: BucketAdmin = {
    bucketExists: async (b) => buckets.has(b),
    createBucket: async (b) => {
      buckets.set(b, undefined);
      changes.push(`create ${b}`);
    },
    getPolicy: async (b) => buckets.get(b),
    setPolicy: async (b, p) => {
      buckets.set(b, p);
      changes.push(`set ${b}`);
    },
    deletePolicy: async (b) => {
      buckets.set(b, undefined);
      changes.push(`delete ${b}`);
    },
    getRules: async (kind, b) => {
      if (servers[kind] === 'unsupported') throw unsupported(kind);
      return structuredClone(rules[kind].get(b)) as never;
    },
    putRules: async (kind, b, stored) => {
      if (servers[kind] === 'unsupported') throw unsupported(kind);
      changes.push(`${kind} ${b}`);
      const kept = servers[kind] === 'drops' ? stored.rules.filter((rule) => rule.id !== RULE_IDS[kind]) : stored.rules;
      (rules[kind] as Map<string, unknown>).set(b, structuredClone({ ...stored, rules: kept }));
    },
  };
  return { admin, buckets, rules, changes };
}

function invalidConfig(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
    return (error as Error).message;
  }
  throw new Error('expected INVALID_CONFIG');
}

test('a bucket in both lists is INVALID_CONFIG naming both settings', () => {
  const message = invalidConfig(() => new BucketPlan({ publicBuckets: ['a-b'], privateBuckets: ['a-b'] }, NAMES));
  assert.match(message, 'PUBLIC');
  assert.match(message, 'PRIVATE');
});

test('default bucket in neither list is private and reported as unlisted; static is public', () => {
  const plan = new BucketPlan({ defaultBucket: 'media', staticBucket: 'static' }, NAMES);
  assert.is(plan.isPublic('media'), false);
  assert.equal(plan.unlisted, ['media']);
  assert.is(plan.isPublic('static'), true);
  invalidConfig(() => new BucketPlan({ staticBucket: 'static', privateBuckets: ['static'] }, NAMES));
  invalidConfig(() => new BucketPlan({ publicBuckets: ['Bad_Name'] }, NAMES));
});

test('public policy: GetObject on objects only unless listing is allowed', () => {
  const policy = publicReadPolicy('pics');
  assert.is(policy.Statement.length, 1);
  assert.equal(policy.Statement[0]?.Action, ['s3:GetObject']);
  assert.equal(policy.Statement[0]?.Resource, ['arn:aws:s3:::pics/*']);
  assert.is(publicReadPolicy('pics', true).Statement.length, 2);
});

test('samePolicy ignores formatting differences servers introduce', () => {
  const a = publicReadPolicy('pics');
  const b = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow' as const, Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pics/*' }],
  };
  assert.ok(samePolicy(a, b));
  assert.not.ok(samePolicy(a, publicReadPolicy('pics', true)));
});

test('initializeBuckets creates, publishes, privatises, applies hooks — and is idempotent', async () => {
  const hook = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Deny' as const, Principal: '*', Action: ['s3:DeleteObject'], Resource: ['arn:aws:s3:::hooked/*'] },
    ],
  };
  const { admin, changes } = fakeAdmin({ private1: JSON.stringify(publicReadPolicy('private1')) });
  const plan = new BucketPlan(
    { publicBuckets: ['public1'], privateBuckets: ['private1', 'hooked'], policyHooks: [['hooked', hook]] },
    NAMES,
  );
  const first = await initializeBuckets(admin, plan);
  assert.equal(first.created, ['hooked', 'public1']);
  assert.equal(first.policySet.sort(), ['hooked', 'public1']);
  assert.equal(first.policyRemoved, ['private1']);
  const before = changes.length;
  const second = await initializeBuckets(admin, plan);
  assert.equal(
    { ...second, rules: second.rules.map((rule) => `${rule.kind} ${rule.bucket} ${rule.status}`) },
    {
      created: [],
      policySet: [],
      policyRemoved: [],
      unchanged: ['hooked', 'private1', 'public1'],
      rules: ['lifecycle hooked unchanged', 'lifecycle private1 unchanged', 'lifecycle public1 unchanged'],
    },
  );
  assert.is(changes.length, before);
});

const USER_CORS = {
  id: 'user-rule',
  allowedOrigins: ['https://other.example'],
  allowedMethods: ['GET'],
  allowedHeaders: ['x-a'],
  exposeHeaders: [],
  maxAgeSeconds: 10,
};
const USER_LIFECYCLE = {
  id: 'user-expiry',
  enabled: true,
  prefix: 'tmp/',
  source: { ID: 'user-expiry', Expiration: { Days: 30 }, Transitions: [{ Days: 5, StorageClass: 'GLACIER' }] },
};
const APP = 'https://app.example';

test("stowage's rules are merged beside the user's by rule ID, ETag always exposed; a second run changes nothing", async () => {
  const { admin, rules, changes } = fakeAdmin({ media: undefined });
  rules.cors.set('media', { rules: [USER_CORS] });
  rules.lifecycle.set('media', { rules: [USER_LIFECYCLE], source: { TransitionDefaultMinimumObjectSize: 'varies' } });
  const settings: BucketSettings = {
    defaultBucket: 'media',
    corsOrigins: [APP],
    corsExposeHeaders: ['x-amz-request-id'],
  };
  const first = await initializeBuckets(admin, new BucketPlan(settings, NAMES));
  assert.equal(
    first.rules.map((rule) => [rule.kind, rule.status]),
    [
      ['cors', 'set'],
      ['lifecycle', 'set'],
    ],
  );
  assert.equal(first.unchanged, []);
  const cors = rules.cors.get('media')?.rules ?? [];
  assert.equal(cors[0], USER_CORS, "the user's CORS rule, unchanged");
  assert.equal(cors[1], {
    id: 'stowage-cors',
    allowedOrigins: [APP],
    allowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
    allowedHeaders: ['*'],
    exposeHeaders: ['x-amz-request-id', 'ETag'],
    maxAgeSeconds: 3600,
  });
  const lifecycle = rules.lifecycle.get('media');
  assert.equal(lifecycle?.rules[0], USER_LIFECYCLE, "the user's lifecycle rule, its source untouched");
  assert.equal(lifecycle?.source, { TransitionDefaultMinimumObjectSize: 'varies' }, "the configuration's own settings");
  assert.equal(lifecycle?.rules[1], {
    id: 'stowage-abort-incomplete-uploads',
    enabled: true,
    prefix: '',
    abortIncompleteUploadsAfterDays: 7,
  });
  assert.match(first.rules[1]?.rule ?? '', 'abort incomplete multipart uploads after 7 days');

  const writes = changes.length;
  const again = await initializeBuckets(admin, new BucketPlan(settings, NAMES));
  assert.equal(
    again.rules.map((rule) => rule.status),
    ['unchanged', 'unchanged'],
  );
  assert.equal(again.unchanged, ['media']);
  assert.is(changes.length, writes, 'no write on the second run');

  // Another number of days replaces stowage's rule only.
  const changed = await initializeBuckets(
    admin,
    new BucketPlan({ ...settings, abortIncompleteUploadsAfterDays: 2 }, NAMES),
  );
  assert.equal(changed.rules[1]?.status, 'set');
  assert.equal(
    rules.lifecycle.get('media')?.rules.map((rule) => [rule.id, rule.abortIncompleteUploadsAfterDays]),
    [
      ['user-expiry', undefined],
      ['stowage-abort-incomplete-uploads', 2],
    ],
  );
});

test('a server without the configuration, or one dropping the rule, is reported as not-kept with what to do', async () => {
  const { admin, changes } = fakeAdmin({ media: undefined }, { cors: 'unsupported', lifecycle: 'drops' });
  const plan = new BucketPlan({ defaultBucket: 'media', corsOrigins: [APP] }, NAMES);
  const report = await initializeBuckets(admin, plan);
  const [cors, lifecycle] = report.rules;
  assert.is(cors?.status, 'not-kept');
  assert.match(cors?.reason ?? '', 'HTTP 501');
  assert.match(cors?.advice ?? '', 'MINIO_API_CORS_ALLOW_ORIGIN');
  assert.is(lifecycle?.status, 'not-kept');
  assert.match(lifecycle?.reason ?? '', 'did not keep it');
  assert.match(lifecycle?.advice ?? '', 'stowage gc');
  assert.equal(report.unchanged, ['media'], 'nothing changed on the server');
  assert.equal(changes, ['lifecycle media'], 'no CORS write where CORS is not implemented');
});

test("with no origins and 0 days, the buckets' CORS and lifecycle are left alone: not even read", async () => {
  const { admin } = fakeAdmin({ media: undefined }, { cors: 'unsupported', lifecycle: 'unsupported' });
  const plan = new BucketPlan({ defaultBucket: 'media', abortIncompleteUploadsAfterDays: 0 }, NAMES);
  const report = await initializeBuckets(admin, plan);
  assert.equal(report.rules, []);
  assert.equal(report.unchanged, ['media']);
});

test('the rule options: declared once for both drivers, each variable named in its errors', () => {
  const base = { endpoint: 'localhost:9000', accessKey: 'a', secretKey: 'secret-key', bucket: 'media' };
  assert.match(
    invalidConfig(() => createMinioStorage({ ...base, corsOrigins: ['https://app.example/path'] })),
    'minio option corsOrigins',
  );
  assert.match(
    invalidConfig(() =>
      createS3Storage({ endpoint: 'http://localhost:9000', bucket: 'media', corsMethods: ['PATCH'] }),
    ),
    's3 option corsMethods',
  );
  assert.match(
    invalidConfig(() =>
      createS3Storage({ endpoint: 'http://localhost:9000', bucket: 'media', abortIncompleteUploadsAfterDays: -1 }),
    ),
    'abortIncompleteUploadsAfterDays',
  );
  const variables = {
    MINIO_ENDPOINT: 'localhost:9000',
    MINIO_ACCESS_KEY: 'a',
    MINIO_SECRET_KEY: 'secret-key',
    MINIO_CORS_ORIGINS: `${APP}, https://*.example.org`,
    MINIO_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS: '3',
  };
  const options = MINIO_OPTIONS.fromEnv(new EnvReader(variables), 'default');
  assert.equal(options.corsOrigins, [APP, 'https://*.example.org']);
  assert.is(options.abortIncompleteUploadsAfterDays, 3);
  const bad = new EnvReader({ ...variables, MINIO_CORS_ORIGINS: 'app.example' });
  assert.match(
    invalidConfig(() => MINIO_OPTIONS.fromEnv(bad, 'default')),
    'MINIO_CORS_ORIGINS',
  );
});

test('parsePolicyHooks validates shape and names the variable', () => {
  assert.equal(parsePolicyHooks(undefined, 'HOOKS'), []);
  assert.match(
    invalidConfig(() => parsePolicyHooks({}, 'HOOKS')),
    'HOOKS',
  );
  assert.match(
    invalidConfig(() => parsePolicyHooks([['b', 'x']], 'HOOKS')),
    'HOOKS',
  );
});

test.run();
