/**
 * What the machine does with no storage layer, for the large objects only: curl (a
 * PUT and a GET of the same bytes to a presigned URL, spending almost no client CPU:
 * the limit every Node client is measured against) and plain node:http doing the same
 * (the most a Node client gets without tuning its HTTP stack). Neither has a small-object
 * session: they are not storage layers.
 *
 * Both send one PUT with a Content-Length in either save case: S3 (and MinIO) refuse a
 * chunked PUT without one (411 MissingContentLength), so a layer's length-unknown save
 * is held against the same single PUT. curl comes from the system
 * (scripts/install-curl.sh installs it in CI) and reads the generated stream from its
 * standard input; its GET writes to /dev/null. Its CPU time counts as the client's:
 * bench/large-child.ts adds the children it waited for.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Contender, Session, Target } from './contenders.js';
import { minioClient } from './contenders.js';

const CONTENT_TYPE = 'application/octet-stream';
/** Presigned URLs live for the one transfer they serve. */
const URL_EXPIRY_SECONDS = 3600;

export const LIMITS: readonly Contender[] = [
  {
    id: 'curl',
    label: 'curl (the limit)',
    sdk: 'none',
    kind: 'limit',
    work: largeWork(
      'curl -T - with Content-Length to a presigned PUT URL, the stream on its stdin (both save cases)',
      'curl -o /dev/null of a presigned GET URL',
    ),
    async open(target) {
      const urls = await presigner(target);
      const curl = async (args: string[], stdin?: Readable) => {
        const child = spawn('curl', ['--silent', '--show-error', '--fail', ...args], {
          stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout?.setEncoding('utf8').on('data', (d: string) => {
          out += d;
        });
        child.stderr?.setEncoding('utf8').on('data', (d: string) => {
          err += d;
        });
        const exited = new Promise<number>((resolve, reject) => {
          child.on('error', reject);
          child.on('close', (code) => resolve(code ?? -1));
        });
        // curl's own failure (a refused PUT ends it early) says more than the EPIPE of the pipe.
        const fed = stdin && child.stdin ? pipeline(stdin, child.stdin) : Promise.resolve();
        const [piped, code] = await Promise.all([
          fed.then(
            () => undefined,
            (e: unknown) => e,
          ),
          exited,
        ]);
        if (code !== 0) throw new Error(`curl exited with ${code}: ${err.trim()}`);
        if (piped) throw piped;
        return out;
      };
      const put = async (name: string, body: Readable, length: number) => {
        const headers = ['-H', `Content-Type: ${CONTENT_TYPE}`];
        // An empty Transfer-Encoding header keeps curl from sending its stdin chunked.
        headers.push('-H', `Content-Length: ${length}`, '-H', 'Transfer-Encoding:');
        await curl(['-X', 'PUT', '-T', '-', ...headers, await urls.put(name)], body);
      };
      return {
        ...largeOnly('curl'),
        saveStream: (name, body, length) => put(name, body, length),
        readCount: async (name) =>
          Number(await curl(['-o', '/dev/null', '-w', '%{size_download}', await urls.get(name)])),
      };
    },
  },
  {
    id: 'node-http',
    label: 'plain node:http',
    sdk: 'none',
    kind: 'limit',
    work: largeWork(
      'http.request PUT with Content-Length to a presigned URL, the stream piped in (both save cases)',
      'http.get of a presigned URL: the response stream, default settings',
    ),
    async open(target) {
      const urls = await presigner(target);
      const put = async (name: string, body: Readable, length: number) => {
        const headers = { 'Content-Type': CONTENT_TYPE, 'Content-Length': length };
        const req = request(await urls.put(name), { method: 'PUT', headers });
        const answered = new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
          req.on('response', resolve).on('error', reject);
        });
        await pipeline(body, req);
        const response = await answered;
        response.resume();
        if (response.statusCode !== 200) throw new Error(`PUT answered ${response.statusCode}`);
      };
      return {
        ...largeOnly('node-http'),
        saveStream: (name, body, length) => put(name, body, length),
        async readStream(name) {
          const url = await urls.get(name);
          return new Promise<Readable>((resolve, reject) => {
            request(url, (response) => {
              if (response.statusCode === 200) resolve(response);
              else reject(new Error(`GET answered ${response.statusCode}`));
            })
              .on('error', reject)
              .end();
          });
        },
      };
    },
  },
];

/** What a limit does: the large cases only. */
function largeWork(saveStream: string, readStream: string): Contender['work'] {
  return { save: '—', read: '—', exists: '—', delete: '—', saveStream, readStream };
}

/**
 * Presigned URLs for the target's bucket (computed locally: the client knows its region).
 * minio-js is the one package a limit's process loads.
 */
async function presigner(target: Target) {
  const client = await minioClient(target);
  return {
    put: (name: string) => client.presignedPutObject(target.bucket, name, URL_EXPIRY_SECONDS),
    get: (name: string) => client.presignedGetObject(target.bucket, name, URL_EXPIRY_SECONDS),
  };
}

/** The members a limit does not have: the small-object operations and a JavaScript read stream. */
function largeOnly(id: string): Omit<Session, 'saveStream'> {
  const none = async (): Promise<never> => {
    throw new Error(`${id} measures large objects only`);
  };
  return { save: none, read: none, exists: none, delete: none, readStream: none, async close() {} };
}
