/**
 * multipart/form-data requests written by hand onto a socket, for uploads too large to
 * build in memory and for clients that go away midway.
 */
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { type ClientRequest, request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { generatedStream } from '../../contracts/context.js';

export interface MultipartFile {
  field: string;
  filename: string;
  contentType?: string;
  /** The bytes, or a stream of them (read once). */
  content: Buffer | Readable;
}

export interface MultipartResponse {
  status: number;
  body: string;
}

/**
 * POSTs `files` (and `fields`) to `url` as one multipart body, streaming each file's
 * content. `abortAfter` cuts the connection once that many file bytes were sent, and
 * resolves with status 0.
 */
export function postMultipart(
  url: string,
  files: MultipartFile[],
  options: {
    fields?: Record<string, string>;
    headers?: Record<string, string>;
    abortAfter?: number;
    onAbort?: () => Promise<void>;
  } = {},
): Promise<MultipartResponse> {
  const boundary = `----stowage${randomBytes(12).toString('hex')}`;
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'transfer-encoding': 'chunked',
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error) => (options.abortAfter === undefined ? reject(error) : resolve({ status: 0, body: '' })));
    (async () => {
      const write = (chunk: Buffer | string) =>
        new Promise<void>((done, fail) => req.write(chunk, (error) => (error ? fail(error) : done())));
      for (const [name, value] of Object.entries(options.fields ?? {})) {
        await write(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
      }
      let sent = 0;
      for (const file of files) {
        await write(
          `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\n` +
            `Content-Type: ${file.contentType ?? 'application/octet-stream'}\r\n\r\n`,
        );
        const chunks = Buffer.isBuffer(file.content) ? [file.content] : file.content;
        for await (const chunk of chunks) {
          await write(chunk as Buffer);
          sent += (chunk as Buffer).length;
          if (options.abortAfter !== undefined && sent >= options.abortAfter) {
            await options.onAbort?.();
            req.destroy();
            resolve({ status: 0, body: '' });
            return;
          }
        }
        await write('\r\n');
      }
      req.end(`--${boundary}--\r\n`);
    })().catch((error: unknown) => (options.abortAfter === undefined ? reject(error) : undefined));
  });
}

/** Every file under `dir`, temporary files included (what "nothing stored" is checked on). */
export async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Uploads a generated file of `size` bytes as `field` and cuts the connection once
 * `abortAfter` bytes are out and `started()` says the server is storing the file (so
 * that there is something to clean up); then waits up to ten seconds for `listed()`
 * to be empty.
 */
export async function abortedUpload(
  url: string,
  options: {
    field: string;
    size: number;
    abortAfter: number;
    started: () => Promise<boolean>;
    listed: () => Promise<string[]>;
  },
): Promise<{ wasWriting: boolean; left: string[] }> {
  let wasWriting = false;
  await postMultipart(
    url,
    [{ field: options.field, filename: 'cut.bin', content: generatedStream(options.size, 64 * 1024).stream }],
    {
      abortAfter: options.abortAfter,
      onAbort: async () => {
        for (let i = 0; i < POLLS && !wasWriting; i++) {
          wasWriting = await options.started();
          if (!wasWriting) await sleep(POLL_MS);
        }
      },
    },
  );
  let left = await options.listed();
  for (let i = 0; i < POLLS && left.length > 0; i++) {
    await sleep(POLL_MS);
    left = await options.listed();
  }
  return { wasWriting, left };
}

const POLLS = 100;
const POLL_MS = 100;
