/** The facade on its own: capability checks, error context, content handling. */
import { inspect } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../../contracts/context.js';
import { MemoryDriver } from '../../drivers/memory/index.js';
import { guessContentType } from '../../src/content.js';
import type { Capabilities, Driver } from '../../src/driver.js';
import { isStorageError, StorageError } from '../../src/errors.js';
import { isoDatePrefix } from '../../src/iso-date.js';
import { Storage } from '../../src/storage.js';

const test = suite('storage facade');

/** A memory driver with chosen capabilities that records which methods were called. */
function recordingDriver(capabilities: Partial<Capabilities> = {}) {
  const inner = new MemoryDriver();
  const calls: string[] = [];
  const driver = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'capabilities') return { ...target.capabilities, ...capabilities };
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  }) as Driver;
  return { driver, calls };
}

test('an operation outside the capabilities is refused with UNSUPPORTED before the driver runs', async () => {
  const { driver, calls } = recordingDriver({ rangeRead: false, presign: false, publicUrl: false, metadata: false });
  const storage = new Storage({ driver });
  await rejectsWith(storage.open('x', { range: { start: 0 } }), 'UNSUPPORTED', 'range');
  await rejectsWith(storage.url('x'), 'UNSUPPORTED', 'url');
  await rejectsWith(storage.url('x', { expiresIn: 60 }), 'UNSUPPORTED', 'presign');
  await rejectsWith(storage.createUploadUrl('x'), 'UNSUPPORTED', 'upload url');
  await rejectsWith(storage.save('x', 'y', { metadata: { a: 'b' } }), 'UNSUPPORTED', 'metadata');
  assert.equal(calls, []);
});

test('errors carry the operation, the name, and a retryable flag', async () => {
  const storage = new Storage({ driver: new MemoryDriver() });
  const error = (await rejectsWith(storage.open('missing/file.txt'), 'NOT_FOUND')) as StorageError;
  assert.is(error.operation, 'open');
  assert.is(error.objectName, 'missing/file.txt');
  assert.is(error.retryable, false);
  assert.is(new StorageError('UNAVAILABLE', 'down').retryable, true);
  const json = JSON.parse(JSON.stringify(error));
  assert.is(json.code, 'NOT_FOUND');
  assert.is(json.cause, undefined, 'JSON leaves out the cause, which may hold request details');
});

test('exists() rethrows anything but NOT_FOUND instead of reading it as absent', async () => {
  const driver = new MemoryDriver();
  driver.stat = async () => {
    throw new StorageError('UNAVAILABLE', 'the server is down');
  };
  const storage = new Storage({ driver });
  await rejectsWith(storage.exists('x'), 'UNAVAILABLE', 'exists');
});

test('an unmapped driver error becomes UNEXPECTED with its cause', async () => {
  const driver = new MemoryDriver();
  const cause = new TypeError('boom');
  driver.delete = async () => {
    throw cause;
  };
  const error = (await rejectsWith(new Storage({ driver }).delete('x'), 'UNEXPECTED')) as StorageError;
  assert.is(error.cause, cause);
  assert.is(error.operation, 'delete');
});

test('content that is not bytes, text, a Blob or a stream is UNSUPPORTED', async () => {
  const storage = new Storage({ driver: new MemoryDriver() });
  await rejectsWith(storage.save('x', 42 as never), 'UNSUPPORTED', 'number');
  await rejectsWith(storage.save('x', { not: 'content' } as never), 'UNSUPPORTED', 'object');
  await rejectsWith(storage.save('x', 'y', { metadata: { 'bad key': 'v' } }), 'INVALID_CONFIG', 'metadata key');
  await rejectsWith(storage.save('x', 'y', { metadata: { k: 'ünïcode' } }), 'INVALID_CONFIG', 'metadata value');
  await rejectsWith(
    storage.save('x', 'y', { contentType: 'text/plain\r\nX: y' }),
    'INVALID_CONFIG',
    'header injection',
  );
  assert.is(await storage.exists('x'), false);
});

test('guessContentType looks at the extension only', () => {
  assert.is(guessContentType('a/b.txt'), 'text/plain');
  assert.is(guessContentType('photos/x.JPG'), 'image/jpeg');
  assert.is(guessContentType('archive.tar.gz'), 'application/gzip');
  assert.is(guessContentType('text/plain'), 'application/octet-stream');
  assert.is(guessContentType('.bashrc'), 'application/octet-stream');
  assert.is(guessContentType('noext'), 'application/octet-stream');
  // Extensions that are names of Object.prototype: the table holds no inherited keys.
  assert.is(guessContentType('a.constructor'), 'application/octet-stream');
  assert.is(guessContentType('a.__proto__'), 'application/octet-stream');
  assert.is(guessContentType('dir.d/readme'), 'application/octet-stream');
});

test('isoDatePrefix uses the UTC date', () => {
  assert.is(isoDatePrefix('a.txt', new Date('2024-02-29T23:59:59-05:00')), '2024-03-01/a.txt');
  assert.match(isoDatePrefix('b.txt'), /^\d{4}-\d{2}-\d{2}\/b\.txt$/);
});

test('inspect and JSON of a storage describe it without internals', () => {
  const storage = new Storage({ driver: new MemoryDriver({ baseUrl: 'http://x/' }) });
  assert.match(inspect(storage), 'memory');
  assert.equal(storage.toJSON(), { driver: 'memory', replaceExisting: false });
  assert.ok(isStorageError(new StorageError('NOT_FOUND', 'x'), 'NOT_FOUND'));
  assert.not.ok(isStorageError(new Error('x')));
});

test.run();
