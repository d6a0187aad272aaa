/**
 * The storage layers the object-store benchmarks compare, each doing the same work on
 * the same MinIO: stowage's two drivers, the raw SDK calls each driver is built on,
 * and the peers (flydrive's S3 driver, flystorage's aws-s3 adapter, @tweedegolf/
 * storage-abstraction's aws and minio adapters). django-minio-backend runs in Python
 * (bench/django/). flydrive 2 needs Node >= 24: `npm run bench` runs there.
 *
 * `work` says in words what each side sends, so that the report can show it next to
 * the figures. Every AWS-SDK-based contender gets the same SDK settings stowage's S3
 * driver uses on a custom endpoint (path style, checksums only WHEN_REQUIRED), so that
 * the comparison measures the layer, not a different SDK configuration.
 *
 * Each contender imports its packages when it opens, so that a process running one
 * contender (bench/large-child.ts) holds only that one's code: a large read's CPU grows
 * with the live heap (each of its ~30 full collections per GiB marks all of it), and the
 * plain node:http baseline would otherwise pay for every SDK.
 */
import type { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Client } from 'minio';
import { collect } from './workload.js';

/** The server and bucket every contender talks to. */
export interface Target {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucket: string;
}

/** One contender, opened against a target. Every method rejects on failure. */
export interface Session {
  /** Stores a small body under `name`, which is free. */
  save(name: string, body: Buffer): Promise<void>;
  read(name: string): Promise<Buffer>;
  exists(name: string): Promise<boolean>;
  delete(name: string): Promise<void>;
  /** Stores a stream whose length the caller does not announce (`length` is for layers that need it). */
  saveStream(name: string, body: Readable, length: number): Promise<void>;
  /** Stores a stream whose length the caller announces; saveStream where a layer has no way to take it. */
  saveSized?(name: string, body: Readable, length: number): Promise<void>;
  /** Reads an object without handing its bytes to JavaScript (curl writes them to /dev/null); resolves with the count. */
  readCount?(name: string): Promise<number>;
  readStream(name: string): Promise<Readable>;
  close(): Promise<void>;
}

export type Operation = 'save' | 'read' | 'exists' | 'delete' | 'saveStream' | 'readStream';

export interface Contender {
  id: ContenderId;
  label: string;
  /** The SDK underneath: what "raw" means for it. */
  sdk: 'minio-js' | 'aws-sdk' | 'none';
  /**
   * `limit`: what the machine does without a storage layer (curl, plain node:http), large
   * objects only. `control`: a raw SDK measured a second time beside itself (`CONTROLS`).
   */
  kind: 'stowage' | 'raw' | 'peer' | 'limit' | 'control';
  /** What each operation does, for the report (`saveSized` where it differs from `saveStream`). */
  work: Record<Operation, string> & { saveSized?: string };
  open(target: Target): Promise<Session>;
}

export type ContenderId =
  | 'stowage-minio'
  | 'raw-minio'
  | 'stowage-s3'
  | 'raw-s3'
  | 'flydrive-s3'
  | 'flystorage-s3'
  | 'sab-aws'
  | 'sab-minio'
  | 'curl'
  | 'node-http'
  | 'opendal'
  | 'raw-minio-again'
  | 'raw-s3-again';

/** Part size for every multipart upload that lets us choose: stowage's default. */
export const PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight, for stowage's S3 driver and the raw lib-storage Upload alike (stowage's default). */
export const QUEUE_SIZE = 2;
const CONTENT_TYPE = 'application/octet-stream';

