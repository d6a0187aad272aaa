/**
 * The S3 driver: the object-store core (src/object-store/) over an @aws-sdk/client-s3
 * transport (transport.ts), for AWS and the S3-compatible servers (MinIO, Ceph RGW,
 * SeaweedFS, Garage, R2, ...).
 */
import { inspect } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { ObjectStoreDriver } from '../../src/object-store/driver.js';
import { failoverTransport } from '../../src/object-store/failover.js';
import { presignClient, resolveSettings, type S3Settings, trafficClient } from './client.js';
import type { S3Options } from './options.js';
import { S3Transport } from './transport.js';

export class S3Driver extends ObjectStoreDriver {
  readonly #s3: S3Settings;
  readonly #client: S3Client;
  readonly #presigner: S3Client;

  /** Checks the options (INVALID_CONFIG for anything wrong or unknown); makes no request. */
  constructor(options: S3Options) {
    const settings = resolveSettings(options);
    const client = trafficClient(options, settings);
    const presigner = presignClient(options, settings, client);
    const transport = new S3Transport({
      client,
      presigner,
      endpoint: settings.endpoint ?? 'AWS S3',
      ownsClient: options.client === undefined,
      expectContinue: options.client !== undefined,
    });
    const others = settings.endpoints.map(
      (endpoint) =>
        new S3Transport({
          client: trafficClient(options, settings, endpoint),
          presigner,
          endpoint,
          ownsClient: true,
          expectContinue: false,
        }),
    );
    super(failoverTransport([transport, ...others]), settings);
    this.#s3 = settings;
    this.#client = client;
    this.#presigner = presigner;
  }

  /** The SDK client this driver sends requests with (stowage retries around it). */
  get client(): S3Client {
    return this.#client;
  }

  /**
   * The offline client URLs are signed with (endpoint: the external one), for
   * presigned requests stowage does not make itself, e.g. a presigned PutObject.
   * Add `withPathPrefix` (src/object-store.ts) when the external endpoint has a path.
   */
  get presignClient(): S3Client {
    return this.#presigner;
  }

  toJSON(): Record<string, unknown> {
    const s = this.#s3;
    return {
      driver: this.name,
      bucket: this.bucket,
      endpoint: s.endpoint ?? 'aws',
      externalEndpoint: s.external && `${s.external.origin}${s.external.pathPrefix}`,
      public: s.plan.isPublic(this.bucket),
      forcePathStyle: s.pathStyle,
      conditionalWrites: s.conditionalWrites,
      checksums: s.checksums,
    };
  }

  [inspect.custom](): string {
    return `S3Driver ${inspect(this.toJSON())}`;
  }
}
