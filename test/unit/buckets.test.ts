import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BucketAdmin,
  BucketPlan,
  initializeBuckets,
  parsePolicyHooks,
  publicReadPolicy,
  samePolicy,
} from '../../src/buckets.js';
import { isStorageError } from '../../src/errors.js';

const test = suite('buckets');
const NAMES = { public: 'PUBLIC', private: 'PRIVATE', static: 'STATIC' };

/** A BucketAdmin over a Map, counting the calls that change something. */
function fakeAdmin(initial: Record<string, string | undefined> = {}) {
  const buckets = new Map(Object.entries(initial));
  const changes: string[] = [];
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
  };
  return { admin, buckets, changes };
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
  assert.equal(second, { created: [], policySet: [], policyRemoved: [], unchanged: ['hooked', 'private1', 'public1'] });
  assert.is(changes.length, before);
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
