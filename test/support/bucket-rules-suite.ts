/**
 * stowage's bucket rules on a real server, for both object-store drivers: a bucket
 * already holding a CORS rule and a lifecycle rule of its user gets stowage's CORS rule
 * (corsOrigins) and its abort-incomplete-uploads rule from `initializeBuckets`, merged
 * beside the user's; the report says what the server kept, read back with plain AWS SDK
 * requests; a second run changes nothing on the server. What a server does not honour
 * (its declared `RuleSupport`) is a case registered as skipped there, and the case that
 * asserts the report's `not-kept` runs instead.
 */
import {
  type CORSRule,
  CreateBucketCommand,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  type LifecycleRule,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh } from '../../contracts/context.js';
import { createMinioStorage } from '../../drivers/minio/index.js';
import { createS3Storage } from '../../drivers/s3/index.js';
import { RULE_IDS } from '../../src/buckets.js';
import type { BucketRuleReport, InitializeReport } from '../../src/driver.js';
import type { ServerFeatures } from './features.js';
import {
  adminClient,
  minioConnection,
  randomBucket,
  removeBucket,
  s3Connection,
  sdkAdminClient,
} from './object-stores.js';
import type { S3ServerInfo } from './servers.js';

/** What a server does with bucket rules, as measured. */
export interface RuleSupport {
  /** PutBucketCors is stored and read back as written. */
  corsRules: boolean;
  /** A preflight from an origin the rules allow is answered for it, and one from another origin is not. */
  corsPreflight: boolean;
  /** PutBucketLifecycleConfiguration is answered at all (not 501). */
  lifecycle: boolean;
  /** A rule aborting incomplete multipart uploads is stored and read back. */
  abortIncompleteUploads: boolean;
}

/** The rule support of a server whose gap table the probes of features.ts check. */
export function ruleSupport(features: ServerFeatures): RuleSupport {
  return {
    corsRules: features.cors,
    corsPreflight: features.cors,
    lifecycle: features.lifecycle,
    abortIncompleteUploads: features.abortIncompleteUploads,
  };
}

const ORIGIN = 'http://app.example.test';
const OTHER_ORIGIN = 'http://elsewhere.example.test';
const DAYS = 3;
/** The user's own rules, which stowage must keep. */
const USER_CORS: CORSRule = {
  ID: 'user-downloads',
  AllowedOrigins: ['https://downloads.example.test'],
  AllowedMethods: ['GET'],
  AllowedHeaders: ['range'],
  MaxAgeSeconds: 60,
};
const USER_LIFECYCLE: LifecycleRule = {
  ID: 'user-expire-tmp',
  Status: 'Enabled',
  Filter: { Prefix: 'tmp/' },
  Expiration: { Days: 30 },
};

/** Registers and runs the bucket-rule cases on `server` for both drivers. */
export function bucketRulesSuite(on: string, server: S3ServerInfo, support: RuleSupport): void {
  for (const driver of ['minio', 's3'] as const) rulesOn(driver, on, server, support);
}

