/**
 * MinIO's gap table (MINIO_FEATURES in test/support/features.ts), which security.test.ts
 * uses and docs/servers.md shows beside the other servers', checked against the pinned
 * release by the probes every server's table is checked with.
 */
import { suite } from 'uvu';
import { MINIO_FEATURES } from './support/features.js';
import { gapTable } from './support/server-suites.js';
import { requireServerOrSkip } from './support/servers.js';

const server = await requireServerOrSkip('s3', 'minio gap table');
if (server?.kind === 'env') {
  const skipped = suite('MinIO: gap table');
  skipped.skip('STOWAGE_TEST_S3_ENDPOINT names a server that may not be the pinned MinIO release', () => {});
  skipped.run();
} else if (server) {
  gapTable({ server, on: 'MinIO', features: MINIO_FEATURES });
}
