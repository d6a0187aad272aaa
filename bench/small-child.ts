/**
 * The small-object section for one group of contenders, in a process of its own
 * (bench/small.ts `smallObjectsByGroup` starts it):
 * `node --import tsx bench/small-child.ts '<SmallGroup JSON>'`. It prints the results as
 * one JSON line on stdout and its progress lines on stderr.
 */
import type { ContenderId, Target } from './contenders.js';
import { withControls } from './contenders.js';
import { lineupContender } from './lineup.js';
import { type SmallOptions, smallObjects } from './small.js';

export interface SmallGroup {
  target: Target;
  /** The contenders of the group, without the A/A controls (added after their raw SDK). */
  contenders: ContenderId[];
  options: Omit<SmallOptions, 'log'>;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as SmallGroup;
const results = await smallObjects(spec.target, withControls(spec.contenders.map(lineupContender)), {
  ...spec.options,
  log: (line) => console.error(line),
});
console.log(JSON.stringify(results));
