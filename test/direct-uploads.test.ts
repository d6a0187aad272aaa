/**
 * Direct uploads through the facade against MinIO, with both object-store drivers:
 * upload URLs reserve their names (two URLs for one name get two names, and the answer
 * says which); confirmUpload tells when an upload arrived; presigned multipart part URLs
 * are bound to their upload, part number and length; a completion checks the parts
 * against what was signed, cannot complete to another name, and aborts what does not
 * match; fs and memory answer UNSUPPORTED. The same flows in a real browser are in
 * browser-multipart.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchFresh, rejectsWith, sha256 } from '../contracts/context.js';
import { createMemoryStorage } from '../drivers/memory/index.js';
import type { MultipartUpload } from '../src/driver.js';
import type { Storage } from '../src/storage.js';
import {
  adminClient,
  incompleteUploads,
  objectStorage,
  randomBucket,
  rawKeys,
  removeBucket,
  reservations,
} from './support/object-stores.js';
import { requireServerOrSkip, type S3ServerInfo } from './support/servers.js';

const MiB = 1024 * 1024;
const PART = 5 * MiB;

// Before any suite is queued (test/support/uvu-file.ts says why).
const server = await requireServerOrSkip('s3', 'direct uploads');

const unsupported = suite('direct uploads: drivers without them');
unsupported('memory answers UNSUPPORTED for every multipart call', async () => {
  const storage = createMemoryStorage();
  await rejectsWith(storage.createMultipartUpload('a.bin', { size: 10 }), 'UNSUPPORTED', 'create');
  await rejectsWith(storage.completeMultipartUpload('a.bin', 'id'), 'UNSUPPORTED', 'complete');
  await rejectsWith(storage.listUploadedParts('a.bin', 'id'), 'UNSUPPORTED', 'list');
  await rejectsWith(storage.abortMultipartUpload('a.bin', 'id'), 'UNSUPPORTED', 'abort');
});
unsupported.run();

if (server) {
  for (const driver of ['minio', 's3'] as const) directUploads(driver, server);
}

function directUploads(driver: 'minio' | 's3', server: S3ServerInfo): void {
  const admin = adminClient(server);
  const bucket = randomBucket(`direct-${driver}`);
  const make = (extra: { consistencyCheckOnStart?: boolean; bucket?: string } = {}): Storage => {
    return objectStorage(driver, server, { bucket, privateBuckets: [extra.bucket ?? bucket], ...extra });
  };
  const storage = make();
  const test = suite(`direct uploads (${driver} driver)`);
  const extraBuckets: string[] = [];
  test.before(() => storage.initializeBuckets().then(() => {}));
  test.after(async () => {
    await removeBucket(admin, bucket);
    for (const extra of extraBuckets) await removeBucket(admin, extra);
    await storage.close();
  });

  /**
   * A PUT with `Expect: 100-continue`, resolving with the status: a server refusing the
   * signature answers before the body is sent, and closes the connection.
   */
  const put = (url: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    new Promise<{ status: number }>((resolve, reject) => {
      const request = httpRequest(url, {
        method: 'PUT',
        headers: { ...headers, 'content-length': body.length, expect: '100-continue' },
      });
      request.on('continue', () => request.end(body));
      request.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      });
      request.on('error', reject);
      request.flushHeaders();
    });
  const partUrl = (upload: MultipartUpload, number: number) => upload.parts[number - 1]?.url as string;
  /** Uploads `data` to every part URL of `upload`, as the page would. */
  const sendParts = async (upload: MultipartUpload, data: Uint8Array) => {
    for (const part of upload.parts) {
      const start = (part.partNumber - 1) * upload.partSize;
      const response = await put(part.url, data.subarray(start, start + upload.partSize));
      assert.is(response.status, 200, `part ${part.partNumber}`);
    }
  };

  test('two upload URLs for one name reserve two names; each POST replaces only its own', async () => {
    const first = await storage.createUploadUrl('avatars/avatar.png', { contentType: 'image/png', maxSize: 2 * MiB });
    const second = await storage.createUploadUrl('avatars/avatar.png', { contentType: 'image/png', maxSize: 2 * MiB });
    assert.is(first.name, 'avatars/avatar.png');
    assert.match(second.name, /^avatars\/avatar_[A-Za-z0-9]{7}\.png$/);
    assert.equal((await reservations(admin, bucket, 'avatars/')).sort(), [first.name, second.name].sort());
    await rejectsWith(storage.confirmUpload(first.name), 'NOT_FOUND', 'before the upload arrived');
    const big = randomBytes(MiB);
    const small = randomBytes(5000);
    for (const [upload, bytes] of [
      [first, big],
      [second, small],
    ] as const) {
      const form = new FormData();
      for (const [key, value] of Object.entries(upload.fields ?? {})) form.append(key, value);
      form.append('file', new Blob([bytes], { type: 'image/png' }));
      assert.is((await fetchFresh(upload.url, { method: 'POST', body: form })).status, 204);
    }
    assert.is((await storage.confirmUpload(first.name)).size, MiB);
    assert.is((await storage.confirmUpload(second.name)).size, 5000);
    assert.is(sha256(await (await storage.open(first.name)).bytes()), sha256(big), 'the first upload is intact');
  });

  test('multipart: parts in order complete to the reserved name, with the stat', async () => {
    const data = randomBytes(2 * PART + 123);
    const upload = await storage.createMultipartUpload('multi/report.pdf', { size: data.length, partSize: PART });
    assert.is(upload.name, 'multi/report.pdf');
    assert.equal(
      upload.parts.map((part) => part.partNumber),
      [1, 2, 3],
    );
    assert.ok(upload.expiresAt.getTime() > Date.now());
    assert.equal(await reservations(admin, bucket, 'multi/report'), ['multi/report.pdf'], 'reserved at once');
    await sendParts(upload, data);
    assert.equal(
      (await storage.listUploadedParts(upload.name, upload.uploadId)).map((part) => part.size),
      [PART, PART, 123],
    );
    const stat = await storage.completeMultipartUpload(upload.name, upload.uploadId);
    assert.is(stat.size, data.length);
    assert.is(stat.contentType, 'application/pdf');
    assert.is(sha256(await (await storage.open(upload.name)).bytes()), sha256(data));
    assert.equal(await reservations(admin, bucket, 'multi/report'), []);
  });

  test('a part URL is refused for another part number, and for another upload', async () => {
    const data = randomBytes(PART);
    const a = await storage.createMultipartUpload('bound/a.bin', { size: 2 * PART, partSize: PART });
    const b = await storage.createMultipartUpload('bound/b.bin', { size: 2 * PART, partSize: PART });
    const renumbered = new URL(partUrl(a, 1));
    renumbered.searchParams.set('partNumber', '2');
    assert.is((await put(renumbered.href, data)).status, 403, 'part 1 URL used for part 2');
    const moved = new URL(partUrl(a, 1));
    moved.searchParams.set('uploadId', b.uploadId);
    moved.pathname = moved.pathname.replace('bound/a.bin', 'bound/b.bin');
    assert.is((await put(moved.href, data)).status, 403, "a's URL used for b's upload");
    assert.equal(await storage.listUploadedParts(b.name, b.uploadId), []);
    await storage.abortMultipartUpload(a.name, a.uploadId);
    await storage.abortMultipartUpload(b.name, b.uploadId);
  });

  test('a longer body than the part was signed for is refused, at the latest by the completion', async () => {
    const upload = await storage.createMultipartUpload('bound/long.bin', { size: PART + 10, partSize: PART });
    assert.is((await put(partUrl(upload, 1), randomBytes(PART))).status, 200);
    const long = await put(partUrl(upload, 2), randomBytes(11));
    if (driver === 's3') {
      // The AWS SDK signs Content-Length: the server itself refuses the body.
      assert.is(long.status, 403, 'signed Content-Length');
      assert.is((await put(partUrl(upload, 2), randomBytes(10))).status, 200);
      await storage.abortMultipartUpload(upload.name, upload.uploadId);
      return;
    }
    // minio-js signs no Content-Length (drivers/minio/transport.ts): the completion refuses.
    assert.is(long.status, 200);
    await rejectsWith(storage.completeMultipartUpload(upload.name, upload.uploadId), 'PRECONDITION_FAILED');
    assert.equal(await incompleteUploads(admin, bucket, 'bound/long'), [], 'aborted');
    assert.equal(await rawKeys(admin, bucket, 'bound/long'), [], 'reservation released');
  });

  test('a completion before every part arrived is refused and aborts the upload', async () => {
    const upload = await storage.createMultipartUpload('early/file.bin', { size: 2 * PART, partSize: PART });
    assert.is((await put(partUrl(upload, 1), randomBytes(PART))).status, 200);
    await rejectsWith(storage.completeMultipartUpload(upload.name, upload.uploadId), 'PRECONDITION_FAILED');
    assert.equal(await incompleteUploads(admin, bucket, 'early/'), []);
    assert.equal(await rawKeys(admin, bucket, 'early/'), []);
  });

  test('a forged completion cannot complete to another name', async () => {
    const data = randomBytes(PART);
    const mine = await storage.createMultipartUpload('forged/mine.bin', { size: PART, partSize: PART });
    const theirs = await storage.createMultipartUpload('forged/theirs.bin', { size: PART, partSize: PART });
    await sendParts(mine, data);
    const existing = await storage.save('forged/existing.bin', 'keep me');
    await rejectsWith(storage.completeMultipartUpload(existing, mine.uploadId), 'PRECONDITION_FAILED', 'onto a file');
    assert.is(await (await storage.open(existing)).text(), 'keep me');
    await rejectsWith(storage.completeMultipartUpload('forged/nowhere.bin', mine.uploadId), 'PRECONDITION_FAILED');
    await rejectsWith(
      storage.completeMultipartUpload(theirs.name, mine.uploadId),
      'NOT_FOUND',
      "onto another's reservation",
    );
    // A forged abort (their name, my upload id) aborts nothing and keeps their reservation.
    await storage.abortMultipartUpload(theirs.name, mine.uploadId);
    assert.equal((await reservations(admin, bucket, 'forged/')).sort(), [mine.name, theirs.name].sort());
    assert.is(
      (await storage.completeMultipartUpload(mine.name, mine.uploadId)).size,
      PART,
      'the real one still completes',
    );
    await storage.abortMultipartUpload(theirs.name, theirs.uploadId);
    assert.equal(await rawKeys(admin, bucket, 'forged/theirs'), []);
  });

  test('an expired part URL is refused', async () => {
    const upload = await storage.createMultipartUpload('late/file.bin', { size: 10, partSize: PART, expiresIn: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assert.is((await put(partUrl(upload, 1), randomBytes(10))).status, 403);
    await storage.abortMultipartUpload(upload.name, upload.uploadId);
  });

  test('a presigned PUT is bound to its Content-Type and length (S3 driver), UNSUPPORTED on MinIO', async () => {
    const options = { method: 'PUT', size: 100, contentType: 'text/plain', expiresIn: 300 } as const;
    if (driver === 'minio') {
      await rejectsWith(storage.createUploadUrl('put/note.txt', options), 'UNSUPPORTED');
      assert.equal(await rawKeys(admin, bucket, 'put/'), [], 'no reservation left');
      return;
    }
    const upload = await storage.createUploadUrl('put/note.txt', options);
    const taken = await storage.createUploadUrl('put/note.txt', options);
    assert.is(upload.method, 'PUT');
    assert.equal(upload.headers, { 'Content-Type': 'text/plain' });
    assert.match(taken.name, /^put\/note_[A-Za-z0-9]{7}\.txt$/);
    assert.is((await put(upload.url, randomBytes(100), { 'content-type': 'text/html' })).status, 403, 'another type');
    assert.is((await put(upload.url, randomBytes(101), upload.headers)).status, 403, 'another length');
    await rejectsWith(storage.confirmUpload(upload.name), 'NOT_FOUND', 'nothing arrived yet');
    const body = randomBytes(100);
    assert.is((await put(upload.url, body, upload.headers)).status, 200);
    const stat = await storage.confirmUpload(upload.name);
    assert.equal([stat.size, stat.contentType], [100, 'text/plain']);
    await rejectsWith(storage.createUploadUrl('put/x.txt', { method: 'PUT' }), 'INVALID_CONFIG', 'PUT without size');
  });

  test('bad requests are INVALID_CONFIG before any request', async () => {
    await rejectsWith(storage.createMultipartUpload('bad.bin', { size: 11, maxSize: 10 }), 'INVALID_CONFIG', 'size');
    await rejectsWith(storage.createMultipartUpload('bad.bin', { size: -1 }), 'INVALID_CONFIG', 'negative');
    await rejectsWith(storage.createMultipartUpload('bad.bin', { size: 10, partSize: MiB }), 'INVALID_CONFIG', 'part');
    await rejectsWith(storage.completeMultipartUpload('bad.bin', ''), 'INVALID_CONFIG', 'uploadId');
    await rejectsWith(storage.createMultipartUpload('../bad.bin', { size: 10 }), 'INVALID_NAME');
    assert.equal(await rawKeys(admin, bucket, 'bad'), []);
  });

  test('createMultipartUpload as the first call runs the consistency check on start', async () => {
    const fresh = randomBucket(`start-${driver}`);
    extraBuckets.push(fresh);
    const starting = make({ bucket: fresh, consistencyCheckOnStart: true });
    try {
      const upload = await starting.createMultipartUpload('first.bin', { size: 10 });
      assert.is((await put(partUrl(upload, 1), randomBytes(10))).status, 200);
      assert.is((await starting.completeMultipartUpload(upload.name, upload.uploadId)).size, 10);
    } finally {
      await starting.close();
    }
  });

  test.run();
}