export const CONTENDERS: readonly Contender[] = [
  {
    id: 'stowage-minio',
    label: 'stowage minio',
    sdk: 'minio-js',
    kind: 'stowage',
    work: {
      save: 'storage.save(name, bytes): name checks, one PUT with If-None-Match: * and Content-MD5',
      read: 'storage.open(name) then file.bytes(): one GET',
      exists: 'storage.exists(name): one HEAD',
      delete: 'storage.delete(name): one DELETE',
      saveStream:
        'storage.save(name, stream) of unknown length: reserve the name (empty conditional PUT), multipart upload in 8 MiB parts, two at a time while a third fills, completion with If-Match on the reservation',
      readStream: 'storage.open(name) then file.stream(): one GET',
      saveSized: 'storage.save(name, stream, { size })',
    },
    async open(target) {
      const { createMinioStorage } = await import('stowage/minio');
      const storage = createMinioStorage({
        endpoint: target.endpoint,
        accessKey: target.accessKey,
        secretKey: target.secretKey,
        region: target.region,
        bucket: target.bucket,
        privateBuckets: [target.bucket],
        partSize: PART_SIZE,
      });
      return stowageSession(storage);
    },
  },
  {
    id: 'raw-minio',
    label: 'raw minio-js',
    sdk: 'minio-js',
    kind: 'raw',
    work: {
      save: "client.putObject(bucket, name, bytes, size, { 'Content-Type', 'If-None-Match': '*' }): one PUT",
      read: 'client.getObject(bucket, name), read to a Buffer: one GET',
      exists: 'client.statObject(bucket, name), NotFound → false: one HEAD',
      delete: 'client.removeObject(bucket, name): one DELETE',
      saveStream:
        'client.putObject(bucket, name, stream, length): given the length (without it minio-js sizes parts for 5 TiB, ~525 MiB each); looks for an upload to resume, then multipart in 8 MiB parts; overwrites',
      readStream: 'client.getObject(bucket, name): one GET',
    },
    async open(target) {
      const client = await minioClient(target);
      const { bucket } = target;
      return {
        async save(name, body) {
          await client.putObject(bucket, name, body, body.length, {
            'Content-Type': CONTENT_TYPE,
            'If-None-Match': '*',
          });
        },
        read: async (name) => collect(await client.getObject(bucket, name)),
        async exists(name) {
          try {
            await client.statObject(bucket, name);
            return true;
          } catch (error) {
            if ((error as { code?: string }).code === 'NotFound') return false;
            throw error;
          }
        },
        delete: (name) => client.removeObject(bucket, name),
        async saveStream(name, body, length) {
          await client.putObject(bucket, name, body, length, { 'Content-Type': CONTENT_TYPE });
        },
        readStream: (name) => client.getObject(bucket, name),
        async close() {},
      };
    },
  },
  {
    id: 'stowage-s3',
    label: 'stowage s3',
    sdk: 'aws-sdk',
    kind: 'stowage',
    work: {
      save: 'storage.save(name, bytes): name checks, one PutObject with IfNoneMatch: *',
      read: 'storage.open(name) then file.bytes(): one GetObject',
      exists: 'storage.exists(name): one HeadObject',
      delete: 'storage.delete(name): one DeleteObject',
      saveStream:
        'storage.save(name, stream) of unknown length: reserve the name (empty conditional PutObject), CreateMultipartUpload, UploadPart (8 MiB parts in 3 reused buffers, 2 at a time while the third fills), CompleteMultipartUpload with IfMatch on the reservation',
      readStream: 'storage.open(name) then file.stream(): one GetObject',
      saveSized: 'storage.save(name, stream, { size })',
    },
    async open(target) {
      const { createS3Storage } = await import('stowage/s3');
      const storage = createS3Storage({
        endpoint: target.endpoint,
        region: target.region,
        credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
        bucket: target.bucket,
        privateBuckets: [target.bucket],
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
      });
      return stowageSession(storage);
    },
  },
  {
    id: 'raw-s3',
    label: 'raw @aws-sdk/client-s3',
    sdk: 'aws-sdk',
    kind: 'raw',
    work: {
      save: 'PutObjectCommand { IfNoneMatch: "*", ContentType }: one PUT',
      read: 'GetObjectCommand, Body.transformToByteArray(): one GET',
      exists: 'HeadObjectCommand, 404 → false: one HEAD',
      delete: 'DeleteObjectCommand: one DELETE',
      saveStream: 'lib-storage Upload (8 MiB parts, 2 at a time); overwrites',
      saveSized: 'PutObjectCommand { Body: stream, ContentLength }: one streaming PUT; overwrites',
      readStream: 'GetObjectCommand: one GET',
    },
    async open(target) {
      const { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } = await import(
        '@aws-sdk/client-s3'
      );
      const { Upload } = await import('@aws-sdk/lib-storage');
      const client = new S3Client(s3Config(target));
      const { bucket: Bucket } = target;
      return {
        async save(name, body) {
          await client.send(
            new PutObjectCommand({ Bucket, Key: name, Body: body, ContentType: CONTENT_TYPE, IfNoneMatch: '*' }),
          );
        },
        async read(name) {
          const output = await client.send(new GetObjectCommand({ Bucket, Key: name }));
          const bytes = await (output.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
          return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        },
        async exists(name) {
          try {
            await client.send(new HeadObjectCommand({ Bucket, Key: name }));
            return true;
          } catch (error) {
            if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
            throw error;
          }
        },
        async delete(name) {
          await client.send(new DeleteObjectCommand({ Bucket, Key: name }));
        },
        async saveSized(name, body, length) {
          await client.send(
            new PutObjectCommand({ Bucket, Key: name, Body: body, ContentLength: length, ContentType: CONTENT_TYPE }),
          );
        },
        async saveStream(name, body) {
          const upload = new Upload({
            client,
            params: { Bucket, Key: name, Body: body, ContentType: CONTENT_TYPE },
            partSize: PART_SIZE,
            queueSize: QUEUE_SIZE,
          });
          await upload.done();
        },
        async readStream(name) {
          const output = await client.send(new GetObjectCommand({ Bucket, Key: name }));
          return output.Body as Readable;
        },
        async close() {
          client.destroy();
        },
      };
    },
  },
  {
    id: 'flydrive-s3',
    label: 'flydrive 2.1 (S3)',
    sdk: 'aws-sdk',
    kind: 'peer',
    work: {
      save: 'disk.put(name, bytes): one PutObject (overwrites: no collision handling)',
      read: 'disk.getBytes(name): one GetObject',
      exists: 'disk.exists(name): one HeadObject',
      delete: 'disk.delete(name): one DeleteObject',
      saveStream: 'disk.putStream(name, stream, { contentLength }): one streaming PutObject (needs the length)',
      readStream: 'disk.getStream(name): one GetObject',
    },
    async open(target) {
      const { Disk } = await import('flydrive');
      const { S3Driver } = await import('flydrive/drivers/s3');
      const disk = new Disk(
        new S3Driver({
          ...s3Config(target),
          bucket: target.bucket,
          visibility: 'private',
          // MinIO has no object ACLs; with ACLs on, flydrive would send one per write.
          supportsACL: false,
        } as ConstructorParameters<typeof S3Driver>[0]),
      );
      return {
        save: (name, body) => disk.put(name, body),
        read: async (name) => Buffer.from(await disk.getBytes(name)),
        exists: (name) => disk.exists(name),
        delete: (name) => disk.delete(name),
        saveStream: (name, body, length) => disk.putStream(name, body, { contentLength: length }),
        readStream: (name) => disk.getStream(name),
        async close() {},
      };
    },
  },
  {
    id: 'flystorage-s3',
    label: 'flystorage 1.2 (aws-s3)',
    sdk: 'aws-sdk',
    kind: 'peer',
    work: {
      save: "storage.write(name, bytes, { mimeType }): lib-storage's Upload, one PutObject (overwrites: no collision handling)",
      read: 'storage.readToBuffer(name): one GetObject',
      exists: 'storage.fileExists(name): one HeadObject',
      delete: 'storage.deleteFile(name): one DeleteObject',
      saveStream:
        "storage.write(name, stream, { mimeType }): lib-storage's Upload, multipart in 8 MiB parts, two at a time (no length needed); overwrites",
      readStream: 'storage.read(name): one GetObject',
    },
    async open(target) {
      const { FileStorage } = await import('@flystorage/file-storage');
      const { AwsS3StorageAdapter } = await import('@flystorage/aws-s3');
      const { S3Client } = await import('@aws-sdk/client-s3');
      const client = new S3Client(s3Config(target));
      const storage = new FileStorage(
        new AwsS3StorageAdapter(client, {
          bucket: target.bucket,
          uploadConfiguration: { partSize: PART_SIZE, queueSize: QUEUE_SIZE },
        }),
      );
      // A given type, as every contender sends: without it flystorage sniffs the first bytes for one.
      const options = { mimeType: CONTENT_TYPE };
      return {
        save: (name, body) => storage.write(name, body, options),
        read: (name) => storage.readToBuffer(name),
        exists: (name) => storage.fileExists(name),
        delete: (name) => storage.deleteFile(name),
        saveStream: (name, body) => storage.write(name, body, options),
        readStream: (name) => storage.read(name),
        async close() {
          client.destroy();
        },
      };
    },
  },
  sabContender('sab-aws'),
  sabContender('sab-minio'),
];

export function contender(id: ContenderId): Contender {
  const found = CONTENDERS.find((c) => c.id === id);
  if (!found) throw new Error(`no contender ${id}`);
  return found;
}

/**
 * The raw SDKs once more, small objects only: raw ÷ raw, the A/A pair, is what a ratio
 * of two identical clients comes to in this run, the noise floor the 1.05× CPU target
 * is read against. Each runs right after its raw original, as each driver runs right
 * before it.
 */
export const CONTROLS: readonly Contender[] = (['raw-minio', 'raw-s3'] as const).map((id) => {
  const raw = contender(id);
  return { ...raw, id: `${id}-again` as ContenderId, label: `${raw.label} again`, kind: 'control' };
});

/** The small-object contenders in the order they take turns: each control right after its raw original. */
export function withControls(contenders: readonly Contender[]): Contender[] {
  return contenders.flatMap((c) => [c, ...CONTROLS.filter((control) => control.id === `${c.id}-again`)]);
}

/** The raw minio-js client: plain, with the region set so that it never asks for a bucket's location. */
export async function minioClient(target: Target): Promise<Client> {
  const { Client } = await import('minio');
  const url = new URL(target.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: target.accessKey,
    secretKey: target.secretKey,
    region: target.region,
    pathStyle: true,
    partSize: PART_SIZE,
  });
}

