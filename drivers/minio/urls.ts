/**
 * URLs handed to users, always for the external endpoint: plain path-style URLs on
 * public buckets, presigned GETs and POST policies otherwise. Signing uses a client
 * built for the external host with the region set, so it never asks the server
 * anything (client.ts gives it a transport that cannot send).
 */
import { type Client, PostPolicy } from 'minio';
import type { UploadUrl, UploadUrlOptions, UrlOptions } from '../../src/driver.js';
import { attachmentDisposition, publicObjectUrl, withPathPrefix } from '../../src/object-store.js';
import type { ExternalAddress } from './config.js';
import { type MinioErrorContext, mapMinioError } from './errors.js';

export interface UrlContext {
  signer: Client;
  bucket: string;
  external: ExternalAddress;
  isPublic: boolean;
  urlExpirySeconds: number;
  key(name: string): string;
  errorContext(name?: string): MinioErrorContext;
}

/** A plain URL on a public bucket (unless signing options are given), else a presigned GET. */
export async function objectUrl(context: UrlContext, name: string, options: UrlOptions): Promise<string> {
  const download = options.download !== undefined && options.download !== false ? options.download : undefined;
  if (context.isPublic && options.expiresIn === undefined && download === undefined) {
    return publicObjectUrl(context.external, context.bucket, context.key(name));
  }
  try {
    const url = await context.signer.presignedUrl(
      'GET',
      context.bucket,
      context.key(name),
      options.expiresIn ?? context.urlExpirySeconds,
      download === undefined ? {} : { 'response-content-disposition': attachmentDisposition(download) },
    );
    return withPathPrefix(url, context.external);
  } catch (error) {
    throw mapMinioError(error, context.errorContext(name));
  }
}

/**
 * A browser upload through a POST policy: the server itself refuses another
 * Content-Type or a larger body. The upload replaces an object of the same name.
 */
export async function uploadUrl(context: UrlContext, name: string, options: UploadUrlOptions): Promise<UploadUrl> {
  const expiresAt = new Date(Date.now() + (options.expiresIn ?? context.urlExpirySeconds) * 1000);
  try {
    const policy = new PostPolicy();
    policy.setBucket(context.bucket);
    policy.setKey(context.key(name));
    policy.setExpires(expiresAt);
    if (options.contentType !== undefined) policy.setContentType(options.contentType);
    if (options.maxSize !== undefined) policy.setContentLengthRange(0, options.maxSize);
    const { postURL, formData } = await context.signer.presignedPostPolicy(policy);
    return {
      method: 'POST',
      url: withPathPrefix(postURL, context.external),
      fields: formData as Record<string, string>,
      expiresAt,
    };
  } catch (error) {
    throw mapMinioError(error, context.errorContext(name));
  }
}
