/**
 * How the core sends a transport request: the one retry policy (src/retry.ts) applied by
 * the request's class (`RETRY` in transport.ts), and the one error mapping
 * (src/s3-errors.ts) applied to what the SDK threw, read by the transport's
 * `errorFacts`. Every object-store driver goes through here, so `maxAttempts` and the
 * error codes mean the same whatever the SDK.
 */
import { isStorageError, type StorageError } from '../errors.js';
import { type RetryPolicy, retrying } from '../retry.js';
import { type ErrorFacts, objectStoreError } from '../s3-errors.js';
import { type ObjectTransport, RETRY, type Request } from './transport.js';

type Call<M extends Request> = ObjectTransport[M] extends (...args: infer A) => Promise<infer R>
  ? { args: A; result: R }
  : never;

export class Requests {
  readonly transport: ObjectTransport;
  readonly policy: RetryPolicy;
  readonly bucket: string;
  readonly #secrets: readonly string[];

  constructor(transport: ObjectTransport, policy: RetryPolicy, bucket: string, secrets: readonly string[]) {
    this.transport = transport;
    this.policy = policy;
    this.bucket = bucket;
    this.#secrets = secrets;
  }

  /** The same requests, their messages naming `bucket`. */
  forBucket(bucket: string): Requests {
    return new Requests(this.transport, this.policy, bucket, this.#secrets);
  }

  /** The same requests under another policy (a check asked once after running out of attempts). */
  withPolicy(policy: RetryPolicy): Requests {
    return new Requests(this.transport, policy, this.bucket, this.#secrets);
  }

  /**
   * Sends `request` about `name` (for messages), repeated by the policy unless its class
   * is `once`; rejects with the mapped StorageError. `conditional` requests come here
   * only without conditions (with them, see write.ts `createExclusive`). Not async: the
   * promise it returns is the retry's own, with no turn of an async function's around it.
   */
  send<M extends Request>(name: string | undefined, request: M, ...args: Call<M>['args']): Promise<Call<M>['result']> {
    const method = this.transport[request] as (...a: unknown[]) => Promise<Call<M>['result']>;
    const once = () => method.apply(this.transport, args);
    const map = (error: unknown) => this.map(error, name);
    if (RETRY[request] === 'once') return once().catch((error: unknown) => Promise.reject(map(error)));
    return retrying(this.policy, once, map);
  }

  /** Runs `attempt` (given its number, from 1) until it resolves, by the policy; rejects with the mapped error. */
  repeat<T>(name: string | undefined, attempt: (number: number) => Promise<T>): Promise<T> {
    return retrying(this.policy, attempt, (error) => this.map(error, name));
  }

  /** Sends `request` once, rejecting with the SDK's own error (for a caller that retries itself). */
  sendOnce<M extends Request>(request: M, ...args: Call<M>['args']): Promise<Call<M>['result']> {
    const method = this.transport[request] as (...a: unknown[]) => Promise<Call<M>['result']>;
    return method.apply(this.transport, args);
  }

  /** The StorageError for anything a transport (or a source stream) threw; StorageErrors pass through. */
  map(error: unknown, name?: string): StorageError {
    if (isStorageError(error)) return error;
    return this.fail(this.facts(error), name, error);
  }

  /** The StorageError for what the server said (`facts`), by the S3 error rules. */
  fail(facts: ErrorFacts, name?: string, cause?: unknown): StorageError {
    const { transport } = this;
    const where = { name, bucket: this.bucket, endpoint: transport.endpoint, secrets: this.#secrets };
    return objectStoreError(transport.driver, facts, where, cause, transport.errorRules);
  }

  facts(error: unknown): ErrorFacts {
    return this.transport.errorFacts(error);
  }

  /** The server refused a condition (`If-None-Match`, `If-Match`): 412. */
  isPreconditionFailed(error: unknown): boolean {
    if (isStorageError(error)) return error.code === 'PRECONDITION_FAILED' && !error.retryable;
    const { code, status } = this.facts(error);
    return code === 'PreconditionFailed' || status === 412;
  }

  /** The server has no such key or upload (a StorageError NOT_FOUND included). */
  isNotFound(error: unknown): boolean {
    return this.map(error).code === 'NOT_FOUND';
  }
}
