/**
 * The memory and fs drivers: saves and open+reads per second of 4 KiB objects, at
 * concurrency 1 and 16. For scale, each is shown next to the plain call on the same
 * backend (memfs `writeFile` with the `wx` flag and `readFile`; node:fs the same on a
 * temporary directory). That is not the same work: stowage's fs driver writes a
 * temporary file and links it into place, so that a crash never leaves half a file and
 * concurrent saves of one name never overwrite each other; the memory driver keeps
 * metadata beside each file.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Volume } from 'memfs';
import { createFileSystemStorage } from 'stowage/fs';
import { createMemoryStorage } from 'stowage/memory';
import { KiB, payload, round, timed } from './workload.js';

export interface LocalResult {
  subject: 'stowage-memory' | 'memfs' | 'stowage-fs' | 'node-fs';
  concurrency: number;
  count: number;
  savesPerSecond: number;
  readsPerSecond: number;
}

interface Local {
  save(name: string, body: Buffer): Promise<unknown>;
  read(name: string): Promise<Buffer>;
}

export async function localDrivers(
  counts: { memory: number; fs: number },
  concurrencies: readonly number[],
  log: (line: string) => void,
): Promise<LocalResult[]> {
  const body = payload(4 * KiB);
  const results: LocalResult[] = [];
  const directory = await mkdtemp(join(tmpdir(), 'stowage-bench-fs-'));
  try {
    for (const concurrency of concurrencies) {
      const memory = createMemoryStorage();
      const volume = new Volume();
      const fsStorage = createFileSystemStorage({ location: join(directory, `stowage-c${concurrency}`) });
      const plainRoot = join(directory, `plain-c${concurrency}`);
      const subjects: Array<[LocalResult['subject'], number, Local]> = [
        [
          'stowage-memory',
          counts.memory,
          { save: (n, b) => memory.save(n, b), read: async (n) => (await memory.open(n)).bytes() },
        ],
        [
          'memfs',
          counts.memory,
          {
            save: async (n, b) => {
              await volume.promises.mkdir(dirname(`/${n}`), { recursive: true });
              await volume.promises.writeFile(`/${n}`, b, { flag: 'wx' });
            },
            read: async (n) => (await volume.promises.readFile(`/${n}`)) as Buffer,
          },
        ],
        [
          'stowage-fs',
          counts.fs,
          { save: (n, b) => fsStorage.save(n, b), read: async (n) => (await fsStorage.open(n)).bytes() },
        ],
        [
          'node-fs',
          counts.fs,
          {
            save: async (n, b) => {
              await mkdir(dirname(join(plainRoot, n)), { recursive: true });
              await writeFile(join(plainRoot, n), b, { flag: 'wx' });
            },
            read: (n) => readFile(join(plainRoot, n)),
          },
        ],
      ];
      for (const [subject, count, local] of subjects) {
        // Names spread over 100 directories, as uploads usually are.
        const names = Array.from({ length: count }, (_, i) => `d${i % 100}/f${i}.bin`);
        const saveMs = await timed(count, concurrency, (i) => local.save(names[i] as string, body));
        const readMs = await timed(count, concurrency, async (i) => {
          if ((await local.read(names[i] as string)).length !== body.length) throw new Error('short read');
        });
        const result: LocalResult = {
          subject,
          concurrency,
          count,
          savesPerSecond: round((count * 1000) / saveMs, 0),
          readsPerSecond: round((count * 1000) / readMs, 0),
        };
        results.push(result);
        log(
          `  c=${String(concurrency).padStart(2)} ${subject.padEnd(15)} save ${String(result.savesPerSecond).padStart(7)}/s  read ${String(result.readsPerSecond).padStart(7)}/s`,
        );
      }
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  return results;
}
