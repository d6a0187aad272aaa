/**
 * What every contract module shares: the target a factory builds, the suite helper
 * that builds it before and cleans it after, and byte helpers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Capabilities, Driver } from '../src/driver.js';
import { isStorageError, type StorageErrorCode } from '../src/errors.js';
import type { Storage } from '../src/storage.js';

/** What a contract factory returns: a fresh, isolated storage. */
export interface ContractTarget {
  storage: Storage;
  /** Removes everything the target created (bucket, directory). */
  cleanup?: (() => Promise<void>) | undefined;
  /** True when `url()` results can be fetched over HTTP from this process. */
  servesUrls?: boolean | undefined;
  /**
   * False when the server ignores the response-content-disposition of a signed URL
   * (moto), so that the download header is not checked there. Default true.
   */
  honoursDownload?: boolean | undefined;
}

/**
 * Builds a fresh storage for one suite. `replaceExisting` is the facade option the
 * suite needs. Each call must be isolated from the others (new bucket or directory).
 */
export type ContractFactory = (options: { replaceExisting: boolean }) => Promise<ContractTarget>;

/** Per-suite state handed to each test. */
export interface ContractState {
  target: ContractTarget;
  storage: Storage;
  /** The driver's capabilities, with the caller's overrides applied. */
  capabilities: Capabilities;
}

export interface ContractSetup {
  name: string;
  factory: ContractFactory;
  overrides: Partial<Capabilities>;
  /** Cases registered as skipped, by title, each with why (what the backend does not honour). */
  skips?: Readonly<Record<string, string>> | undefined;
}

/**
 * A uvu suite named `<target>: <area>` whose state holds a fresh target built
 * before its first test and cleaned up after its last.
 */
export function contractSuite(setup: ContractSetup, area: string, options: { replaceExisting?: boolean } = {}) {
  const registered = suite<ContractState>(`${setup.name}: ${area}`, {} as ContractState);
  const skips = setup.skips ?? {};
  // Registers a case as skipped, its title saying why, when the backend is declared not to honour it.
  const test = Object.assign((title: string, handler: Parameters<typeof registered>[1]) => {
    const why = skips[title];
    if (why === undefined) registered(title, handler);
    else registered.skip(`${title} [skipped on ${setup.name}: ${why}]`, handler);
  }, registered) as typeof registered;
  test.before(async (state) => {
    state.target = await setup.factory({ replaceExisting: options.replaceExisting ?? false });
    state.storage = state.target.storage;
    state.capabilities = { ...state.storage.capabilities, ...setup.overrides };
  });
  test.after(async (state) => {
    await state.target?.cleanup?.();
  });
  return test;
}

/** Asserts that `promise` rejects with a StorageError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode, what = ''): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(
      isStorageError(error, code),
      `${what}: expected StorageError ${code}, got ${isStorageError(error) ? error.code : String(error)}`,
    );
    return error as Error;
  }
  assert.unreachable(`${what}: expected a rejection with ${code}`);
  throw new Error('unreachable');
}

/** Asserts that `fn` throws (synchronously) a StorageError of `code`. */
export function throwsWith(fn: () => unknown, code: StorageErrorCode, what = ''): void {
  try {
    fn();
  } catch (error) {
    assert.ok(isStorageError(error, code), `${what}: expected ${code}, got ${String(error)}`);
    return;
  }
  assert.unreachable(`${what}: expected a throw with ${code}`);
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a stream to its end, returning its sha256 and length without keeping the bytes. */
export async function hashStream(stream: AsyncIterable<Uint8Array>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/**
 * A stream of `size` random bytes in `chunkSize` chunks, generated as it is read;
 * `digest()` gives the sha256 of what was produced once the stream has ended.
 */
export function generatedStream(size: number, chunkSize = 1024 * 1024): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  let digest: string | undefined;
  const stream = new Readable({
    read() {
      if (produced >= size) {
        digest = hash.digest('hex');
        this.push(null);
        return;
      }
      const chunk = randomBytes(Math.min(chunkSize, size - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return {
    stream,
    digest: () => {
      if (digest === undefined) throw new Error('the generated stream was not read to its end');
      return digest;
    },
  };
}

/** A stream that yields `bytes` and then fails. */
export function failingStream(bytes: number): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(randomBytes(bytes));
      } else {
        this.destroy(new Error('the source broke off'));
      }
    },
  });
}

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reads a stored object's bytes. */
export async function readAll(storage: Storage, name: string): Promise<Buffer> {
  return (await storage.open(name)).bytes();
}

/**
 * `fetch` on a connection of its own (`Connection: close`), for requests that check what
 * a server answers rather than how it pools connections. MinIO sometimes closes a
 * connection after refusing a request (403) without saying so, and a keep-alive
 * `fetch` that reuses it fails with "other side closed" (measured: 0 to 4 failures in
 * 1,000 anonymous request pairs; none in 3,000 with this header).
 */
export function fetchFresh(input: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('connection', 'close');
  return fetch(input, { ...init, headers });
}

/**
 * `driver` seen through a proxy: `capabilities` overridden, methods replaced (a key
 * mapped to undefined removes the method), and every method call recorded by name.
 * The facade dispatches on capabilities alone, so this is how a case withdraws one.
 */
export function recordingDriver(
  driver: Driver,
  changes: { capabilities?: Partial<Capabilities>; methods?: Partial<Driver> } = {},
): { driver: Driver; calls: string[] } {
  const calls: string[] = [];
  const capabilities = { ...driver.capabilities, ...changes.capabilities };
  const methods = changes.methods ?? {};
  const proxy = new Proxy(driver, {
    get(target, property) {
      if (property === 'capabilities') return capabilities;
      const value = property in methods ? methods[property as keyof Driver] : Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { driver: proxy, calls };
}
