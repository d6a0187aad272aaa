/**
 * django-minio-backend's `iso_date_prefix`: puts a file under a folder named after the
 * current UTC date, `YYYY-MM-DD/<name>`. Usable as an upload-to function
 * (`multerStorage({ storage, uploadTo: isoDatePrefix })`): a second argument that is
 * not a Date (the request an upload integration passes) is ignored.
 */
export function isoDatePrefix(name: string, now?: unknown): string {
  const date = now instanceof Date ? now : new Date();
  return `${date.toISOString().slice(0, 10)}/${name}`;
}
