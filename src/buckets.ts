/**
 * Bucket visibility, policies and `initializeBuckets`, for the object-store core
 * (src/object-store/): it supplies a `BucketAdmin` over its transport; what to create
 * and which policy each bucket should end up with is decided here, once.
 */
import { isDeepStrictEqual } from 'node:util';
import type { InitializeReport } from './driver.js';
import { configError } from './env.js';

export type { InitializeReport } from './driver.js';

/** A bucket policy document (IAM JSON). */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
  Condition?: unknown;
}

/** `[bucket, policy]` pairs applied after the public/private policies (django-minio-backend's `MINIO_POLICY_HOOKS`). */
export type PolicyHook = [bucket: string, policy: PolicyDocument];

/** The bucket settings both object-store drivers accept. */
export interface BucketSettings {
  /** Buckets whose objects anyone may read (plain URLs). */
  publicBuckets?: readonly string[] | undefined;
  /** Buckets only reachable with credentials or presigned URLs. */
  privateBuckets?: readonly string[] | undefined;
  /** The bucket a storage uses unless told otherwise; private unless listed as public. */
  defaultBucket?: string | undefined;
  /** The bucket for static files (collectstatic); always public. */
  staticBucket?: string | undefined;
  /** Policies applied after the public/private ones, in order. */
  policyHooks?: readonly PolicyHook[] | undefined;
  /** Also let anonymous users list public buckets (django-minio-backend does by default). Default false. */
  allowAnonymousList?: boolean | undefined;
}

/** The SDK calls `initializeBuckets` needs; each driver implements them. */
export interface BucketAdmin {
  /** Resolves false when the bucket does not exist. */
  bucketExists(bucket: string): Promise<boolean>;
  /** Creates the bucket; resolves when it already exists and is ours. */
  createBucket(bucket: string): Promise<void>;
  /** The bucket's policy JSON, or undefined when it has none. */
  getPolicy(bucket: string): Promise<string | undefined>;
  setPolicy(bucket: string, policy: string): Promise<void>;
  /** Removes the policy; resolves when there was none. */
  deletePolicy(bucket: string): Promise<void>;
}

/** Bucket settings checked and resolved: every bucket's visibility, hooks per bucket. */
export class BucketPlan {
  readonly publicBuckets: ReadonlySet<string>;
  readonly privateBuckets: ReadonlySet<string>;
  readonly defaultBucket: string | undefined;
  readonly staticBucket: string | undefined;
  readonly allowAnonymousList: boolean;
  readonly hooks: ReadonlyMap<string, PolicyDocument>;
  /** Buckets configured in neither list, treated as private. */
  readonly unlisted: readonly string[];

  constructor(settings: BucketSettings, names: { public: string; private: string; static: string }) {
    const publicBuckets = new Set(settings.publicBuckets ?? []);
    const privateBuckets = new Set(settings.privateBuckets ?? []);
    for (const bucket of [...publicBuckets, ...privateBuckets]) checkBucketName(bucket);
    const both = [...publicBuckets].filter((bucket) => privateBuckets.has(bucket));
    if (both.length > 0) {
      throw configError(
        `${names.public} and ${names.private}`,
        `both list ${both.join(', ')}; a bucket is either public or private`,
      );
    }
    if (settings.staticBucket !== undefined) {
      checkBucketName(settings.staticBucket);
      if (privateBuckets.has(settings.staticBucket)) {
        throw configError(
          names.static,
          `${settings.staticBucket} is listed in ${names.private}; static files are public`,
        );
      }
      publicBuckets.add(settings.staticBucket);
    }
    const unlisted: string[] = [];
    if (settings.defaultBucket !== undefined) {
      checkBucketName(settings.defaultBucket);
      if (!publicBuckets.has(settings.defaultBucket) && !privateBuckets.has(settings.defaultBucket)) {
        privateBuckets.add(settings.defaultBucket);
        unlisted.push(settings.defaultBucket);
      }
    }
    const hooks = new Map<string, PolicyDocument>();
    for (const hook of settings.policyHooks ?? []) {
      const [bucket, policy] = checkHook(hook);
      hooks.set(bucket, policy);
    }
    this.publicBuckets = publicBuckets;
    this.privateBuckets = privateBuckets;
    this.defaultBucket = settings.defaultBucket;
    this.staticBucket = settings.staticBucket;
    this.allowAnonymousList = settings.allowAnonymousList ?? false;
    this.hooks = hooks;
    this.unlisted = unlisted;
  }

