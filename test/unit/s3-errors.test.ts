/**
 * The shared S3 error rules (src/s3-errors.ts): both object-store drivers map every S3
 * code, status and network code the same way, and messages are scrubbed the same way.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mapMinioError, s3Error } from '../../drivers/minio/errors.js';
import { mapS3Error } from '../../drivers/s3/errors.js';
import { NETWORK_ERROR_RULES, S3_ERROR_RULES, scrub } from '../../src/s3-errors.js';

const test = suite('shared S3 error rules');
const where = { endpoint: '127.0.0.1:9000', bucket: 'media', name: 'a.txt', secrets: ['top-secret-key'] };

/** Codes whose SDK error names mean something else to the AWS SDK (its own hints). */
const SDK_SPECIFIC = new Set(['NotImplemented']);

test('every S3 code becomes the same StorageError code and retryability in both drivers', () => {
  for (const [code, rule] of Object.entries(S3_ERROR_RULES)) {
    const minio = mapMinioError(s3Error(code, 'scripted', 400), where);
    const s3 = mapS3Error({ name: code, Code: code, message: 'scripted', $metadata: { httpStatusCode: 400 } }, where);
    assert.is(minio.code, rule.code, `minio ${code}`);
    assert.is(s3.code, rule.code, `s3 ${code}`);
    assert.is(minio.retryable, s3.retryable, `retryable ${code}`);
    if (!SDK_SPECIFIC.has(code))
      assert.ok(minio.message.endsWith(s3.message.slice(3)), `${minio.message} / ${s3.message}`);
  }
});

test('statuses without a code, and network codes, map alike', () => {
  for (const status of [401, 403, 404, 408, 412, 416, 429, 500, 502, 503, 504]) {
    const minio = mapMinioError(Object.assign(new Error('x'), { status }), where);
    const s3 = mapS3Error({ name: 'Unknown', $metadata: { httpStatusCode: status } }, where);
    assert.is(minio.code, s3.code, `status ${status}`);
    assert.is(minio.retryable, s3.retryable, `status ${status} retryable`);
  }
  for (const code of Object.keys(NETWORK_ERROR_RULES)) {
    const minio = mapMinioError(Object.assign(new Error('net'), { code }), where);
    const s3 = mapS3Error(Object.assign(new Error('net'), { code, $metadata: {} }), where);
    assert.is(minio.code, s3.code, code);
    assert.is(minio.retryable, s3.retryable, `${code} retryable`);
    assert.ok(minio.message.includes(where.endpoint) && s3.message.includes(where.endpoint), code);
  }
  const hangUp = mapS3Error(new Error('socket hang up'), where);
  assert.is(hangUp.code, 'UNAVAILABLE');
  assert.ok(hangUp.retryable);
});

test('scrub removes secrets, signatures, credentials and query strings', () => {
  const text = scrub(
    `GET http://h:9000/b/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA fails; Signature=dead top-secret-key ${'ab'.repeat(32)}`,
    ['top-secret-key'],
  );
  assert.not.match(text, /abc|dead|AKIA|top-secret-key|abab/);
  assert.ok(text.includes('http://h:9000/b/k'), text);
});

test.run();
