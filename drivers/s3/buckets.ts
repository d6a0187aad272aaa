/**
 * Bucket management over the SDK: the `BucketAdmin` that src/buckets.ts drives, the
 * bucket check on save, and the consistency check that runs once per process.
 */
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketPolicyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type BucketAdmin, type BucketPlan, type InitializeReport, initializeBuckets } from '../../src/buckets.js';
import { mapS3Error, type S3ErrorContext } from './errors.js';

/** `BucketAdmin` on an S3 client. */
export function bucketAdmin(client: S3Client, context: (bucket: string) => S3ErrorContext): BucketAdmin {
  const fail = (error: unknown, bucket: string) => mapS3Error(error, context(bucket));
  return {
    async bucketExists(bucket) {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
      } catch (error) {
        // HeadBucket has no body: a missing bucket is only NotFound / 404.
        if (statusOf(error) === 404) return false;
        throw fail(error, bucket);
      }
    },
    async createBucket(bucket) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as { name?: string }).name === 'BucketAlreadyOwnedByYou') return;
        throw fail(error, bucket);
      }
    },
    async getPolicy(bucket) {
      try {
        return (await client.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchBucketPolicy') return undefined;
        throw fail(error, bucket);
      }
    },
    async setPolicy(bucket, policy) {
      try {
        await client.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy }));
      } catch (error) {
        throw fail(error, bucket);
      }
    },
    async deletePolicy(bucket) {
      try {
        await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchBucketPolicy') return;
        throw fail(error, bucket);
      }
    },
  };
}

/** Consistency checks already run (or running) in this process, by endpoint and plan. */
const startChecks = new Map<string, Promise<InitializeReport>>();

/**
 * Runs `initializeBuckets` once per process for this endpoint and bucket plan; a
 * failed run is forgotten, so that the next operation tries again.
 */
export function consistencyCheckOnce(key: string, admin: BucketAdmin, plan: BucketPlan): Promise<InitializeReport> {
  let check = startChecks.get(key);
  if (!check) {
    check = initializeBuckets(admin, plan);
    startChecks.set(key, check);
    check.catch(() => startChecks.delete(key));
  }
  return check;
}

/** Creates the bucket when it is missing. */
export async function ensureBucket(admin: BucketAdmin, bucket: string): Promise<void> {
  if (!(await admin.bucketExists(bucket))) await admin.createBucket(bucket);
}

/** The HTTP status an SDK error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
