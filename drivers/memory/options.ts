/** Options of the in-memory driver. */
export interface MemoryOptions {
  /**
   * The URL `url()` builds on (`baseUrl` + percent-encoded name), as a served media
   * URL would be. Without it `url()` is UNSUPPORTED. Env: `STORAGE_MEMORY_BASE_URL`.
   */
  baseUrl?: string | undefined;
  /**
   * Overwrite objects of the same name instead of choosing another name. Default false.
   * Env: `STORAGE_REPLACE_EXISTING`.
   */
  replaceExisting?: boolean | undefined;
  /** Files to start with: name → content. */
  files?: Record<string, string | Uint8Array> | undefined;
}
