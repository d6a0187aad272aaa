/**
 * Retries: the one policy the object-store core applies to every request, so that
 * the behaviour and the option (`maxAttempts`) are the same whatever the SDK. The AWS
 * SDK's own retry strategy is turned off in the S3 driver and minio-js's in the MinIO
 * driver; stowage retries instead, because only it knows which requests are safe to
 * repeat and how to tell, after an ambiguous failure, whether a write landed.
 *
 * - Idempotent requests (HEAD, GET, list pages, DELETE, multipart parts, policies)
 *   are retried on retryable failures (`StorageError.retryable`: resets, timeouts,
 *   5xx, throttling), with capped exponential backoff and full jitter.
 * - A create-only-if-absent write (`If-None-Match: *`) is not idempotent: when an
 *   attempt fails after the request may have reached the server, the write may have
 *   landed, and its retry then meets 412. The object-store core checks what the name
 *   holds before moving on (src/object-store/write.ts `createExclusive`); which
 *   request is which is `RETRY` in src/object-store/transport.ts.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (the same backoff)
 */
import { configError } from './env.js';
import type { StorageError } from './errors.js';

export interface RetryPolicy {
  /** Attempts per request, the first included; 1 turns retries off. */
  maxAttempts: number;
  /** Upper bound of the first backoff, doubled per retry. */
  baseDelayMs: number;
  /** Upper bound of any backoff. */
  maxDelayMs: number;
}

/** Three attempts, as the AWS SDKs' standard mode. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** More would hold a caller for minutes against a dead server. */
export const MAX_MAX_ATTEMPTS = 10;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/** The policy for `maxAttempts` (checked: a whole number from 1 to 10; `setting` names the option). */
export function retryPolicy(maxAttempts: number | undefined, setting: string): RetryPolicy {
  const attempts = maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_MAX_ATTEMPTS) {
    throw configError(setting, `must be a whole number from 1 (no retries) to ${MAX_MAX_ATTEMPTS}; got ${attempts}`);
  }
  return { maxAttempts: attempts, baseDelayMs: BASE_DELAY_MS, maxDelayMs: MAX_DELAY_MS };
}

/** The wait before retry number `retry` (1 for the first): full jitter under a doubling cap. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(Math.random() * cap);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `attempt` until it resolves, fails with an error that `map` makes not
 * retryable, or `maxAttempts` ran out; rejects with the mapped error. Only for
 * requests that may be repeated (idempotent ones).
 */
export async function retrying<T>(
  policy: RetryPolicy,
  attempt: (number: number) => Promise<T>,
  map: (error: unknown) => StorageError,
): Promise<T> {
  for (let number = 1; ; number++) {
    try {
      return await attempt(number);
    } catch (error) {
      const mapped = map(error);
      if (!mapped.retryable || number >= policy.maxAttempts) throw mapped;
      await sleep(backoffDelay(policy, number));
    }
  }
}
