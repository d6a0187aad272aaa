/**
 * Everything that runs on an S3 server other than the single MinIO process, for both
 * object-store drivers: the server's gap table checked against the probes, the contract
 * suite, the security suite, the races and stowage's bucket rules. A server's test file
 * declares its table and calls `serverSuites()`; nothing is retyped per server.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { storageContract } from '../../contracts/index.js';
import { createMinioStorage } from '../../drivers/minio/index.js';
import { createS3Storage } from '../../drivers/s3/index.js';
import type { Storage } from '../../src/storage.js';
import { bucketRulesSuite, ruleSupport } from './bucket-rules-suite.js';
import { contractOverrides, contractSkips, probeFeatures, type ServerFeatures } from './features.js';
import { adminClient, minioConnection, randomBucket, removeBucket, s3Connection } from './object-stores.js';
import { raceSuite, reportFigures } from './race-suite.js';
import { newTally, reportSecurity, securitySuite } from './security-suite.js';
import type { S3ServerInfo } from './servers.js';
import { serverTargets } from './targets.js';

export interface ServerUnderTest {
  server: S3ServerInfo;
  /** The server's name in the suites' names, e.g. `seaweedfs`. */
  on: string;
  /** Its gap table: what it honours, as measured. */
  features: ServerFeatures;
}

/** Registers and runs every suite on `subject`'s server. */
export function serverSuites(subject: ServerUnderTest): void {
  gapTable(subject);
  for (const driver of ['minio', 's3'] as const) {
    storageContract(
      `${driver} on ${subject.on}`,
      contractFactory(driver, subject),
      contractOverrides(subject.features),
      contractSkips(subject.features),
    );
  }
  const tally = newTally();
  for (const kind of ['minio', 's3'] as const) securitySuite(kind, subject.server, { ...subject, tally });
  reportSecurity(`security on ${subject.on}`, tally);
  const figures: string[] = [];
  for (const factory of serverTargets(subject.server, 'races', subject.on)) raceSuite(factory, figures);
  reportFigures(`races on ${subject.on}`, figures);
  bucketRulesSuite(subject.on, subject.server, ruleSupport(subject.features));
}

/** The one test that keeps the table honest: it is exactly what the probes measure on the server. */
export function gapTable({ server, on, features }: ServerUnderTest): void {
  const test = suite(`${on}: gap table`);
  test('the declared gap table is what the server does, probe by probe', async () => {
    const measured = await probeFeatures(server);
    const differing = Object.keys(features).filter(
      (feature) => measured.features[feature as keyof ServerFeatures] !== features[feature as keyof ServerFeatures],
    );
    const details = differing.map(
      (feature) =>
        `${feature}: declared ${features[feature as keyof ServerFeatures]}, measured ${measured.features[feature as keyof ServerFeatures]} (${measured.why[feature as keyof ServerFeatures] ?? 'honoured'})`,
    );
    assert.equal(differing, [], `the gap table differs from the server: ${details.join('; ')}`);
    console.log(`[servers] ${on}: ${JSON.stringify(measured)}`);
  });
  test.run();
}

function contractFactory(driver: 'minio' | 's3', { server, features }: ServerUnderTest) {
  return async ({ replaceExisting }: { replaceExisting: boolean }) => {
    const bucket = randomBucket(`contract-${driver}`);
    const options = { bucket, privateBuckets: [bucket], replaceExisting };
    const storage: Storage =
      driver === 'minio'
        ? createMinioStorage({ ...minioConnection(server), ...options })
        : createS3Storage({ ...s3Connection(server), ...options });
    await storage.initializeBuckets();
    return {
      storage,
      servesUrls: true,
      honoursDownload: features.responseOverrides,
      cleanup: async () => {
        await storage.close();
        await removeBucket(adminClient(server), bucket);
      },
    };
  };
}
