/**
 * Names under contention: `writers` concurrent saves of one name, timed until every
 * save has resolved, then checked: every name returned distinct, and every object
 * there with its writer's bytes. stowage claims names atomically (conditional create),
 * so nothing may be lost. The peers have no collision handling or check, then write
 * (django-minio-backend: exists, then PUT); for them the section counts how many of
 * the writes survive under distinct names.
 */
import { randomBytes } from 'node:crypto';
import type { Session } from './contenders.js';
import { round } from './workload.js';

export interface ContentionResult {
  /** `stowage-minio`, `stowage-s3`, `stowage-fs`, `stowage-memory`, or a peer's id. */
  subject: string;
  writers: number;
  /** Milliseconds from the first save to the last one resolving. */
  ms: number;
  /** Distinct names returned by the saves. */
  distinctNames: number;
  /** Writes whose bytes can be read back under the name their save returned. */
  survivors: number;
  /** Saves that rejected, and the first error seen. */
  failures: number;
  firstError?: string | undefined;
}

/** Bytes per writer: small, and different for every writer so that a lost write shows. */
const BODY_SIZE = 1024;

/** The part of a stowage `Storage` the race uses. */
export interface StowageSaver {
  save(name: string, content: Buffer): Promise<string>;
  open(name: string): Promise<{ bytes(): Promise<Buffer> }>;
  delete(name: string): Promise<void>;
}

/** Runs the race on a stowage storage: `writers` × save(name) at once. */
export async function stowageContention(
  subject: string,
  storage: StowageSaver,
  name: string,
  writers: number,
): Promise<ContentionResult> {
  const bodies = Array.from({ length: writers }, () => randomBytes(BODY_SIZE));
  const started = performance.now();
  const outcomes = await Promise.allSettled(bodies.map((body) => storage.save(name, body)));
  const ms = performance.now() - started;
  const stored = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
  let survivors = 0;
  for (const [i, stowed] of stored.entries()) {
    if (stowed === undefined) continue;
    const bytes = await (await storage.open(stowed)).bytes();
    if (bytes.equals(bodies[i] as Buffer)) survivors++;
  }
  await Promise.all([...new Set(stored.filter((s): s is string => s !== undefined))].map((s) => storage.delete(s)));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  return {
    subject,
    writers,
    ms: round(ms, 1),
    distinctNames: new Set(stored.filter((s) => s !== undefined)).size,
    survivors,
    failures: outcomes.filter((o) => o.status === 'rejected').length,
    firstError: rejected && String((rejected.reason as Error).message ?? rejected.reason).slice(0, 300),
  };
}

/** The same race for a peer: every writer saves under `name` (none of them picks another name). */
export async function peerContention(
  subject: string,
  session: Session,
  name: string,
  writers: number,
): Promise<ContentionResult> {
  const bodies = Array.from({ length: writers }, () => randomBytes(BODY_SIZE));
  const started = performance.now();
  const outcomes = await Promise.allSettled(bodies.map((body) => session.save(name, body)));
  const ms = performance.now() - started;
  const stored = await session.read(name).catch(() => undefined);
  await session.delete(name);
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  return {
    subject,
    writers,
    ms: round(ms, 1),
    distinctNames: outcomes.some((o) => o.status === 'fulfilled') ? 1 : 0,
    survivors: stored !== undefined && bodies.some((body) => body.equals(stored)) ? 1 : 0,
    failures: outcomes.filter((o) => o.status === 'rejected').length,
    firstError: rejected && String((rejected.reason as Error).message ?? rejected.reason).slice(0, 300),
  };
}
