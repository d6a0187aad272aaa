/**
 * Apache OpenDAL's Node binding (`opendal`, a native module over OpenDAL's Rust core) as
 * a peer: its S3 service on the same MinIO, with the part size and parts in flight
 * stowage uses. 0.49.2 is pinned because the Linux binaries of later releases need
 * glibc 2.38, newer than Debian 12's.
 *
 * It is not a devDependency: the registry this project's CI reaches serves only its Linux
 * x64 builds, and `npm ci` refuses a lock without every platform build it lists. A run
 * measures it where it is installed (`npm install --no-save opendal@0.49.2`) and says so
 * where it is not (bench/lineup.ts).
 */

import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Contender } from './contenders.js';

/** A variable, so that TypeScript does not ask for the module where it is not installed. */
const MODULE = 'opendal';

/** The part of the binding's API the benchmark uses (opendal 0.49's index.d.ts). */
interface OpendalOperator {
  write(path: string, body: Buffer): Promise<void>;
  read(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  delete(path: string): Promise<void>;
  writer(path: string, options: { chunk: bigint; concurrent: number }): Promise<{ createWriteStream(): Writable }>;
  reader(path: string): Promise<{ createReadStream(): Readable }>;
}
type OpendalModule = { Operator: new (scheme: string, options: Record<string, string>) => OpendalOperator };

/** Why the binding cannot be measured here, or undefined when it can. */
export async function opendalMissing(): Promise<string | undefined> {
  try {
    await import(MODULE);
    return undefined;
  } catch {
    return `opendal is not installed; add it to a run with: npm install --no-save opendal@0.49.2`;
  }
}

/** The same part size and parts in flight as every contender that lets one choose (bench/contenders.ts). */
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export const OPENDAL: Contender = {
  id: 'opendal',
  label: 'opendal 0.49 (native)',
  sdk: 'none',
  kind: 'peer',
  work: {
    save: 'op.write(name, bytes): one PUT (overwrites)',
    read: 'op.read(name): one GET',
    exists: 'op.exists(name): one HEAD',
    delete: 'op.delete(name): one DELETE',
    saveStream: 'op.writer(name, { chunk: 8 MiB, concurrent: 2 }).createWriteStream(): multipart upload; overwrites',
    readStream: '(await op.reader(name)).createReadStream(): ranged GETs',
  },
  async open(target) {
    const { Operator } = (await import(MODULE)) as OpendalModule;
    const op = new Operator('s3', {
      bucket: target.bucket,
      endpoint: target.endpoint,
      region: target.region,
      access_key_id: target.accessKey,
      secret_access_key: target.secretKey,
      root: '/',
      // Only what is given here: no credentials from the environment or an instance role.
      disable_config_load: 'true',
      disable_ec2_metadata: 'true',
    });
    return {
      async save(name, body) {
        await op.write(name, body);
      },
      read: (name) => op.read(name),
      exists: (name) => op.exists(name),
      delete: (name) => op.delete(name),
      async saveStream(name, body) {
        const writer = await op.writer(name, { chunk: BigInt(PART_SIZE), concurrent: PARTS_IN_FLIGHT });
        await pipeline(body, writer.createWriteStream());
      },
      readStream: async (name) => (await op.reader(name)).createReadStream(),
      async close() {},
    };
  },
};
