/**
 * What the upload integrations share (stowage/multer, stowage/fastify): the stored
 * name from an `uploadTo` setting (Django's `upload_to`), and streaming one multipart
 * file part into a Storage so that a part cut short (over the size limit, or a client
 * that went away) leaves nothing stored.
 */
import type { IncomingMessage } from 'node:http';
import { type Readable, Transform } from 'node:stream';
import { guessContentType } from './content.js';
import { isStorageError, StorageError } from './errors.js';
import type { Storage } from './storage.js';

/**
 * Where an upload is stored (Django's `upload_to`): a directory prefix in which
 * `%Y %m %d %H %M %S` are replaced by the UTC date and time (`'uploads/%Y/%m/'`), or a
 * function of the client's file name (reduced to a valid name) and the request that
 * returns the whole name; `isoDatePrefix` is one. Default: the file name at the root.
 */
export type UploadTo<Request = IncomingMessage> =
  | string
  | ((filename: string, request: Request) => string | Promise<string>);

/** What an integration reports of a stored upload (multer merges it into `req.file`). */
export interface StoredUpload {
  /** The name actually stored: the collision-safe name `save` returned. */
  name: string;
  /** Bytes stored. */
  size: number;
  /** The content type it is served with (from the stored name, as `save` guesses it). */
  contentType: string;
  /** `storage.url(name)`, or undefined when the storage has no URLs. */
  url: string | undefined;
}

/** One file part as busboy (under multer and @fastify/multipart) hands it over. */
export interface UploadPart {
  /** The file's bytes; busboy emits 'limit' on it when it cuts the file at the size limit. */
  stream: Readable;
  /** The file name the client sent. */
  filename: string;
  /** The request the part arrives in; if it closes before it is complete, the upload fails. */
  request: IncomingMessage;
}

export interface StoreUploadOptions<Request> {
  uploadTo?: UploadTo<Request> | undefined;
  /** The request as the framework has it, for an `uploadTo` function. */
  frameworkRequest: Request;
  /** The longest stored name, as Django's `max_length`. */
  maxLength?: number | undefined;
}

/**
 * Streams `part` into `storage` under the name `uploadTo` gives, and resolves with what
 * was stored. Rejects, with nothing stored, when the part is cut at its size limit
 * (PRECONDITION_FAILED) or the request ends before the part does (UNEXPECTED).
 */
export async function storeUpload<Request>(
  storage: Storage,
  part: UploadPart,
  options: StoreUploadOptions<Request>,
): Promise<StoredUpload> {
  const name = await uploadName(storage, options.uploadTo, part.filename, options.frameworkRequest);
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(null, chunk);
    },
  });
  // Why the upload was cut short; save() reports it as a failed read of its content.
  let failure: StorageError | undefined;
  const fail = (error: StorageError) => {
    failure ??= error;
    counted.destroy(error);
  };
  const tooLarge = () =>
    new StorageError('PRECONDITION_FAILED', 'The file is larger than the upload size limit; nothing was stored.', {
      name,
    });
  const onLimit = () => fail(tooLarge());
  const onClose = () => {
    if (!part.request.complete) {
      fail(new StorageError('UNEXPECTED', 'The request ended before the file did; nothing was stored.', { name }));
    }
  };
  const onError = (error: unknown) => fail(asStorageError(error, name));
  part.stream.once('limit', onLimit);
  part.request.once('close', onClose);
  part.stream.once('error', onError);
  // The failure reaches the caller through save()'s rejection (and `failure`); counted
  // may be destroyed before the driver has attached to it, when nobody else listens.
  counted.on('error', () => {});
  part.stream.pipe(counted);
  try {
    const stored = await storage.save(name, counted, { maxLength: options.maxLength });
    if ((part.stream as Readable & { truncated?: boolean }).truncated) {
      await storage.delete(stored);
      throw tooLarge();
    }
    return { name: stored, size, contentType: guessContentType(stored), url: await urlOf(storage, stored) };
  } catch (error) {
    throw failure ?? error;
  } finally {
    part.stream.off('limit', onLimit);
    part.stream.off('error', onError);
    part.request.off('close', onClose);
  }
}

/** The name to save an upload under (Django's `FileField.generate_filename`). */
export async function uploadName<Request>(
  storage: Storage,
  uploadTo: UploadTo<Request> | undefined,
  clientName: string,
  request: Request,
): Promise<string> {
  // Only the last segment of what the client sent: its directories are not ours to use.
  const filename = storage.getValidName(clientName.split(/[/\\]/).pop() ?? '');
  if (typeof uploadTo === 'function') return storage.generateFilename(await uploadTo(filename, request));
  const prefix = strftime(uploadTo ?? '', new Date()).replace(/^\/+/, '');
  return storage.generateFilename(prefix === '' ? filename : `${prefix.replace(/\/?$/, '/')}${filename}`);
}

/** Django's `upload_to` date placeholders, in UTC. */
function strftime(template: string, now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, string> = {
    Y: String(now.getUTCFullYear()),
    m: two(now.getUTCMonth() + 1),
    d: two(now.getUTCDate()),
    H: two(now.getUTCHours()),
    M: two(now.getUTCMinutes()),
    S: two(now.getUTCSeconds()),
    '%': '%',
  };
  return template.replace(/%([YmdHMS%])/g, (_, field: string) => fields[field] ?? '');
}

async function urlOf(storage: Storage, name: string): Promise<string | undefined> {
  const { publicUrl, presign } = storage.capabilities;
  if (!publicUrl && !presign) return undefined;
  try {
    return await storage.url(name);
  } catch (error) {
    if (isStorageError(error, 'UNSUPPORTED')) return undefined;
    throw error;
  }
}

function asStorageError(error: unknown, name: string): StorageError {
  if (isStorageError(error)) return error;
  return new StorageError('UNEXPECTED', `The upload stream failed: ${String(error)}; nothing was stored.`, {
    name,
    cause: error,
  });
}