  /**
   * The plan of a storage's options, where the storage's own `bucket` is the default
   * bucket; `names` are the settings named in INVALID_CONFIG errors.
   */
  static forStorage(
    options: Omit<BucketSettings, 'defaultBucket'> & { bucket?: string | undefined },
    names: { public: string; private: string; static: string },
  ): BucketPlan {
    const { bucket, publicBuckets, privateBuckets, staticBucket, policyHooks, allowAnonymousList } = options;
    return new BucketPlan(
      { defaultBucket: bucket, publicBuckets, privateBuckets, staticBucket, policyHooks, allowAnonymousList },
      names,
    );
  }

  /** What the plan decides, as a stable value (the once-per-process key). */
  key(): unknown {
    return {
      public: [...this.publicBuckets].sort(),
      private: [...this.privateBuckets].sort(),
      hooks: [...this.hooks.entries()].sort(([a], [b]) => a.localeCompare(b)),
      allowAnonymousList: this.allowAnonymousList,
    };
  }

  /** Every bucket the settings mention, in a stable order. */
  get buckets(): string[] {
    return [...new Set([...this.publicBuckets, ...this.privateBuckets, ...this.hooks.keys()])].sort();
  }

  isPublic(bucket: string): boolean {
    return this.publicBuckets.has(bucket);
  }

  /** The policy the bucket should end up with; undefined: whatever it has, minus anonymous access. */
  desiredPolicy(bucket: string): PolicyDocument | undefined {
    return (
      this.hooks.get(bucket) ?? (this.isPublic(bucket) ? publicReadPolicy(bucket, this.allowAnonymousList) : undefined)
    );
  }
}

/**
 * Creates missing buckets, gives public buckets an anonymous read-only policy, strips
 * anonymous access from private ones, then applies the hooks. Idempotent: a second
 * run reports every bucket unchanged.
 */
export async function initializeBuckets(admin: BucketAdmin, plan: BucketPlan): Promise<InitializeReport> {
  const report: InitializeReport = { created: [], policySet: [], policyRemoved: [], unchanged: [] };
  for (const bucket of plan.buckets) {
    let changed = false;
    if (!(await admin.bucketExists(bucket))) {
      await admin.createBucket(bucket);
      report.created.push(bucket);
      changed = true;
    }
    const current = parsePolicy(await admin.getPolicy(bucket));
    const desired = plan.desiredPolicy(bucket);
    if (desired) {
      if (!current || !samePolicy(current, desired)) {
        await admin.setPolicy(bucket, JSON.stringify(desired));
        report.policySet.push(bucket);
        changed = true;
      }
    } else if (current?.Statement.some(isAnonymousAllow)) {
      const remaining = current.Statement.filter((statement) => !isAnonymousAllow(statement));
      if (remaining.length === 0) await admin.deletePolicy(bucket);
      else await admin.setPolicy(bucket, JSON.stringify({ ...current, Statement: remaining }));
      report.policyRemoved.push(bucket);
      changed = true;
    }
    if (!changed) report.unchanged.push(bucket);
  }
  return report;
}

/** Consistency checks run (or running) in this process, by server and bucket plan. */
const checked = new Map<string, Promise<InitializeReport>>();

/**
 * `initializeBuckets` once per process for the same server and plan (the consistency
 * check on start), keyed on everything the plan decides: visibility, hooks and
 * anonymous listing. A failed run is forgotten, so that the next call retries.
 */
export function initializeOnce(endpoint: string, admin: BucketAdmin, plan: BucketPlan): Promise<InitializeReport> {
  const key = JSON.stringify([endpoint, plan.key()]);
  let run = checked.get(key);
  if (!run) {
    run = initializeBuckets(admin, plan);
    checked.set(key, run);
    run.catch(() => checked.delete(key));
  }
  return run;
}