/** The SDK settings stowage's S3 driver uses on a custom endpoint. */
export function s3Config(target: Target): S3ClientConfig {
  return {
    endpoint: target.endpoint,
    region: target.region,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

interface StowageLike {
  save(name: string, content: Buffer | Readable, options?: { size?: number }): Promise<string>;
  open(name: string): Promise<{ bytes(): Promise<Buffer>; stream(): Readable }>;
  exists(name: string): Promise<boolean>;
  delete(name: string): Promise<void>;
  close(): Promise<void>;
}

function stowageSession(storage: StowageLike): Session {
  const saveExactly = async (name: string, content: Buffer | Readable, size?: number) => {
    const stored = await storage.save(name, content, size === undefined ? {} : { size });
    // The workload saves free names only: another name would mean a collision it did not expect.
    if (stored !== name) throw new Error(`stowage stored ${stored} instead of ${name}`);
  };
  return {
    save: saveExactly,
    read: async (name) => (await storage.open(name)).bytes(),
    exists: (name) => storage.exists(name),
    delete: (name) => storage.delete(name),
    saveStream: (name, body) => saveExactly(name, body),
    saveSized: (name, body, length) => saveExactly(name, body, length),
    readStream: async (name) => (await storage.open(name)).stream(),
    close: () => storage.close(),
  };
}

/** @tweedegolf/storage-abstraction 3 answers `{ value, error }` instead of throwing. */
interface SabResult<T> {
  value: T | null;
  error: string | null;
}

function sabContender(id: 'sab-aws' | 'sab-minio'): Contender {
  const aws = id === 'sab-aws';
  return {
    id,
    label: aws ? 'storage-abstraction 3 (aws)' : 'storage-abstraction 3 (minio)',
    sdk: aws ? 'aws-sdk' : 'minio-js',
    kind: 'peer',
    work: {
      save: 'addFileFromBuffer: HeadBucket, then one PUT (overwrites)',
      read: 'getFileAsStream, read to a Buffer: HeadBucket, HEAD, GET',
      exists: 'fileExists: HeadBucket, HEAD',
      delete: 'removeFile: HeadBucket, HEAD, DELETE',
      saveStream: aws
        ? 'addFileFromStream { ContentLength }: HeadBucket, one streaming PutObject (needs the length)'
        : 'addFileFromStream: HeadBucket, then minio-js putObject without a length (parts of ~525 MiB)',
      readStream: 'getFileAsStream: HeadBucket, HEAD, GET',
    },
    async open(target) {
      const { Storage } = await import('@tweedegolf/storage-abstraction');
      const url = new URL(target.endpoint);
      const storage = aws
        ? new Storage({
            provider: 'aws',
            ...s3Config(target),
            accessKeyId: target.accessKey,
            secretAccessKey: target.secretKey,
            bucketName: target.bucket,
          } as never)
        : new Storage({
            provider: 'minio',
            endPoint: url.hostname,
            port: Number(url.port),
            useSSL: false,
            region: target.region,
            accessKey: target.accessKey,
            secretKey: target.secretKey,
            bucketName: target.bucket,
          } as never);
      const bucket = target.bucket;
      const check = <T>(result: SabResult<T>): T => {
        if (result.error !== null) throw new Error(`storage-abstraction: ${result.error}`);
        return result.value as T;
      };
      return {
        async save(name, body) {
          check(await storage.addFileFromBuffer({ bucketName: bucket, targetPath: name, buffer: body }));
        },
        read: async (name) => collect(check(await storage.getFileAsStream(bucket, name)) as Readable),
        exists: async (name) => check(await storage.fileExists(bucket, name)) as boolean,
        async delete(name) {
          check(await storage.removeFile(bucket, name));
        },
        async saveStream(name, body, length) {
          check(
            await storage.addFileFromStream({
              bucketName: bucket,
              targetPath: name,
              stream: body,
              ...(aws ? { options: { ContentLength: length } } : {}),
            }),
          );
        },
        readStream: async (name) => check(await storage.getFileAsStream(bucket, name)) as Readable,
        async close() {},
      };
    },
  };
}