function rulesOn(driver: 'minio' | 's3', on: string, server: S3ServerInfo, support: RuleSupport): void {
  const test = suite(`bucket rules: ${driver} driver on ${on}`);
  const client = sdkAdminClient(server);
  const bucket = randomBucket(`rules-${driver}`);
  const options = {
    bucket,
    privateBuckets: [bucket],
    corsOrigins: [ORIGIN],
    abortIncompleteUploadsAfterDays: DAYS,
  };
  const storage =
    driver === 'minio'
      ? createMinioStorage({ ...minioConnection(server), ...options })
      : createS3Storage({ ...s3Connection(server), ...options });
  let first: InitializeReport;
  const rule = (kind: BucketRuleReport['kind']) => first.rules.find((outcome) => outcome.kind === kind);
  /** Registers `title`, or registers it as skipped with `why` when `runs` is false. */
  const registered = (runs: boolean, title: string, why: string, handler: Parameters<Test>[1]) => {
    if (runs) test(title, handler);
    else test.skip(`${title} [skipped on ${on}: ${why}]`, handler);
  };

  test.before(async () => {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    // The user's own rules, where the server keeps such rules at all.
    if (support.corsRules) {
      await client.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [USER_CORS] } }));
    }
    if (support.lifecycle) {
      await client.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: [USER_LIFECYCLE] },
        }),
      );
    }
    first = await storage.initializeBuckets();
  });
  test.after(async () => {
    await storage.close();
    await removeBucket(adminClient(server), bucket);
    client.destroy();
  });

  registered(
    support.corsRules,
    "the CORS rule is set beside the user's, ETag exposed, and read back as the report says",
    'the server keeps no bucket CORS rules (corsRules)',
    async () => {
      assert.equal(rule('cors')?.status, 'set', JSON.stringify(rule('cors')));
      const rules = (await client.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules ?? [];
      const user = rules.find((r) => r.ID === USER_CORS.ID);
      assert.equal(user?.AllowedOrigins, USER_CORS.AllowedOrigins, "the user's rule is kept");
      assert.equal(user?.AllowedMethods, USER_CORS.AllowedMethods);
      const ours = rules.find((r) => r.ID === RULE_IDS.cors);
      assert.equal(ours?.AllowedOrigins, [ORIGIN]);
      assert.equal([...(ours?.AllowedMethods ?? [])].sort(), ['GET', 'HEAD', 'POST', 'PUT']);
      assert.equal(ours?.ExposeHeaders, ['ETag']);
    },
  );

  registered(
    support.corsPreflight,
    "a preflight from the configured origin is answered for it by the bucket's rule; another origin is not",
    'the server does not answer preflights from the bucket rules (corsPreflight)',
    async () => {
      const allowed = await preflight(server, bucket, ORIGIN);
      assert.is(allowed.status, 200);
      assert.is(allowed.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(allowed.headers.get('access-control-allow-methods') ?? '', 'PUT');
      const other = await preflight(server, bucket, OTHER_ORIGIN);
      assert.is.not(other.headers.get('access-control-allow-origin'), OTHER_ORIGIN);
      assert.is.not(other.headers.get('access-control-allow-origin'), '*');
    },
  );

  registered(
    !support.corsRules,
    'where the server keeps no bucket CORS, the report says not-kept and what to set instead',
    'the server keeps bucket CORS rules (corsRules)',
    async () => {
      const cors = rule('cors');
      assert.is(cors?.status, 'not-kept');
      assert.match(cors?.reason ?? '', /NotImplemented|not implement/);
      assert.match(cors?.advice ?? '', 'MINIO_API_CORS_ALLOW_ORIGIN');
    },
  );

  registered(
    support.corsRules && !support.corsPreflight,
    'the declared gap: the rule is stored, but preflights are not answered from it',
    'the server answers preflights from its rules, or keeps none (corsPreflight)',
    async () => {
      assert.equal(rule('cors')?.status, 'set');
      const allowed = await preflight(server, bucket, ORIGIN);
      assert.is.not(allowed.status, 200, 'the server answers preflights now: declare corsPreflight');
    },
  );

  registered(
    support.abortIncompleteUploads,
    "the abort-incomplete-uploads rule is set beside the user's lifecycle rule, and read back",
    'the server keeps no abort-incomplete-uploads rule (abortIncompleteUploads)',
    async () => {
      assert.equal(rule('lifecycle')?.status, 'set', JSON.stringify(rule('lifecycle')));
      assert.match(rule('lifecycle')?.rule ?? '', `after ${DAYS} days`);
      const rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
      const user = rules.find((r) => r.ID === USER_LIFECYCLE.ID);
      assert.is(user?.Expiration?.Days, 30, "the user's rule is kept");
      assert.is(user?.Filter?.Prefix, 'tmp/');
      const ours = rules.find((r) => r.ID === RULE_IDS.lifecycle);
      assert.is(ours?.AbortIncompleteMultipartUpload?.DaysAfterInitiation, DAYS);
      assert.is(ours?.Status, 'Enabled');
    },
  );

  registered(
    !support.abortIncompleteUploads,
    'where the server does not keep the rule, the report says not-kept and to run stowage gc; user rules stay',
    'the server keeps abort-incomplete-uploads rules (abortIncompleteUploads)',
    async () => {
      const lifecycle = rule('lifecycle');
      assert.is(lifecycle?.status, 'not-kept');
      assert.ok((lifecycle?.reason ?? '').length > 0);
      assert.match(lifecycle?.advice ?? '', 'stowage gc');
      if (support.lifecycle) {
        const rules = (await client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
        assert.equal(
          rules.map((r) => r.ID),
          [USER_LIFECYCLE.ID],
          "the user's rule alone, unchanged",
        );
        assert.is(rules[0]?.Expiration?.Days, 30);
      }
    },
  );

  test('a second initializeBuckets changes nothing on the server and reports no rule set', async () => {
    const before = await configuration(client, bucket);
    const again = await storage.initializeBuckets();
    assert.equal(
      again.rules.map((outcome) => [outcome.kind, outcome.status]),
      first.rules.map((outcome) => [outcome.kind, outcome.status === 'set' ? 'unchanged' : outcome.status]),
    );
    assert.equal(again.unchanged, [bucket]);
    assert.equal(await configuration(client, bucket), before);
  });

  test.run();
}

/** A CORS preflight for a PUT with a Content-Type, as a page's part upload sends it. */
function preflight(server: S3ServerInfo, bucket: string, origin: string): Promise<Response> {
  return fetchFresh(`${server.endpoint}/${bucket}/uploads/part.bin`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type',
    },
  });
}

/** The bucket's CORS and lifecycle configurations as the server answers them (or its error code). */
async function configuration(client: S3Client, bucket: string): Promise<unknown> {
  const read = async (request: Promise<unknown>) => {
    try {
      const { $metadata: _, ...answer } = (await request) as { $metadata: unknown };
      return answer;
    } catch (error) {
      return (error as Error).name;
    }
  };
  return {
    cors: await read(client.send(new GetBucketCorsCommand({ Bucket: bucket }))),
    lifecycle: await read(client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))),
  };
}
