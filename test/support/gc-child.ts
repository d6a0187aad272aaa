/**
 * A writer to be killed: saves an endless-looking generated stream of `bytes` to MinIO
 * under `name` (test/gc.test.ts kills it with SIGKILL in the middle), printing
 * "started" once the save has begun. Argument: JSON of `{ options, name, bytes }`.
 */
import { Readable } from 'node:stream';
import { createMinioStorage, type MinioOptions } from '../../drivers/minio/index.js';

const { options, name, bytes } = JSON.parse(process.argv[2] ?? '{}') as {
  options: MinioOptions;
  name: string;
  bytes: number;
};
const CHUNK = Buffer.alloc(1024 * 1024, 7);
async function* generated(): AsyncGenerator<Buffer> {
  for (let sent = 0; sent < bytes; sent += CHUNK.length) yield CHUNK;
}
const storage = createMinioStorage(options);
process.stdout.write('started\n');
await storage.save(name, Readable.from(generated()));
process.stdout.write('finished\n');
