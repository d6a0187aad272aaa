/**
 * Idle timeouts without a timer per request: one interval per timeout value looks at
 * everything being watched LOOKS times per period, and ends what made no progress for a
 * whole period. A watch costs an array entry; no timer is armed, refreshed or cleared per
 * request or per chunk.
 *
 * Both uses are idle limits (`requestTimeoutMs`): an HTTP request until its answer
 * arrives (`watchRequest`, for both object-store drivers) and a GET body while its reader
 * waits (src/object-store.ts ResumingBody). Measured on a 4 KiB open+read through the
 * MinIO driver at concurrency 16: a socket timeout per request (`request.setTimeout`,
 * which Node refreshes on every socket read and write) cost 6 % of the client's CPU.
 */
import type { ClientRequest } from 'node:http';

/**
 * Looks per period: what stalls is ended between `idleMs` and 1.25 × `idleMs` after its
 * last progress.
 */
const LOOKS = 4;

/**
 * What a watch reports at each look: a number that changes whenever there is progress
 * (bytes so far), `undefined` while the wait does not count (nobody is waiting yet), or
 * `null` when there is nothing more to watch.
 */
export type Progress = () => number | undefined | null;

/** Stops watching (idempotent). */
export type Unwatch = () => void;

/**
 * Watches `progress` and calls `onIdle` once, the first time it has not changed for
 * `idleMs` (and then stops). Nothing is watched when `idleMs` is 0 or less.
 */
export function watchIdle(idleMs: number, progress: Progress, onIdle: () => void): Unwatch {
  if (idleMs <= 0) return NOTHING;
  let ticker = tickers.get(idleMs);
  if (ticker === undefined) {
    ticker = new Ticker(idleMs);
    tickers.set(idleMs, ticker);
  }
  return ticker.add({ index: -1, progress, onIdle, seen: undefined, still: 0 });
}

/**
 * Ends `request` with an ETIMEDOUT error when neither a byte goes out nor one comes in
 * for `idleMs` before its answer arrives (connecting counts; waiting in the agent's
 * queue for a socket does not). Reading the answer's body is the caller's pace: the
 * returned function, called when the answer arrives, stops the watch.
 */
export function watchRequest(request: ClientRequest, idleMs: number): Unwatch {
  return watchIdle(
    idleMs,
    () => {
      if (request.destroyed) return null;
      const socket = request.socket;
      return socket ? socket.bytesRead + socket.bytesWritten : undefined;
    },
    () => {
      const error = new Error(`no answer within ${idleMs} ms (requestTimeoutMs)`) as NodeJS.ErrnoException;
      error.code = 'ETIMEDOUT';
      request.destroy(error);
    },
  );
}

interface Watch {
  /** Where it is in its ticker's list; -1 once out of it. */
  index: number;
  progress: Progress;
  onIdle: () => void;
  /** The progress at the last look. */
  seen: number | undefined;
  /** Looks in a row that found no progress. */
  still: number;
}

const NOTHING: Unwatch = () => {};
const tickers = new Map<number, Ticker>();

/**
 * The interval of one timeout value: it runs while something is watched and stops at the
 * first look that finds nothing. Its watches are an array that a removal fills from its
 * end (no Set: an object's first use as a key gives it a hash, a measurable cost per request).
 */
class Ticker {
  readonly #watches: Watch[] = [];
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs: number) {
    this.#intervalMs = Math.max(1, Math.ceil(idleMs / LOOKS));
  }

  add(watch: Watch): Unwatch {
    watch.index = this.#watches.push(watch) - 1;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#look(), this.#intervalMs);
      // A watch keeps no process alive: what it watches does, if anything.
      this.#timer.unref();
    }
    return () => this.#remove(watch);
  }

  #remove(watch: Watch): void {
    const { index } = watch;
    if (index < 0) return;
    watch.index = -1;
    const last = this.#watches.pop() as Watch;
    if (last !== watch) {
      this.#watches[index] = last;
      last.index = index;
    }
  }

  #look(): void {
    if (this.#watches.length === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    // A copy: what an idle watch's end sets off may remove others (each once, and skipped then).
    for (const watch of this.#watches.slice()) {
      if (watch.index < 0) continue;
      const now = watch.progress();
      if (now === null) {
        this.#remove(watch);
      } else if (now === undefined || now !== watch.seen) {
        // The first look after a wait began only marks where it starts: it must not count a whole interval.
        watch.seen = now;
        watch.still = 0;
      } else if (++watch.still >= LOOKS) {
        this.#remove(watch);
        watch.onIdle();
      }
    }
  }
}
