/**
 * The security suite (test/support/security-suite.ts) for both object-store drivers on a
 * real MinIO: who may do what without credentials or with the URLs stowage hands out.
 */
import { MINIO_FEATURES } from './support/features.js';
import { newTally, reportSecurity, securitySuite } from './support/security-suite.js';
import { requireServerOrSkip } from './support/servers.js';

const tally = newTally();
const server = await requireServerOrSkip('s3', 'security');

if (server) {
  for (const kind of ['minio', 's3'] as const)
    securitySuite(kind, server, { on: 'MinIO', features: MINIO_FEATURES, tally });
  reportSecurity('security', tally);
}
