/**
 * The upload core under stowage/multer and stowage/fastify (src/uploads.ts), on the
 * edges the framework tests cannot time: a part that fails before the driver has
 * started reading it.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { isStorageError } from '../src/errors.js';
import { storeUpload } from '../src/uploads.js';
import { filesUnder } from './support/multipart.js';

const test = suite('upload core');

test('a part that fails at once: the failure is the rejection, nothing is stored, nothing escapes', async () => {
  const location = await mkdtemp(join(tmpdir(), 'stowage-uploads-'));
  const escaped: unknown[] = [];
  const onUncaught = (error: unknown) => escaped.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    const storage = createFileSystemStorage({ location });
    for (let i = 0; i < 20; i++) {
      const stream = new PassThrough();
      const request = Object.assign(new EventEmitter(), { complete: false }) as unknown as IncomingMessage;
      const stored = storeUpload(storage, { stream, filename: `f${i}.bin`, request }, { frameworkRequest: request });
      // Fails before the fs driver has created its temporary file and attached to the body.
      process.nextTick(() => stream.destroy(new Error('Request aborted')));
      const error = await stored.then(
        () => undefined,
        (failure: unknown) => failure,
      );
      assert.ok(isStorageError(error, 'UNEXPECTED'), String(error));
      assert.match((error as Error).message, 'nothing was stored');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(escaped, []);
    assert.equal(await filesUnder(location), []);
  } finally {
    process.off('uncaughtException', onUncaught);
    await rm(location, { recursive: true, force: true });
  }
});

test.run();
