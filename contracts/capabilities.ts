/**
 * Contract: capabilities in both directions. A capability the driver declares works
 * (serverSideCopy, healthCheck and bucketManagement here; the URL, range and metadata
 * ones in their operation's module); and, because the facade dispatches on the declared
 * flags alone, the same driver with any one of them withdrawn has that operation refused
 * with UNSUPPORTED naming the driver and the operation, before the driver is called.
 * `hierarchical` is a behaviour rather than an operation: both of its sides are checked
 * on the file/directory clash.
 */
import * as assert from 'uvu/assert';
import type { Capabilities } from '../src/driver.js';
import { isStorageError } from '../src/errors.js';
import { Storage } from '../src/storage.js';
import { type ContractSetup, contractSuite, readAll, recordingDriver, rejectsWith } from './context.js';

/** How each operation-gating capability is refused once withdrawn: the flags to clear and the call to try. */
const REFUSALS: Record<
  Exclude<keyof Capabilities, 'conditionalCreate' | 'hierarchical'>,
  { withdraw: (keyof Capabilities)[]; operation: string; call: (storage: Storage, name: string) => Promise<unknown> }
> = {
  publicUrl: { withdraw: ['publicUrl', 'presign'], operation: 'url', call: (s, name) => s.url(name) },
  presign: { withdraw: ['presign'], operation: 'url', call: (s, name) => s.url(name, { expiresIn: 60 }) },
  uploadUrl: { withdraw: ['uploadUrl'], operation: 'createUploadUrl', call: (s, name) => s.createUploadUrl(name) },
  rangeRead: {
    withdraw: ['rangeRead'],
    operation: 'open',
    call: (s, name) => s.open(name, { range: { start: 0, end: 1 } }),
  },
  metadata: {
    withdraw: ['metadata'],
    operation: 'save',
    call: (s, name) => s.save(`${name}.meta`, 'm', { metadata: { a: 'b' } }),
  },
  serverSideCopy: {
    withdraw: ['serverSideCopy'],
    operation: 'copy',
    call: (s, name) => s.copy(name, `${name}.copy`, { serverSide: true }),
  },
  bucketManagement: {
    withdraw: ['bucketManagement'],
    operation: 'initializeBuckets',
    call: (s) => s.initializeBuckets(),
  },
  healthCheck: { withdraw: ['healthCheck'], operation: 'isAvailable', call: (s) => s.isAvailable({ probe: true }) },
};

export function capabilityContract(setup: ContractSetup): void {
  const test = contractSuite(setup, 'capabilities');

  test('serverSideCopy: copy and move inside the backend, or UNSUPPORTED when insisted on', async ({
    storage,
    capabilities,
  }) => {
    const source = await storage.save('caps/copy-source.txt', 'copied inside');
    if (!capabilities.serverSideCopy) {
      await rejectsUnsupported(storage.copy(source, 'caps/copied.txt', { serverSide: true }), storage, 'copy');
      await rejectsUnsupported(storage.move(source, 'caps/moved.txt', { serverSide: true }), storage, 'move');
      assert.is(await storage.exists('caps/copied.txt'), false, 'nothing copied');
      assert.is((await readAll(storage, source)).toString(), 'copied inside', 'the source is untouched');
      return;
    }
    const copied = await storage.copy(source, 'caps/copied.txt', { serverSide: true });
    assert.is((await readAll(storage, copied)).toString(), 'copied inside');
    const moved = await storage.move(copied, 'caps/moved.txt', { serverSide: true });
    assert.is((await readAll(storage, moved)).toString(), 'copied inside');
    assert.is(await storage.exists(copied), false, 'move leaves no source');
  });

  test('healthCheck: isAvailable asks the backend, or answers locally and refuses probe', async ({
    storage,
    capabilities,
  }) => {
    const status = await storage.isAvailable();
    assert.is(status.available, true, status.details);
    assert.type(status.latencyMs, 'number');
    if (!capabilities.healthCheck) {
      await rejectsUnsupported(storage.isAvailable({ probe: true }), storage, 'isAvailable');
      return;
    }
    assert.is((await storage.isAvailable({ probe: true })).available, true);
  });

  test('bucketManagement: initializeBuckets is idempotent, or UNSUPPORTED', async ({ storage, capabilities }) => {
    if (!capabilities.bucketManagement) {
      await rejectsUnsupported(storage.initializeBuckets(), storage, 'initializeBuckets');
      return;
    }
    const first = await storage.initializeBuckets();
    for (const list of [first.created, first.policySet, first.policyRemoved, first.unchanged, first.rules]) {
      assert.ok(Array.isArray(list));
    }
    const again = await storage.initializeBuckets();
    assert.equal([again.created, again.policySet, again.policyRemoved], [[], [], []], 'a second run changes nothing');
    assert.equal(
      again.rules.filter((rule) => rule.status === 'set'),
      [],
      'a second run writes no bucket rule again',
    );
    assert.equal(
      again.rules.map(({ bucket, kind, status }) => [bucket, kind, status]),
      first.rules.map(({ bucket, kind, status }) => [bucket, kind, status === 'set' ? 'unchanged' : status]),
      'and reports each rule as the first run left it',
    );
    const name = await storage.save('caps/after-init.txt', 'still works');
    assert.is((await readAll(storage, name)).toString(), 'still works');
  });

  test('each declared capability, once withdrawn, is refused before the driver is called', async ({ storage }) => {
    const name = await storage.save('caps/withdrawn.txt', 'kept');
    for (const [capability, refusal] of Object.entries(REFUSALS)) {
      if (!storage.capabilities[capability as keyof Capabilities]) continue;
      const withdrawn = Object.fromEntries(refusal.withdraw.map((flag) => [flag, false]));
      const { driver, calls } = recordingDriver(storage.driver, { capabilities: withdrawn });
      const restricted = new Storage({ driver });
      await rejectsUnsupported(refusal.call(restricted, name), restricted, refusal.operation, capability);
      assert.equal(calls, [], `${capability}: the driver was not called`);
    }
    assert.is((await readAll(storage, name)).toString(), 'kept');
  });

  test.run();
}

/** Asserts an UNSUPPORTED rejection whose message names the driver, the operation and (if given) the capability. */
export async function rejectsUnsupported(
  promise: Promise<unknown>,
  storage: Storage,
  operation: string,
  capability?: string,
): Promise<void> {
  const error = await rejectsWith(promise, 'UNSUPPORTED', `${operation}${capability ? ` (${capability})` : ''}`);
  assert.ok(isStorageError(error));
  assert.match(error.message, storage.driver.name, `the message names the driver: ${error.message}`);
  assert.match(error.message, operation, `the message names the operation: ${error.message}`);
  if (capability) assert.match(error.message, capability, `the message names the capability: ${error.message}`);
  assert.is(error.operation, operation);
}
