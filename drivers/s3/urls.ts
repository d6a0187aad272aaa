/**
 * URLs handed to users: plain URLs for public buckets, presigned GETs for private ones
 * and POST-policy uploads. All are built offline on the presigning client, whose
 * endpoint is the external one; the external path prefix is added after signing.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { UploadUrl, UploadUrlOptions, UrlOptions } from '../../src/driver.js';
import { attachmentDisposition, publicObjectUrl, withPathPrefix } from '../../src/object-store.js';
import { encodeName } from '../../src/utf8.js';
import type { S3Settings } from './client.js';

/** The URL of `key`: plain on a public bucket (unless signing options are given), presigned otherwise. */
export async function objectUrl(
  presigner: S3Client,
  settings: S3Settings,
  key: string,
  options: UrlOptions,
): Promise<string> {
  const signed = options.expiresIn !== undefined || options.download !== undefined;
  if (!signed && settings.plan.isPublic(settings.bucket)) return publicUrl(presigner, settings, key);
  const command = new GetObjectCommand({
    Bucket: settings.bucket,
    Key: key,
    ResponseContentDisposition: options.download === undefined ? undefined : attachmentDisposition(options.download),
  });
  const url = await getSignedUrl(presigner, command, { expiresIn: options.expiresIn ?? settings.urlExpirySeconds });
  return settings.external ? withPathPrefix(url, settings.external) : url;
}

/**
 * A browser upload through a POST policy: the server itself refuses another
 * Content-Type or a body larger than `maxSize`.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export async function uploadUrl(
  presigner: S3Client,
  settings: S3Settings,
  key: string,
  options: UploadUrlOptions,
): Promise<UploadUrl> {
  const expiresIn = options.expiresIn ?? settings.urlExpirySeconds;
  const conditions: Parameters<typeof createPresignedPost>[1]['Conditions'] = [];
  const fields: Record<string, string> = {};
  if (options.maxSize !== undefined) conditions.push(['content-length-range', 0, options.maxSize]);
  if (options.contentType !== undefined) {
    conditions.push(['eq', '$Content-Type', options.contentType]);
    fields['Content-Type'] = options.contentType;
  }
  const expiresAt = new Date(Date.now() + expiresIn * 1000);
  const post = await createPresignedPost(presigner, {
    Bucket: settings.bucket,
    Key: key,
    Conditions: conditions,
    Fields: fields,
    Expires: expiresIn,
  });
  return {
    method: 'POST',
    url: settings.external ? withPathPrefix(post.url, settings.external) : post.url,
    fields: post.fields,
    expiresAt,
  };
}

/** The plain URL of an object in a public bucket. */
async function publicUrl(presigner: S3Client, settings: S3Settings, key: string): Promise<string> {
  if (settings.customDomain !== undefined) return `${settings.customDomain}/${encodeName(key)}`;
  const { bucket, external } = settings;
  if (external) {
    if (settings.forcePathStyle) return publicObjectUrl(external, bucket, key);
    const origin = new URL(external.origin);
    return `${origin.protocol}//${bucket}.${origin.host}${external.pathPrefix}/${encodeName(key)}`;
  }
  // AWS: https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
  const region = await presigner.config.region();
  const host = `s3.${region}.amazonaws.com`;
  return settings.forcePathStyle
    ? `https://${host}/${bucket}/${encodeName(key)}`
    : `https://${bucket}.${host}/${encodeName(key)}`;
}
