/**
 * Bucket visibility, policies, stowage's bucket rules (CORS, lifecycle) and
 * `initializeBuckets`, for the object-store core (src/object-store/): it supplies a
 * `BucketAdmin` over its transport; what to create, which policy each bucket should end
 * up with and which rules it should hold is decided here, once, and the options that
 * configure the rules are declared here for both object-store drivers.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BucketRuleReport, InitializeReport } from './driver.js';
import { configError, naming } from './env.js';
import { isStorageError } from './errors.js';
import { option } from './options.js';

export type { BucketRuleReport, InitializeReport } from './driver.js';

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
  /** Origins a browser may use the buckets from (CORS); unset: the buckets' CORS is left alone. */
  corsOrigins?: readonly string[] | undefined;
  /** The methods those origins may use. Default `DEFAULT_CORS_METHODS`. */
  corsMethods?: readonly string[] | undefined;
  /** The request headers those origins may send. Default `*`. */
  corsHeaders?: readonly string[] | undefined;
  /** The answer headers a page may read; `ETag` is always added (part ETags). */
  corsExposeHeaders?: readonly string[] | undefined;
  /** Seconds a browser may cache a preflight answer. Default 3600. */
  corsMaxAgeSeconds?: number | undefined;
  /** Days after which the server aborts an incomplete multipart upload; 0: lifecycle left alone. Default 7. */
  abortIncompleteUploadsAfterDays?: number | undefined;
}

/** One CORS rule of a bucket (PutBucketCors's `CORSRule`, every field of it). */
export interface CorsRule {
  id?: string | undefined;
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds?: number | undefined;
}

/**
 * One lifecycle rule of a bucket: what stowage reads of it, and the rule itself as the
 * server sent it (`source`), so that a rule which is not stowage's is written back
 * unchanged, whatever it holds (transitions, tag filters, ...).
 */
export interface LifecycleRule {
  id?: string | undefined;
  enabled: boolean;
  /** The key prefix it applies to ('' for the whole bucket); undefined for another filter (tags, sizes). */
  prefix: string | undefined;
  /** Its AbortIncompleteMultipartUpload's `DaysAfterInitiation`, undefined without one. */
  abortIncompleteUploadsAfterDays?: number | undefined;
  /** The rule as the server sent it (the transport's own form); undefined for a rule stowage builds. */
  source?: unknown;
}

/** The rules of each kind of bucket configuration stowage manages. */
export interface BucketRules {
  cors: CorsRule;
  lifecycle: LifecycleRule;
}

export type RuleKind = keyof BucketRules;

/** A bucket's configuration of one kind, as the server holds it. */
export interface StoredRules<Rule> {
  rules: Rule[];
  /** The configuration's other settings as the server sent them, written back unchanged. */
  source?: unknown;
}

/** stowage's own rules carry these IDs: a rule of any other ID is the user's, and kept. */
export const RULE_IDS: Readonly<Record<RuleKind, string>> = {
  cors: 'stowage-cors',
  lifecycle: 'stowage-abort-incomplete-uploads',
};

/** What the origins may do by default: read (GET, HEAD) and upload (PUT parts and single PUTs, POST forms). */
export const DEFAULT_CORS_METHODS = ['GET', 'HEAD', 'PUT', 'POST'] as const;
/** The methods S3 accepts in a CORS rule. */
const CORS_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'];
/** A page reads a part's ETag from its answer to complete the upload, so `ETag` is always exposed. */
const ALWAYS_EXPOSED = 'ETag';
export const DEFAULT_CORS_MAX_AGE_SECONDS = 3600;
/**
 * A week: no incomplete upload that is still in use is aborted, since the part URLs of a
 * browser upload live at most 7 days (the SigV4 limit, and `urlExpirySeconds`' default),
 * while what a killed process left is gone within days even where `stowage gc` never
 * runs. gc's own threshold (24 h) can be shorter because it also checks the newest part;
 * a lifecycle rule counts from the upload's start only.
 */
