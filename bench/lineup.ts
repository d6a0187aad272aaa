/**
 * Every contender a run can measure: the storage layers of bench/contenders.ts, the
 * opendal peer (bench/opendal.ts) and the limits (bench/limits.ts).
 */
import { CONTENDERS, type Contender, type ContenderId } from './contenders.js';
import { LIMITS } from './limits.js';
import { OPENDAL, opendalMissing } from './opendal.js';

const missing = await opendalMissing();
if (missing) console.log(`bench: ${missing}`);

export const LINEUP: readonly Contender[] = [...CONTENDERS, ...(missing ? [] : [OPENDAL]), ...LIMITS];

export function lineupContender(id: ContenderId): Contender {
  const found = LINEUP.find((c) => c.id === id);
  if (!found) throw new Error(`no contender ${id}`);
  return found;
}
