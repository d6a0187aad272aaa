/**
 * stowage's bucket rules (CORS for browser uploads, the abort of incomplete multipart
 * uploads) through `initializeBuckets` on MinIO and on moto, for both drivers
 * (test/support/bucket-rules-suite.ts; SeaweedFS and versitygw run the same suite from
 * their own files). Without a server: a loud skip; with CI=true, a failure.
 */
import { bucketRulesSuite, type RuleSupport, ruleSupport } from './support/bucket-rules-suite.js';
import { MINIO_FEATURES } from './support/features.js';
import { requireServerOrSkip } from './support/servers.js';

/**
 * moto 5.2.1, measured: it stores CORS rules and lifecycle rules (the abort of incomplete
 * uploads included) and reads them back, but answers every preflight 403, whatever the
 * bucket's rules (moto/s3/responses.py), so no browser could use its CORS.
 */
const MOTO_RULES: RuleSupport = {
  corsRules: true,
  corsPreflight: false,
  lifecycle: true,
  abortIncompleteUploads: true,
};

// Both servers before any suite is queued (test/support/uvu-file.ts says why).
const minio = await requireServerOrSkip('s3', 'bucket rules on minio');
const moto = await requireServerOrSkip('moto', 'bucket rules on moto');
if (minio) bucketRulesSuite(minio.kind === 'env' ? 'the S3 server' : 'MinIO', minio, ruleSupport(MINIO_FEATURES));
if (moto) bucketRulesSuite('moto', moto, MOTO_RULES);
