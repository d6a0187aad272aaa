/**
 * Everything this test process writes: stdout, stderr and process warnings, teed into a
 * list from the moment `captureOutput()` is called, so that a test can search it (for a
 * secret key, say) while the output still reaches the terminal.
 */
import { inspect } from 'node:util';

export function captureOutput(): string[] {
  const lines: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  process.on('warning', (warning) => lines.push(inspect(warning)));
  return lines;
}
