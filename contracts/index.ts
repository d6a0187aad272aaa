/**
 * `stowage/contracts`: the contract suite every driver passes, as uvu suites.
 *
 *   storageContract('my-driver', async ({ replaceExisting }) => ({
 *     storage: new Storage({ driver: new MyDriver(), replaceExisting }),
 *     cleanup: async () => { ... },
 *   }));
 *
 * Optional behaviour is checked from the driver's capabilities: a capability it
 * declares is tested, one it leaves out must be refused with UNSUPPORTED.
 * `capabilities` overrides what the backend under test really supports when it
 * differs from what the driver declares (e.g. a server without conditional writes).
 */
import type { Capabilities } from '../src/driver.js';
import { capabilityContract } from './capabilities.js';
import type { ContractFactory } from './context.js';
import { copyContract } from './copy.js';
import { hierarchyContract } from './hierarchy.js';
import { listContract } from './list.js';
import { namesContract } from './names.js';
import { openContract } from './open.js';
import { saveContract } from './save.js';
import { urlContract } from './urls.js';

export { rejectsUnsupported } from './capabilities.js';
export type { ContractFactory, ContractState, ContractTarget } from './context.js';
export { failingStream, generatedStream, hashStream } from './context.js';
export type { NameOutcome } from './names.js';
export { AWKWARD_NAMES, checkHostileName, HOSTILE_NAME_GROUPS, HOSTILE_NAMES, UNSAFE_NAMES } from './names.js';
export type { StorageServer } from './serve.js';
export { startStorageServer } from './serve.js';

/**
 * Registers and runs the whole contract suite against storages built by `factory`.
 * `skips` registers cases as skipped, by title, each with why: for a backend that does
 * not honour what they check (a server's gap table), never to loosen them.
 */
export function storageContract(
  name: string,
  factory: ContractFactory,
  capabilities: Partial<Capabilities> = {},
  skips: Readonly<Record<string, string>> = {},
): void {
  const setup = { name, factory, overrides: capabilities, skips };
  saveContract(setup);
  openContract(setup);
  namesContract(setup);
  listContract(setup);
  copyContract(setup);
  urlContract(setup);
  capabilityContract(setup);
  hierarchyContract(setup);
}
