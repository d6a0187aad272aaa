/**
 * Both object-store drivers on SeaweedFS 4.53 (`weed server`: master, volume server,
 * filer and S3 gateway on a temporary directory): the gap table, then the contract, security and race suites
 * (test/support/server-suites.ts), the cases needing what the table says is missing
 * registered as skipped.
 */
import type { ServerFeatures } from './support/features.js';
import { requireGatewayOrSkip } from './support/gateways.js';
import { serverSuites } from './support/server-suites.js';

/** SeaweedFS 4.53 (commit 7506e5f91cd6), as the probes of test/support/features.ts measured it. */
const SEAWEEDFS_FEATURES: ServerFeatures = {
  conditionalCreate: true,
  ifMatchOnComplete: true,
  postPolicy: true,
  postPolicyConditions: true,
  bucketPolicies: true,
  policyActions: true,
  signatures: true,
  presignedExpiry: true,
  responseOverrides: true,
  cors: true,
  lifecycle: true,
  abortIncompleteUploads: true,
  flatKeys: true,
  // The filer keeps a directory entry for every prefix: If-None-Match on `p` while `p/child`
  // is stored answers 412 (the save takes another name), and an emptied prefix stays listed.
  prefixNamesFree: false,
  emptyPrefixesVanish: false,
  // A key with a backslash is stored but not listed under its name.
  backslashKeys: false,
};

const server = await requireGatewayOrSkip('seaweedfs', 'seaweedfs');
if (server) serverSuites({ server, on: 'seaweedfs', features: SEAWEEDFS_FEATURES });
