/**
 * django-minio-backend's `iso_date_prefix`: puts a file under a folder named after the
 * current UTC date, `YYYY-MM-DD/<name>`. Usable as an upload-to function.
 */
export function isoDatePrefix(name: string, now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 10)}/${name}`;
}
