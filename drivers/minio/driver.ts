/**
 * The MinIO driver: django-minio-backend's MinioBackend on the minio SDK (v8), as the
 * object-store core (src/object-store/) over a minio-js transport (transport.ts).
 * Traffic goes to the internal endpoint; every URL is built or signed, offline, for the
 * external one.
 */
import { inspect } from 'node:util';
import type { Client } from 'minio';
import { ObjectStoreDriver } from '../../src/object-store/driver.js';
import { failoverTransport } from '../../src/object-store/failover.js';
import { createClients } from './client.js';
import { type MinioConfig, resolveConfig } from './config.js';
import type { MinioOptions } from './options.js';
import { MinioTransport } from './transport.js';

/** Buckets already warned about as neither public nor private, so the warning shows once. */
const warnedUnlisted = new Set<string>();

export class MinioDriver extends ObjectStoreDriver {
  readonly #config: MinioConfig;
  readonly #client: Client;

  /** Checks the options (INVALID_CONFIG for anything wrong or unknown); makes no request. */
  constructor(options: MinioOptions) {
    const config = resolveConfig(options);
    const { client, signer } = createClients(options, config);
    const transports = config.endpoints.map(
      (endpoint, i) =>
        new MinioTransport({
          client: i === 0 ? client : createClients(options, { ...config, endpoint }).client,
          signer,
          endpoint,
          region: config.region,
          agent: options.httpAgent,
        }),
    );
    super(failoverTransport(transports), config);
    this.#config = config;
    this.#client = client;
    if (config.plan.unlisted.includes(config.bucket) && !warnedUnlisted.has(config.bucket)) {
      warnedUnlisted.add(config.bucket);
      process.emitWarning(
        `Bucket ${config.bucket} is in neither publicBuckets nor privateBuckets (MINIO_PUBLIC_BUCKETS, MINIO_PRIVATE_BUCKETS); it is treated as private.`,
        { code: 'STOWAGE_UNLISTED_BUCKET' },
      );
    }
  }

  /**
   * The minio-js client this driver sends requests with, for what stowage does not do
   * itself. (A getter, so that it stays out of the driver's own properties.)
   */
  get client(): Client {
    return this.#client;
  }

  toJSON(): Record<string, unknown> {
    const { endpoint, external, region, bucket, keyPrefix } = this.#config;
    return {
      driver: this.name,
      endpoint: `${endpoint.host}:${endpoint.port}`,
      useHttps: endpoint.useSSL,
      externalEndpoint: `${external.origin}${external.pathPrefix}`,
      region,
      bucket,
      location: keyPrefix === '' ? undefined : keyPrefix.slice(0, -1),
      public: this.capabilities.publicUrl,
    };
  }

  [inspect.custom](): string {
    return `MinioDriver ${inspect(this.toJSON())}`;
  }
}
