/**
 * Signed URLs for the drivers that have no server of their own (fs, memory): the
 * driver signs `url()` results with its `urlSecret`, and `stowage/http` verifies them.
 * Both sides use this one module, so what is signed and what is checked cannot drift.
 *
 * A signed URL is `baseUrl + encodeName(name) + '?expires=<unix seconds>[&download=…]&signature=…'`.
 * The signature is an HMAC-SHA256 over the name, the expiry and the disposition, so
 * changing any of them (or moving the query to another name) invalidates it. The
 * secret is held in a private field and registered against its driver in a WeakMap:
 * it is never a property that `JSON.stringify`, `inspect` or a log line could reach.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { StorageError } from './errors.js';
import { type EnvName, option } from './options.js';
import { urlOnBase } from './utf8.js';

/** The shortest secret accepted: 256 bits, the size of the HMAC-SHA256 key it becomes. */
export const MIN_URL_SECRET_BYTES = 32;
/** The expiry of `url(name)` without `expiresIn`: seven days, the object-store drivers' default. */
export const DEFAULT_SIGNED_URL_EXPIRY_SECONDS = 7 * 24 * 3600;

/** The query parameters of a signed URL. */
export const SIGNATURE_PARAMETERS = ['expires', 'download', 'signature'] as const;

/** What a signature check found. */
export type SignatureCheck =
  | { valid: true; download: boolean | string | undefined }
  | { valid: false; reason: 'missing' | 'expired' | 'invalid' };

/** Signs and verifies the URLs of one driver. */
export class UrlSigner {
  readonly #key: Buffer;

  /**
   * `secret` as configured (`urlSecret`); INVALID_CONFIG when it is shorter than
   * MIN_URL_SECRET_BYTES. `setting` names the option or variable in that message.
   */
  constructor(secret: string | Uint8Array, setting = 'urlSecret') {
    const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (key.length < MIN_URL_SECRET_BYTES) {
      throw new StorageError(
        'INVALID_CONFIG',
        `${setting} must be at least ${MIN_URL_SECRET_BYTES} bytes (it is ${key.length}); generate one with \`openssl rand -base64 48\`.`,
        { operation: 'configure' },
      );
    }
    this.#key = key;
  }

  /** The query string (without `?`) that makes a URL of `name` valid for `expiresIn` seconds. */
  sign(name: string, options: { expiresIn?: number | undefined; download?: boolean | string | undefined }): string {
    const expires = Math.floor(Date.now() / 1000) + (options.expiresIn ?? DEFAULT_SIGNED_URL_EXPIRY_SECONDS);
    const query = new URLSearchParams({ expires: String(expires) });
    const download = options.download || undefined;
    if (download !== undefined) query.set('download', download === true ? '' : download);
    query.set('signature', this.#signature(name, String(expires), query.get('download')));
    return query.toString();
  }

  /** Checks the signature parameters of a request for `name` (a normalised name). */
  verify(name: string, query: URLSearchParams): SignatureCheck {
    const expires = query.get('expires');
    const signature = query.get('signature');
    if (expires === null || signature === null) return { valid: false, reason: 'missing' };
    const download = query.get('download');
    const expected = Buffer.from(this.#signature(name, expires, download), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { valid: false, reason: 'invalid' };
    }
    if (!/^\d+$/.test(expires) || Number(expires) * 1000 < Date.now()) return { valid: false, reason: 'expired' };
    return { valid: true, download: download === null ? undefined : download === '' ? true : download };
  }

  toJSON(): string {
    return 'UrlSigner';
  }

  /**
   * HMAC-SHA256, base64url, over a versioned, newline-separated message. Names cannot
   * hold a newline (src/names.ts refuses control characters), so the fields cannot
   * run into each other; an absent disposition and `download=` (true) differ.
   */
  #signature(name: string, expires: string, download: string | null): string {
    const disposition = download === null ? 'inline' : `attachment:${download}`;
    return createHmac('sha256', this.#key)
      .update(`stowage-url-v1\n${name}\n${expires}\n${disposition}`)
      .digest('base64url');
  }
}

const signers = new WeakMap<object, UrlSigner>();

/** Makes `signer` the one that verifies the URLs of `driver` (called by the driver). */
export function registerUrlSigner(driver: object, signer: UrlSigner): void {
  signers.set(driver, signer);
}

/** The signer of a driver configured with a `urlSecret`, else undefined. */
export function urlSignerOf(driver: object): UrlSigner | undefined {
  return signers.get(driver);
}

/** What the `urlSecret` option takes: the secret (text or bytes), or a signer to share. */
export type UrlSecret = string | Uint8Array | UrlSigner;

/**
 * The `urlSecret` option of the drivers that sign their own URLs (fs, memory), declared
 * once for both. The value is turned into a UrlSigner as it is checked, so that the
 * driver's resolved options hold no secret text; a short secret is INVALID_CONFIG
 * naming the option or the variable.
 */
export function urlSecretOption(env: EnvName) {
  const toSigner = (value: unknown, label: string): UrlSecret => {
    if (value instanceof UrlSigner) return value;
    if (typeof value === 'string' || value instanceof Uint8Array) return new UrlSigner(value, label);
    throw new StorageError('INVALID_CONFIG', `${label} must be a string or bytes (got ${typeof value}).`, {
      operation: 'configure',
    });
  };
  return option.custom<UrlSecret>(
    { describe: `a secret of at least ${MIN_URL_SECRET_BYTES} bytes`, check: toSigner, parse: toSigner },
    {
      env,
      defaultDoc: 'none: `url()` is a plain URL',
      doc: `signs \`url()\` results (expiring, \`presign\`) for stowage/http to verify; at least ${MIN_URL_SECRET_BYTES} bytes; needs \`baseUrl\``,
    },
  );
}

/**
 * The URLs of a driver served at its `baseUrl` (fs, memory): plain, or signed when the
 * driver has a `urlSecret`, whose signer it registers for stowage/http. The driver's
 * `publicUrl` and `presign` capabilities come from here too.
 */
export class BaseUrls {
  /** `url()` gives a plain URL: a baseUrl and no secret. */
  readonly publicUrl: boolean;
  /** `url()` signs: a baseUrl and a secret. */
  readonly presign: boolean;
  readonly #base: string | undefined;
  readonly #driverName: string;
  readonly #signer: UrlSigner | undefined;

  /** INVALID_CONFIG for a secret without a baseUrl: its signed URLs would lead nowhere. */
  constructor(
    driver: { readonly name: string },
    options: { baseUrl?: string | undefined; urlSecret?: UrlSecret | undefined },
  ) {
    this.#base = options.baseUrl;
    this.#driverName = driver.name;
    if (options.urlSecret !== undefined) {
      if (options.baseUrl === undefined) {
        throw new StorageError(
          'INVALID_CONFIG',
          `${driver.name}: urlSecret needs a baseUrl (the URL stowage/http serves).`,
          {
            operation: 'configure',
          },
        );
      }
      const secret = options.urlSecret;
      this.#signer = secret instanceof UrlSigner ? secret : new UrlSigner(secret, `${driver.name} option urlSecret`);
      registerUrlSigner(driver, this.#signer);
    }
    this.publicUrl = this.#base !== undefined && this.#signer === undefined;
    this.presign = this.#signer !== undefined;
  }

  /** `baseUrl` + the encoded name, with the signature query when the driver signs. */
  url(name: string, options: { expiresIn?: number | undefined; download?: boolean | string | undefined }): string {
    const url = urlOnBase(this.#base, name, this.#driverName);
    return this.#signer ? `${url}?${this.#signer.sign(name, options)}` : url;
  }
}
