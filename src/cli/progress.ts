/**
 * A progress bar for long transfers, on stderr, only when a person watches a terminal.
 * It appears only once a transfer has run for SHOW_AFTER_MS, so quick commands print
 * nothing but their result.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';
import type { CliContext } from './context.js';

/** A transfer shorter than this is not "long": no bar. */
const SHOW_AFTER_MS = 500;

export interface Progress {
  /** Adds `amount` to the value shown. */
  advance(amount: number): void;
  /** Removes the bar (if it was shown). */
  stop(): void;
}

/** A bar counting up to `total` (bytes or files), or a no-op when there is no terminal. */
export function startProgress(context: CliContext, total: number, unit: 'bytes' | 'files'): Progress {
  if (!context.progress || total <= 0) return { advance() {}, stop() {} };
  let value = 0;
  let bar: SingleBar | undefined;
  const timer = setTimeout(() => {
    bar = new SingleBar(
      {
        stream: context.io.stderr,
        clearOnComplete: true,
        hideCursor: true,
        format: `{bar} {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
      },
      Presets.shades_classic,
    );
    bar.start(total, value);
  }, SHOW_AFTER_MS);
  timer.unref();
  return {
    advance(amount) {
      value += amount;
      bar?.update(value);
    },
    stop() {
      clearTimeout(timer);
      bar?.stop();
    },
  };
}

/** A pass-through stream that reports each chunk's length to `progress`. */
export function countingStream(progress: Progress): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      progress.advance(chunk.length);
      callback(null, chunk);
    },
  });
}
