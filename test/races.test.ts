/**
 * Races on every driver (memory, fs, minio and s3 on a real MinIO): the scenarios of
 * test/support/race-suite.ts.
 */
import { raceSuite, reportFigures } from './support/race-suite.js';
import { requireServerOrSkip } from './support/servers.js';
import { targets } from './support/targets.js';

const figures: string[] = [];
const server = await requireServerOrSkip('s3', 'races (minio and s3; memory and fs run anyway)');

for (const factory of targets(server, 'races')) raceSuite(factory, figures);
reportFigures('races', figures);
