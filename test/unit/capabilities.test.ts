/**
 * Capabilities are the one source of truth: the facade dispatches on the declared flags,
 * never on whether a driver happens to have a method, and refuses a driver that
 * declares a capability without the methods it needs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { recordingDriver } from '../../contracts/context.js';
import { rejectsUnsupported } from '../../contracts/index.js';
import { MemoryDriver } from '../../drivers/memory/index.js';
import { CAPABILITY_METHODS, CAPABILITY_NAMES, type Capabilities, type Driver } from '../../src/driver.js';
import { isStorageError } from '../../src/errors.js';
import { Storage } from '../../src/storage.js';

const test = suite('capabilities');

/** A memory driver with chosen capabilities and methods, recording what the facade calls. */
function driverWith(capabilities: Partial<Capabilities>, methods: Partial<Driver> = {}) {
  return recordingDriver(new MemoryDriver(), { capabilities, methods });
}

test('every capability is listed, and the methods each needs are driver methods', () => {
  const memory = new MemoryDriver();
  assert.equal(Object.keys(memory.capabilities).sort(), [...CAPABILITY_NAMES].sort());
  for (const methods of Object.values(CAPABILITY_METHODS)) assert.ok(methods.length > 0);
});

test('a driver declaring a capability without its methods is refused when the storage is built', () => {
  for (const [capability, methods] of Object.entries(CAPABILITY_METHODS)) {
    const stripped = Object.fromEntries(methods.map((method) => [method, undefined]));
    const { driver } = driverWith({ [capability]: true }, stripped as Partial<Driver>);
    try {
      new Storage({ driver });
      assert.unreachable(`${capability} without ${methods.join(', ')}`);
    } catch (error) {
      assert.ok(isStorageError(error, 'INVALID_CONFIG'), String(error));
      assert.match(error.message, capability);
      assert.match(error.message, methods[0] as string);
    }
  }
});

test('a method the driver has is not called when its capability is not declared', async () => {
  const probe = async () => ({ available: false, latencyMs: 1, details: 'should not be asked' });
  const { driver, calls } = driverWith({ healthCheck: false, serverSideCopy: false }, { isAvailable: probe });
  const storage = new Storage({ driver });
  const status = await storage.isAvailable();
  assert.is(status.available, true, 'answered locally');
  assert.not.ok(calls.includes('isAvailable'));
  await rejectsUnsupported(storage.isAvailable({ probe: true }), storage, 'isAvailable', 'healthCheck');

  await storage.save('a.txt', 'streamed');
  assert.is(await storage.copy('a.txt', 'b.txt'), 'b.txt');
  assert.is(await storage.move('b.txt', 'c.txt'), 'c.txt');
  assert.is(await (await storage.open('c.txt')).text(), 'streamed');
  assert.not.ok(calls.includes('copy') || calls.includes('move'), `no server-side call: ${calls.join(', ')}`);
  await rejectsUnsupported(storage.copy('a.txt', 'd.txt', { serverSide: true }), storage, 'copy', 'serverSideCopy');
  await rejectsUnsupported(storage.move('a.txt', 'd.txt', { serverSide: true }), storage, 'move', 'serverSideCopy');
  assert.is(await storage.exists('d.txt'), false);
});

test('a declared capability is dispatched to the driver', async () => {
  const probe = async () => ({ available: false, latencyMs: 1, details: 'asked' });
  const { driver, calls } = driverWith({ healthCheck: true }, { isAvailable: probe });
  const storage = new Storage({ driver });
  assert.is((await storage.isAvailable()).details, 'asked');
  await storage.save('a.txt', 'x');
  await storage.copy('a.txt', 'b.txt', { serverSide: true });
  assert.ok(calls.includes('isAvailable') && calls.includes('copy'), calls.join(', '));
  await rejectsUnsupported(
    new Storage({ driver: new MemoryDriver() }).initializeBuckets(),
    storage,
    'initializeBuckets',
  );
});

test.run();
