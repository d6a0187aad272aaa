/**
 * Retries: the one policy both object-store drivers apply to every request, so that
 * the behaviour and the option (`maxAttempts`) are the same whatever the SDK. The AWS
 * SDK's own retry strategy is turned off in the S3 driver and minio-js's in the MinIO
 * driver; stowage retries instead, because only it knows which requests are safe to
 * repeat and how to tell, after an ambiguous failure, whether a write landed.
 *
 * - Idempotent requests (HEAD, GET, list pages, DELETE, multipart parts, policies)
 *   are retried on retryable failures (`StorageError.retryable`: resets, timeouts,
 *   5xx, throttling), with capped exponential backoff and full jitter.
 * - A create-only-if-absent write (`If-None-Match: *`) is not idempotent: when an
 *   attempt fails after the request may have reached the server (a reset, a timeout;
 *   not a refused connection), the write may have landed, and its retry then meets
 *   412. `createExclusive` then asks the driver whether what the name holds is what
 *   was sent (checksum), and treats a match as success instead of moving on to another
 *   name, which would store the bytes twice.
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html (the same backoff)
 */
import { configError } from './env.js';
import type { StorageError } from './errors.js';
import { networkCode } from './s3-errors.js';

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

/** One create-only-if-absent write, as `createExclusive` drives it. */
export interface ExclusiveCreate {
  /** Sends the write once; rejects as the SDK does. */
  send(): Promise<void>;
  /** True when `error` is the server refusing because the name is taken (412). */
  isTaken(error: unknown): boolean;
  /** True when the SDK itself retried before answering `error` (an SDK client with its own retries). */
  retriedInside?(error: unknown): boolean;
  /**
   * Whether the name now holds exactly what `send` wrote (asked only after an
   * ambiguous failure), asking the server with `policy`.
   */
  isOurs(policy: RetryPolicy): Promise<boolean>;
  /** The StorageError for an SDK error (its `retryable` decides). */
  map(error: unknown): StorageError;
}

/**
 * Sends an exclusive create with retries; resolves 'created', or 'taken' when the
 * name belongs to someone else. After an ambiguous failure, a 412 on the retry, or
 * running out of attempts, is checked with `isOurs()`: a match is 'created'. The
 * check after running out asks once (the server may be down), so that a write gives
 * up within maxAttempts + 1 request timeouts.
 */
export async function createExclusive(policy: RetryPolicy, create: ExclusiveCreate): Promise<'created' | 'taken'> {
  let ambiguous = false;
  for (let number = 1; ; number++) {
    try {
      await create.send();
      return 'created';
    } catch (error) {
      if (create.isTaken(error)) {
        const maybeOurs = ambiguous || create.retriedInside?.(error) === true;
        return maybeOurs && (await ours(create, policy)) ? 'created' : 'taken';
      }
      const mapped = create.map(error);
      ambiguous ||= mayHaveLanded(error);
      if (!mapped.retryable || number >= policy.maxAttempts) {
        if (ambiguous && (await ours(create, { ...policy, maxAttempts: 1 }))) return 'created';
        throw mapped;
      }
      await sleep(backoffDelay(policy, number));
    }
  }
}

/** Network failures that happen before a request is sent: it cannot have landed. */
const UNDELIVERED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** False only when the request certainly never reached the server. */
export function mayHaveLanded(error: unknown): boolean {
  const code = networkCode(error);
  return code === undefined || !UNDELIVERED.has(code);
}

/** `isOurs()`, where a failure to ask (server still down) counts as "not known to be ours". */
async function ours(create: ExclusiveCreate, policy: RetryPolicy): Promise<boolean> {
  try {
    return await create.isOurs(policy);
  } catch {
    return false;
  }
}
