/**
 * Whether the server honours `If-None-Match: *`. Every server the suite measures does
 * (docs/servers.md), but one that silently ignores it answers 200 to a create of a taken
 * name and overwrites the object there: racing saves would then replace each other's
 * files. So before its first conditional create, a driver whose `conditionalWrites` is
 * not set asks once (per bucket, per storage): it creates a probe object conditionally
 * twice, and a second success means the condition is ignored. Saves then fail with
 * UNSUPPORTED saying what to set, rather than overwrite; `conditionalWrites: false`
 * (check, then write) and `conditionalWrites: true` (trust the server) skip the probe.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
import { randomBytes } from 'node:crypto';
import { StorageError } from '../errors.js';
import { type EnvName, option } from '../options.js';
import type { Requests } from './requests.js';

/** Asked before a conditional create; rejects while the server is known to ignore the condition. */
export interface ConditionalProbe {
  check(): Promise<void>;
}

/**
 * The `conditionalWrites` option of the object-store drivers, declared once for both:
 * unset, the server is probed; true, trusted; false, saves check, then write.
 */
export function conditionalWritesOption(env: EnvName) {
  return option.boolean({
    env,
    defaultDoc: 'probed',
    doc: 'conditional writes (`If-None-Match`, `If-Match`); unset: probed once per bucket, saves refused (UNSUPPORTED) on a server that ignores them; `false`: check, then write (not race-free); `true`: trusted, no probe',
  });
}

/**
 * The probe of one bucket: `key` is where its object goes (under the storage's
 * location), `setting` how the message names the option to set. A probe that fails
 * (the server away) fails the save that asked, and the next save asks again.
 */
export function conditionalProbe(
  requests: Requests,
  bucket: string,
  key: (name: string) => string,
  setting: string,
): ConditionalProbe {
  let verdict: Promise<StorageError | undefined> | undefined;
  return {
    async check() {
      verdict ??= probe(requests, bucket, key, setting).catch((error: unknown) => {
        verdict = undefined;
        throw error;
      });
      const ignored = await verdict;
      if (ignored) throw ignored;
    },
  };
}

/** Creates one object conditionally twice; the StorageError to refuse saves with when both succeed. */
async function probe(
  requests: Requests,
  bucket: string,
  key: (name: string) => string,
  setting: string,
): Promise<StorageError | undefined> {
  const name = `${PROBE_PREFIX}${randomBytes(8).toString('hex')}`;
  const probeKey = key(name);
  const empty = Buffer.alloc(0);
  const attributes = { contentType: 'application/octet-stream' };
  // Retried as any request: a 412 on a retry of the first create means an earlier
  // attempt landed (the object is there, as wanted); a retried second create answers as
  // the first attempt would have (200 where the condition is ignored, 412 where not).
  const create = () =>
    requests.repeat(name, () => requests.sendOnce('put', bucket, probeKey, empty, attributes, { ifNoneMatch: true }));
  try {
    await create().catch((error: unknown) => {
      if (!requests.isPreconditionFailed(error)) throw error;
    });
    const second = await create().then(
      () => 'stored' as const,
      (error: unknown) => {
        if (requests.isPreconditionFailed(error)) return 'refused' as const;
        throw error;
      },
    );
    if (second === 'refused') return undefined;
    const { driver, endpoint } = requests.transport;
    return new StorageError(
      'UNSUPPORTED',
      `${driver}: the server at ${endpoint} ignores If-None-Match: * (a second conditional create of one key in bucket ${bucket} succeeded), so a save could overwrite another file; nothing was written. Set ${setting} to check, then write (not race-free), or use a server that honours conditional writes.`,
      { operation: 'save' },
    );
  } finally {
    await requests.send(name, 'delete', bucket, probeKey, {}).catch(() => {});
  }
}

/** The probe object's name: a dot name under the storage's location, removed at once. */
const PROBE_PREFIX = '.stowage-conditional-probe-';
