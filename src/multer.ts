/**
 * `stowage/multer`: a multer 2.x storage engine that streams each uploaded file into a
 * Storage in bounded memory. `multer({ storage: multerStorage({ storage, uploadTo }) })`;
 * `req.file` then carries the stored `name`, `size`, `contentType` and `url` besides
 * multer's own fields. multer is an optional peer dependency: this module never
 * imports it, it only implements multer's engine interface.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Storage } from './storage.js';
import { type StoredUpload, storeUpload, type UploadTo } from './uploads.js';

export { isoDatePrefix } from './iso-date.js';
export type { StoredUpload, UploadTo } from './uploads.js';

export interface MulterStorageOptions<Request extends IncomingMessage = IncomingMessage> {
  storage: Storage;
  /** Where uploads are stored (Django's `upload_to`); see `UploadTo`. Default: the file name at the root. */
  uploadTo?: UploadTo<Request> | undefined;
  /** The longest stored name, as Django's `max_length`. */
  maxLength?: number | undefined;
}

/** The part of multer's file object an engine receives. */
export interface MulterFile {
  fieldname: string;
  originalname: string;
  mimetype: string;
  stream: Readable;
}

/** multer's StorageEngine interface (https://github.com/expressjs/multer/blob/main/StorageEngine.md). */
export interface MulterStorageEngine<Request extends IncomingMessage = IncomingMessage> {
  _handleFile(request: Request, file: MulterFile, callback: (error: Error | null, info?: StoredUpload) => void): void;
  _removeFile(request: Request, file: Partial<StoredUpload>, callback: (error: Error | null) => void): void;
}

/**
 * A multer storage engine over `storage`. A file over multer's `limits.fileSize`, or one
 * whose request is aborted midway, leaves nothing stored; when multer rejects a request
 * after some files were stored, it calls `_removeFile`, which deletes them.
 */
export function multerStorage<Request extends IncomingMessage = IncomingMessage>(
  options: MulterStorageOptions<Request>,
): MulterStorageEngine<Request> {
  const { storage } = options;
  return {
    _handleFile(request, file, callback) {
      storeUpload(
        storage,
        { stream: file.stream, filename: file.originalname, request },
        { uploadTo: options.uploadTo, frameworkRequest: request, maxLength: options.maxLength },
      ).then(
        (stored) => callback(null, stored),
        (error: Error) => {
          // multer waits for the part to be consumed; what is left of it is not ours.
          file.stream.resume();
          callback(error);
        },
      );
    },
    _removeFile(_request, file, callback) {
      if (file.name === undefined) return callback(null);
      storage.delete(file.name).then(
        () => callback(null),
        (error: Error) => callback(error),
      );
    },
  };
}