/** Creates `bucket`, with the policy the plan gives it, when it is missing (the bucket check on save). */
export async function ensureBucket(admin: BucketAdmin, plan: BucketPlan, bucket: string): Promise<void> {
  if (await admin.bucketExists(bucket)) return;
  await admin.createBucket(bucket);
  const policy = plan.desiredPolicy(bucket);
  if (policy) await admin.setPolicy(bucket, JSON.stringify(policy));
}

/**
 * The anonymous policy of a public bucket: `s3:GetObject` on its objects, and
 * `s3:ListBucket` on the bucket only when `allowList`.
 */
export function publicReadPolicy(bucket: string, allowList = false): PolicyDocument {
  const statements: PolicyStatement[] = [
    {
      Effect: 'Allow',
      Principal: { AWS: ['*'] },
      Action: ['s3:GetObject'],
      Resource: [`arn:aws:s3:::${bucket}/*`],
    },
  ];
  if (allowList) {
    statements.push({
      Effect: 'Allow',
      Principal: { AWS: ['*'] },
      Action: ['s3:ListBucket'],
      Resource: [`arn:aws:s3:::${bucket}`],
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** True when two policies grant the same thing, whatever the server's formatting. */
export function samePolicy(a: PolicyDocument, b: PolicyDocument): boolean {
  return isDeepStrictEqual(canonicalPolicy(a), canonicalPolicy(b));
}

/** Parses a policy document; undefined for none. */
export function parsePolicy(json: string | undefined): PolicyDocument | undefined {
  if (json === undefined || json.trim() === '') return undefined;
  const parsed = JSON.parse(json) as PolicyDocument;
  return { ...parsed, Statement: [parsed.Statement ?? []].flat() };
}

/**
 * Parses policy hooks as JSON (`[["bucket", {policy}], ...]`), naming `variable` in
 * the error when they are malformed.
 */
export function parsePolicyHooks(value: unknown, variable: string): PolicyHook[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw configError(variable, 'must be a JSON array of [bucket, policy] pairs');
  return value.map((hook) => {
    try {
      return checkHook(hook);
    } catch (error) {
      throw configError(`${variable}:`, (error as Error).message.replace(/\.$/, ''));
    }
  });
}

function checkHook(hook: unknown): PolicyHook {
  const valid =
    Array.isArray(hook) &&
    hook.length === 2 &&
    typeof hook[0] === 'string' &&
    typeof hook[1] === 'object' &&
    hook[1] !== null &&
    Array.isArray((hook[1] as PolicyDocument).Statement);
  if (!valid) {
    throw configError('A policy hook', 'must be [bucket, { Version, Statement: [...] }]');
  }
  checkBucketName(hook[0] as string);
  return hook as PolicyHook;
}

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Rejects names S3 would refuse, before any request. */
export function checkBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw configError(
      `Bucket name ${JSON.stringify(bucket)}`,
      'is not valid: use 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
    );
  }
}

function isAnonymousAllow(statement: PolicyStatement): boolean {
  if (statement.Effect !== 'Allow') return false;
  const principal = statement.Principal;
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return [aws].flat().includes('*');
}

function canonicalPolicy(policy: PolicyDocument): unknown {
  return {
    Version: policy.Version,
    Statement: [policy.Statement]
      .flat()
      .map((statement) => ({
        Effect: statement.Effect,
        Principal: canonicalPrincipal(statement.Principal),
        Action: [statement.Action].flat().sort(),
        Resource: [statement.Resource].flat().sort(),
        Condition: statement.Condition ?? null,
      }))
      .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
  };
}

function canonicalPrincipal(principal: unknown): unknown {
  if (principal === '*') return { AWS: ['*'] };
  if (principal && typeof principal === 'object') {
    return Object.fromEntries(
      Object.entries(principal)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => [key, [value].flat().sort()]),
    );
  }
  return principal ?? null;
}