export const DEFAULT_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS = 7;

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
  /**
   * The bucket's configuration of `kind`, undefined when it has none. Rejects with
   * UNSUPPORTED where the server has no such configuration (501).
   */
  getRules<K extends RuleKind>(kind: K, bucket: string): Promise<StoredRules<BucketRules[K]> | undefined>;
  /**
   * Replaces the bucket's configuration of `kind`. Rejects with UNSUPPORTED where the
   * server has no such configuration (501) or refuses a rule S3 accepts (400).
   */
  putRules<K extends RuleKind>(kind: K, bucket: string, rules: StoredRules<BucketRules[K]>): Promise<void>;
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
  /** stowage's rules every bucket of the plan should hold, by kind (a kind left alone is absent). */
  readonly rules: Readonly<Partial<BucketRules>>;

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
    this.rules = desiredRules(settings);
  }

  /**
   * The plan of a storage's options, where the storage's own `bucket` is the default
   * bucket; `names` are the settings named in INVALID_CONFIG errors.
   */
  static forStorage(
    options: Omit<BucketSettings, 'defaultBucket'> & { bucket?: string | undefined },
    names: { public: string; private: string; static: string },
  ): BucketPlan {
    const settings: BucketSettings = { defaultBucket: options.bucket };
    for (const key of SETTING_KEYS) (settings as Record<string, unknown>)[key] = options[key];
    return new BucketPlan(settings, names);
  }

  /** What the plan decides, as a stable value (the once-per-process key). */
  key(): unknown {
    return {
      public: [...this.publicBuckets].sort(),
      private: [...this.privateBuckets].sort(),
      hooks: [...this.hooks.entries()].sort(([a], [b]) => a.localeCompare(b)),
      allowAnonymousList: this.allowAnonymousList,
      rules: this.rules,
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
 * anonymous access from private ones, applies the hooks, then puts stowage's rules
 * (CORS, lifecycle) beside the bucket's other rules. Idempotent: a second run reports
 * every bucket unchanged.
 */
export async function initializeBuckets(admin: BucketAdmin, plan: BucketPlan): Promise<InitializeReport> {
  const report: InitializeReport = { created: [], policySet: [], policyRemoved: [], unchanged: [], rules: [] };
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
    for (const outcome of await applyRules(admin, plan, bucket)) {
      report.rules.push(outcome);
      if (outcome.status === 'set') changed = true;
    }
    if (!changed) report.unchanged.push(bucket);
  }
  return report;
}

/**
 * Puts each of stowage's rules the plan configures on `bucket`, merged by rule ID with
 * the bucket's other rules (kept as the server sent them), then reads the configuration
 * back: what the server holds is what the outcome reports. A server without that kind
 * of configuration, or refusing the rule (a BucketAdmin rejects with UNSUPPORTED), gives
 * `not-kept`, and so does one that accepts the rule and drops it.
 */
export async function applyRules(admin: BucketAdmin, plan: BucketPlan, bucket: string): Promise<BucketRuleReport[]> {
  const outcomes: BucketRuleReport[] = [];
  for (const kind of Object.keys(RULE_KINDS) as RuleKind[]) {
    const wanted = plan.rules[kind];
    if (wanted) outcomes.push(await applyRule(admin, bucket, kind, wanted));
  }
  return outcomes;
}

async function applyRule<K extends RuleKind>(
  admin: BucketAdmin,
  bucket: string,
  kind: K,
  wanted: BucketRules[K],
): Promise<BucketRuleReport> {
  const spec = RULE_KINDS[kind] as RuleSpec<BucketRules[K]>;
  const outcome = { bucket, kind, rule: spec.describe(wanted) };
  const notKept = (reason: string): BucketRuleReport => ({
    ...outcome,
    status: 'not-kept',
    reason,
    advice: spec.advice,
  });
  const ours = (stored: StoredRules<BucketRules[K]> | undefined) => stored?.rules.find((r) => r.id === wanted.id);
  try {
    const stored = await admin.getRules(kind, bucket);
    const held = ours(stored);
    if (held && spec.same(held, wanted)) return { ...outcome, status: 'unchanged' };
    const others = (stored?.rules ?? []).filter((rule) => rule.id !== wanted.id);
    await admin.putRules(kind, bucket, { ...stored, rules: [...others, wanted] });
    const kept = ours(await admin.getRules(kind, bucket));
    if (kept && spec.same(kept, wanted)) return { ...outcome, status: 'set' };
    return notKept(
      kept
        ? `the server accepted the rule but keeps another one under its ID: ${spec.describe(kept)}`
        : 'the server accepted the rule but did not keep it (it is missing when read back)',
    );
  } catch (error) {
    if (isStorageError(error, 'UNSUPPORTED')) return notKept(error.message);
    throw error;
  }
}

/** How each kind of rule is compared, described and, when the server will not keep it, replaced. */
interface RuleSpec<Rule> {
  same(held: Rule, wanted: Rule): boolean;
  describe(rule: Rule): string;
  advice: string;
}

const RULE_KINDS: { readonly [K in RuleKind]: RuleSpec<BucketRules[K]> } = {
  cors: {
    same: (held, wanted) =>
      isDeepStrictEqual(canonicalCors(held), canonicalCors(wanted)) &&
      (held.maxAgeSeconds ?? undefined) === wanted.maxAgeSeconds,
    describe: (rule) =>
      `CORS for ${rule.allowedOrigins.join(', ')}: ${rule.allowedMethods.join(', ')}, headers ${rule.allowedHeaders.join(', ')}, exposing ${rule.exposeHeaders.join(', ')}${rule.maxAgeSeconds === undefined ? '' : `, preflights cached ${rule.maxAgeSeconds} s`}`,
    advice:
      'allow the origins on the server itself (MinIO: MINIO_API_CORS_ALLOW_ORIGIN, server-wide, and expose ETag); see docs/browser-uploads.md',
  },
  lifecycle: {
    same: (held, wanted) =>
      held.enabled &&
      held.prefix === '' &&
      held.abortIncompleteUploadsAfterDays === wanted.abortIncompleteUploadsAfterDays,
    describe: (rule) =>
      rule.abortIncompleteUploadsAfterDays === undefined
        ? `a rule without an abort of incomplete uploads${rule.enabled ? '' : ' (disabled)'}`
        : `abort incomplete multipart uploads after ${rule.abortIncompleteUploadsAfterDays} days${rule.enabled ? '' : ' (disabled)'}${rule.prefix === '' ? '' : ` under ${JSON.stringify(rule.prefix ?? 'a filter')}`}`,
    advice:
      'not kept by this server: run `stowage gc` (storage.cleanup()) on a schedule to remove incomplete uploads; see docs/cli.md',
  },
};

/** The rules the settings configure, each with stowage's ID. */
function desiredRules(settings: BucketSettings): Partial<BucketRules> {
  const rules: Partial<BucketRules> = {};
  if (settings.corsOrigins !== undefined && settings.corsOrigins.length > 0) {
    const expose = [...(settings.corsExposeHeaders ?? [])];
    if (!expose.some((header) => header.toLowerCase() === ALWAYS_EXPOSED.toLowerCase())) expose.push(ALWAYS_EXPOSED);
    rules.cors = {
      id: RULE_IDS.cors,
      allowedOrigins: [...settings.corsOrigins],
      allowedMethods: [...(settings.corsMethods ?? DEFAULT_CORS_METHODS)].map((method) => method.toUpperCase()),
      allowedHeaders: [...(settings.corsHeaders ?? ['*'])],
      exposeHeaders: expose,
      maxAgeSeconds: settings.corsMaxAgeSeconds ?? DEFAULT_CORS_MAX_AGE_SECONDS,
    };
  }
  const days = settings.abortIncompleteUploadsAfterDays ?? DEFAULT_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS;
  if (days > 0) {
    rules.lifecycle = {
      id: RULE_IDS.lifecycle,
      enabled: true,
      prefix: '',
      abortIncompleteUploadsAfterDays: days,
    };
  }
  return rules;
}

/** A CORS rule's lists as sets: servers may reorder them, and header names are case-insensitive. */
function canonicalCors(rule: CorsRule): unknown {
  const set = (values: readonly string[], fold: boolean) =>
    [...new Set(values.map((v) => (fold ? v.toLowerCase() : v)))].sort();
  return {
    origins: set(rule.allowedOrigins, false),
    methods: set(rule.allowedMethods, true),
    headers: set(rule.allowedHeaders, true),
    expose: set(rule.exposeHeaders, true),
  };
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

/**
 * Creates `bucket`, with the policy and the rules the plan gives it, when it is missing
 * (the bucket check on save); a rule the server does not keep is left to
 * `initializeBuckets` to report.
 */
export async function ensureBucket(admin: BucketAdmin, plan: BucketPlan, bucket: string): Promise<void> {
  if (await admin.bucketExists(bucket)) return;
  await admin.createBucket(bucket);
  const policy = plan.desiredPolicy(bucket);
  if (policy) await admin.setPolicy(bucket, JSON.stringify(policy));
  await applyRules(admin, plan, bucket);
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

/** `checkBucketName` for an option or variable: the error names `label`. */
export function checkBucketOption(value: string | readonly string[], label: string): void {
  naming(label, () => [value].flat().forEach(checkBucketName));
}

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

/** The settings a storage's options pass to its plan (its `bucket` is the default bucket). */
const SETTING_KEYS = [
  'publicBuckets',
  'privateBuckets',
  'staticBucket',
  'policyHooks',
  'allowAnonymousList',
  'corsOrigins',
  'corsMethods',
  'corsHeaders',
  'corsExposeHeaders',
  'corsMaxAgeSeconds',
  'abortIncompleteUploadsAfterDays',
] as const satisfies readonly Exclude<keyof BucketSettings, 'defaultBucket'>[];

/** The environment variables of the bucket-rule options, named by each driver. */
export interface BucketRuleVariables {
  corsOrigins: string;
  corsMethods: string;
  corsHeaders: string;
  corsExposeHeaders: string;
  corsMaxAgeSeconds: string;
  abortIncompleteUploadsAfterDays: string;
}

/**
 * The options configuring stowage's bucket rules, declared once for both object-store
 * drivers (each spreads them into its `defineOptions` with its own variables).
 */
export function bucketRuleOptions(env: BucketRuleVariables) {
  return {
    /**
     * Origins (`https://app.example.com`, one `*` wildcard allowed, or `*`) whose pages may
     * use the buckets: `initializeBuckets` gives every configured bucket a CORS rule for
     * them. Unset: the buckets' CORS is left as it is.
     */
    corsOrigins: option.list({
      env: env.corsOrigins,
      validate: checkOrigins,
      defaultDoc: 'none: CORS left alone',
      doc: 'origins whose pages may upload to and read from the buckets (comma-separated): `initializeBuckets` sets a CORS rule for them ([browser uploads](browser-uploads.md))',
    }),
    /** The methods those origins may use. */
    corsMethods: option.list({
      env: env.corsMethods,
      validate: checkMethods,
      defaultDoc: DEFAULT_CORS_METHODS.map((method) => `\`${method}\``).join(', '),
      doc: 'the methods `corsOrigins` may use',
    }),
    /** The request headers those origins may send (`*`: any). */
    corsHeaders: option.list({
      env: env.corsHeaders,
      defaultDoc: '`*`',
      doc: 'the request headers `corsOrigins` may send (`*`: any)',
    }),
    /** The answer headers their pages may read; `ETag` is always among them (a page needs part ETags). */
    corsExposeHeaders: option.list({
      env: env.corsExposeHeaders,
      defaultDoc: '`ETag`',
      doc: 'the answer headers those pages may read; `ETag` is always added (multipart uploads need it)',
    }),
    /** Seconds a browser may cache a preflight answer. */
    corsMaxAgeSeconds: option.number({
      min: 0,
      default: DEFAULT_CORS_MAX_AGE_SECONDS,
      env: env.corsMaxAgeSeconds,
      doc: 'seconds a browser may cache the answer to a CORS preflight',
    }),
    /**
     * Days after which the server aborts a multipart upload left incomplete (a lifecycle
     * rule `initializeBuckets` adds beside the bucket's own rules); 0: lifecycle left alone.
     */
    abortIncompleteUploadsAfterDays: option.number({
      min: 0,
      max: MAX_LIFECYCLE_DAYS,
      default: DEFAULT_ABORT_INCOMPLETE_UPLOADS_AFTER_DAYS,
      env: env.abortIncompleteUploadsAfterDays,
      doc: 'days after which the server aborts an incomplete multipart upload (a lifecycle rule `initializeBuckets` adds; 0: none); servers without one: `stowage gc`',
    }),
  };
}

/** A lifecycle rule's days are a 32-bit integer on S3; a century is plenty. */
const MAX_LIFECYCLE_DAYS = 36_500;

/** An origin as a CORS rule takes it: `*`, or `scheme://host[:port]` with at most one `*`. */
function checkOrigins(origins: readonly string[], label: string): void {
  for (const origin of origins) {
    const shaped = origin === '*' || /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+$/i.test(origin);
    if (!shaped || (origin.match(/\*/g)?.length ?? 0) > 1) {
      throw configError(
        label,
        `has ${JSON.stringify(origin)}: an origin is scheme://host[:port] (no path, at most one *), or *`,
      );
    }
  }
}

function checkMethods(methods: readonly string[], label: string): void {
  for (const method of methods) {
    if (!CORS_METHODS.includes(method.toUpperCase())) {
      throw configError(label, `has ${JSON.stringify(method)}: a CORS rule allows ${CORS_METHODS.join(', ')}`);
    }
  }
}
