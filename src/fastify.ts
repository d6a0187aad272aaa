/**
 * `stowage/fastify`: stores the files of an @fastify/multipart request in a Storage.
 *
 *   const part = await request.file();
 *   const stored = await saveMultipartFile(storage, part, { uploadTo: 'uploads/' });
 *
 * The part streams into the storage in bounded memory; a part cut at the plugin's
 * `limits.fileSize`, or a request aborted midway, leaves nothing stored. Neither
 * fastify nor @fastify/multipart is imported here.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { isStorageError } from './errors.js';
import type { Storage } from './storage.js';
import { type StoredUpload, storeUpload, type UploadTo } from './uploads.js';

export { isoDatePrefix } from './iso-date.js';

const PAYLOAD_TOO_LARGE = 413;

export type { StoredUpload, UploadTo } from './uploads.js';

/** The part of @fastify/multipart's `MultipartFile` this needs. */
export interface MultipartFilePart {
  file: Readable;
  filename: string;
  fieldname: string;
  mimetype: string;
}

export interface SaveMultipartFileOptions<Request> {
  /** Where the file is stored (Django's `upload_to`); a function gets the Fastify request. */
  uploadTo?: UploadTo<Request> | undefined;
  /** The Fastify request (for `uploadTo` functions and to notice an aborted upload). */
  request: Request & { raw: IncomingMessage };
  /** The longest stored name, as Django's `max_length`. */
  maxLength?: number | undefined;
}

/** What `saveMultipartFile` resolves with: the stored upload plus the part's own fields. */
export interface SavedMultipartFile extends StoredUpload {
  fieldname: string;
  /** The file name the client sent. */
  originalname: string;
  /** The content type the client claimed (not trusted for serving). */
  mimetype: string;
}

/**
 * Streams one @fastify/multipart file part into `storage`. Rejects with
 * PRECONDITION_FAILED (with `statusCode` 413, which Fastify answers with) when the part
 * exceeds `limits.fileSize`, and with UNEXPECTED when the request ends first; in both
 * cases nothing is stored.
 */
export async function saveMultipartFile<Request>(
  storage: Storage,
  part: MultipartFilePart,
  options: SaveMultipartFileOptions<Request>,
): Promise<SavedMultipartFile> {
  const stored = await storeUpload(
    storage,
    { stream: part.file, filename: part.filename, request: options.request.raw },
    { uploadTo: options.uploadTo, frameworkRequest: options.request, maxLength: options.maxLength },
  ).catch((error: unknown) => {
    // Fastify answers an error with its `statusCode`: 413, as the plugin's own limit error.
    if (isStorageError(error, 'PRECONDITION_FAILED')) Object.assign(error, { statusCode: PAYLOAD_TOO_LARGE });
    throw error;
  });
  return { ...stored, fieldname: part.fieldname, originalname: part.filename, mimetype: part.mimetype };
}
