/** Options of the file-system driver (Django's FileSystemStorage settings). */
export interface FileSystemOptions {
  /**
   * The directory that holds the files; created on first write. Nothing is ever read
   * or written outside it. Env: `STORAGE_FS_LOCATION` (default `./storage`).
   */
  location: string;
  /**
   * The URL the directory is served at, for `url()` (Django's `base_url` /
   * `MEDIA_URL`). Without it `url()` is UNSUPPORTED. Env: `STORAGE_FS_BASE_URL`.
   */
  baseUrl?: string | undefined;
  /**
   * Mode applied to each new file, e.g. `0o644` (Django's `FILE_UPLOAD_PERMISSIONS`).
   * Default: the process umask decides. Env: `STORAGE_FS_FILE_MODE` (octal).
   */
  fileMode?: number | undefined;
  /**
   * Mode applied to each directory the driver creates, e.g. `0o755` (Django's
   * `FILE_UPLOAD_DIRECTORY_PERMISSIONS`). Default: the umask decides.
   * Env: `STORAGE_FS_DIRECTORY_MODE` (octal).
   */
  directoryMode?: number | undefined;
  /**
   * Overwrite files of the same name instead of choosing another name (Django 5.1's
   * `allow_overwrite`). Default false. Env: `STORAGE_REPLACE_EXISTING`.
   */
  replaceExisting?: boolean | undefined;
}
