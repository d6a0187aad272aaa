/**
 * Both object-store drivers on versitygw v1.8.0 (its posix backend on a temporary
 * directory): the gap table, then the contract, security and race suites
 * (test/support/server-suites.ts), the cases needing what the table says is missing
 * registered as skipped.
 */
import type { ServerFeatures } from './support/features.js';
import { requireGatewayOrSkip } from './support/gateways.js';
import { serverSuites } from './support/server-suites.js';

/** versitygw v1.8.0, posix backend, as the probes of test/support/features.ts measured it. */
const VERSITYGW_FEATURES: ServerFeatures = {
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
  // PutBucketLifecycleConfiguration: 501 NotImplemented.
  lifecycle: false,
  abortIncompleteUploads: false,
  // The posix backend keeps the file system's tree: `a/b` under an object `a` is 409 ObjectParentIsFile.
  flatKeys: false,
  // ... and `a` while `a/b` is stored is 409 ExistingObjectIsDirectory (it takes another name).
  prefixNamesFree: false,
  emptyPrefixesVanish: true,
  backslashKeys: true,
};

const server = await requireGatewayOrSkip('versitygw', 'versitygw');
if (server) serverSuites({ server, on: 'versitygw', features: VERSITYGW_FEATURES });
