/**
 * Every contender a run can measure: the storage layers of bench/contenders.ts, the
 * opendal peer (bench/opendal.ts) and the limits (bench/limits.ts).
 */
import { CONTENDERS, type Contender, type ContenderId } from './contenders.js';
import { LIMITS } from './limits.js';
import { OPENDAL } from './opendal.js';

export const LINEUP: readonly Contender[] = [...CONTENDERS, OPENDAL, ...LIMITS];

export function lineupContender(id: ContenderId): Contender {
  const found = LINEUP.find((c) => c.id === id);
  if (!found) throw new Error(`no contender ${id}`);
  return found;
}
