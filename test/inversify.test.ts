/** `stowage/inversify`: the container module binds the configured storages as singletons. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Container } from 'inversify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejectsWith } from '../contracts/context.js';
import { FileSystemDriver } from '../drivers/fs/index.js';
import { createMemoryStorage, MemoryDriver } from '../drivers/memory/index.js';
import { STATIC_STORAGE, STORAGE, storageModule } from '../src/inversify.js';
import type { Storage } from '../src/storage.js';

const test = suite('inversify module');
const work = mkdtempSync(join(tmpdir(), 'stowage-di-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

test('from the environment: STORAGE_DRIVER=memory binds two singleton memory storages', async () => {
  const container = new Container();
  await container.loadAsync(storageModule({ env: { STORAGE_DRIVER: 'memory' } }));
  const storage = container.get(STORAGE);
  assert.instance(storage.driver, MemoryDriver);
  assert.is(container.get(STORAGE), storage, 'a singleton');
  assert.is(await container.getAsync(STORAGE), storage, 'getAsync gives the same instance');
  const statics = container.get(STATIC_STORAGE);
  assert.instance(statics.driver, MemoryDriver);
  assert.is.not(statics, storage, 'one storage per alias');
});

test('explicit options: an fs config and a ready Storage', async () => {
  const given = createMemoryStorage();
  const container = new Container();
  await container.loadAsync(
    storageModule({ storages: { default: { driver: 'fs', location: join(work, 'media') }, static: given } }),
  );
  const storage = container.get(STORAGE);
  assert.instance(storage.driver, FileSystemDriver);
  await storage.save('hello.txt', 'hi');
  assert.is(readFileSync(join(work, 'media/hello.txt'), 'utf8'), 'hi');
  assert.is(container.get(STATIC_STORAGE), given);
});

test('a class resolved by the container receives the storage (no decorators)', async () => {
  class Avatars {
    constructor(readonly storage: Storage) {}
    upload(user: string, bytes: Uint8Array) {
      return this.storage.save(`avatars/${user}.png`, bytes);
    }
  }
  const container = new Container();
  await container.loadAsync(storageModule({ env: { STORAGE_DRIVER: 'memory' }, aliases: ['default'] }));
  container.bind(Avatars).toResolvedValue((storage: Storage) => new Avatars(storage), [STORAGE]);
  const avatars = container.get(Avatars);
  assert.is(await avatars.upload('ada', new Uint8Array([1, 2])), 'avatars/ada.png');
  assert.not.ok(container.isBound(STATIC_STORAGE), 'aliases limits what is bound');
});

test('a test rebinds the token to a memory storage', async () => {
  const container = new Container();
  await container.loadAsync(
    storageModule({ env: { STORAGE_DRIVER: 'fs', STORAGE_FS_LOCATION: join(work, 'app') }, aliases: ['default'] }),
  );
  assert.instance(container.get(STORAGE).driver, FileSystemDriver);
  const memory = createMemoryStorage();
  container.rebind(STORAGE).toConstantValue(memory);
  assert.is(container.get(STORAGE), memory);
  await container.get(STORAGE).save('x.txt', 'in memory');
  assert.equal(memory.driver.files(), ['x.txt']);
});

test('a bad variable rejects loadAsync with INVALID_CONFIG naming it', async () => {
  const container = new Container();
  const error = await rejectsWith(
    container.loadAsync(storageModule({ env: { STORAGE_DRIVER: 'fs', STORAGE_FS_FILE_MODE: 'abc' } })),
    'INVALID_CONFIG',
  );
  assert.match(error.message, 'STORAGE_FS_FILE_MODE');
  assert.not.ok(container.isBound(STORAGE));
});

test('unloading the module closes the storages it created, not the ones handed in', async () => {
  const given = createMemoryStorage();
  const closed: string[] = [];
  given.close = async () => {
    closed.push('given');
  };
  const module = storageModule({ env: { STORAGE_DRIVER: 'memory' }, storages: { static: given } });
  const container = new Container();
  await container.loadAsync(module);
  const created = container.get(STORAGE);
  created.close = async () => {
    closed.push('created');
  };
  await container.unloadAsync(module);
  assert.equal(closed, ['created']);
  assert.not.ok(container.isBound(STORAGE));
});

test.run();
