/**
 * Bucket management over minio-js: the `BucketAdmin` that src/buckets.ts drives for
 * `initializeBuckets`, the once-per-process consistency check, and the bucket check
 * before the first save.
 */
import type { Client } from 'minio';
import { type BucketAdmin, type BucketPlan, type InitializeReport, initializeBuckets } from '../../src/buckets.js';
import { type RetryPolicy, retrying } from '../../src/retry.js';
import { type MinioErrorContext, mapMinioError } from './errors.js';

/** The SDK calls `initializeBuckets` needs, with errors mapped. */
export class MinioBucketAdmin implements BucketAdmin {
  readonly #client: Client;
  readonly #region: string;
  readonly #retry: RetryPolicy;
  readonly #context: (bucket: string) => MinioErrorContext;

  constructor(client: Client, region: string, retry: RetryPolicy, context: (bucket: string) => MinioErrorContext) {
    this.#client = client;
    this.#region = region;
    this.#retry = retry;
    this.#context = context;
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return (await this.#call(bucket, () => this.#client.bucketExists(bucket))) === true;
  }

  async createBucket(bucket: string): Promise<void> {
    await this.#call(bucket, () => this.#client.makeBucket(bucket, this.#region), ['BucketAlreadyOwnedByYou']);
  }

  async getPolicy(bucket: string): Promise<string | undefined> {
    const policy = await this.#call(bucket, () => this.#client.getBucketPolicy(bucket), ['NoSuchBucketPolicy']);
    return policy === undefined || policy === '' ? undefined : policy;
  }

  async setPolicy(bucket: string, policy: string): Promise<void> {
    await this.#call(bucket, () => this.#client.setBucketPolicy(bucket, policy));
  }

  async deletePolicy(bucket: string): Promise<void> {
    // minio-js sends DELETE ?policy for an empty policy.
    await this.#call(bucket, () => this.#client.setBucketPolicy(bucket, ''), ['NoSuchBucketPolicy']);
  }

  /**
   * Runs an SDK call, retried (each is idempotent; a bucket created by a lost first
   * attempt answers BucketAlreadyOwnedByYou); the S3 error codes in `fine` resolve
   * with undefined.
   */
  async #call<T>(bucket: string, call: () => Promise<T>, fine: string[] = []): Promise<T | undefined> {
    return retrying(
      this.#retry,
      async () => {
        try {
          return await call();
        } catch (error) {
          if (fine.includes((error as { code?: string }).code ?? '')) return undefined;
          throw error;
        }
      },
      (error) => mapMinioError(error, this.#context(bucket)),
    );
  }
}

/** Consistency checks run in this process, by server and bucket settings. */
const checked = new Map<string, Promise<InitializeReport>>();

/**
 * `initializeBuckets` once per process for the same server and settings (the
 * consistency check on start); a failed run is forgotten, so the next call retries.
 */
export function initializeOnce(endpoint: string, admin: BucketAdmin, plan: BucketPlan): Promise<InitializeReport> {
  const key = JSON.stringify([endpoint, planKey(plan)]);
  let run = checked.get(key);
  if (!run) {
    run = initializeBuckets(admin, plan);
    checked.set(key, run);
    run.catch(() => checked.delete(key));
  }
  return run;
}

/** Creates `bucket` with the policy it should have when it is missing (bucket check on save). */
export async function ensureBucket(admin: BucketAdmin, plan: BucketPlan, bucket: string): Promise<void> {
  if (await admin.bucketExists(bucket)) return;
  await admin.createBucket(bucket);
  const policy = plan.desiredPolicy(bucket);
  if (policy) await admin.setPolicy(bucket, JSON.stringify(policy));
}

function planKey(plan: BucketPlan): unknown {
  return {
    public: [...plan.publicBuckets].sort(),
    private: [...plan.privateBuckets].sort(),
    hooks: [...plan.hooks.entries()].sort(([a], [b]) => a.localeCompare(b)),
    allowAnonymousList: plan.allowAnonymousList,
  };
}
