/**
 * stowage/fastify and stowage/http in a real Fastify app over real sockets, on fs: an
 * upload through @fastify/multipart (name, size, bytes), a file over the plugin's
 * limits.fileSize (413, nothing on disk) and an aborted request (nothing on disk), and
 * nodeHandler serving the stored file from a Fastify route with Range.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { saveMultipartFile } from '../src/fastify.js';
import { nodeHandler } from '../src/http/index.js';
import type { Storage } from '../src/storage.js';
import { abortedUpload, filesUnder, postMultipart } from './support/multipart.js';

const MiB = 1024 * 1024;
const LIMIT = 2 * MiB;

interface State {
  location: string;
  storage: Storage;
  app: FastifyInstance;
  origin: string;
}

const test = suite<State>('fastify: @fastify/multipart uploads and nodeHandler');
test.before.each(async (state) => {
  state.location = await mkdtemp(join(tmpdir(), 'stowage-fastify-'));
  state.storage = createFileSystemStorage({ location: state.location, baseUrl: '/media/' });
  const app = Fastify();
  await app.register(multipart, { limits: { fileSize: LIMIT } });
  app.post('/upload', async (request) => {
    const part = await request.file();
    if (!part) throw new Error('no file');
    return saveMultipartFile(state.storage, part, { request, uploadTo: 'uploads/' });
  });
  const serve = nodeHandler(state.storage, { prefix: '/media/' });
  app.get('/media/*', (request, reply) => {
    reply.hijack();
    serve(request.raw, reply.raw);
  });
  state.origin = await app.listen({ port: 0, host: '127.0.0.1' });
  state.app = app;
});
test.after.each(async (state) => {
  await state.app.close();
  await rm(state.location, { recursive: true, force: true });
});

test('an upload is stored under uploadTo and served back with Range', async ({ origin, storage }) => {
  const bytes = randomBytes(100_000);
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'scan 1.pdf');
  const response = await fetch(`${origin}/upload`, { method: 'POST', body: form });
  assert.is(response.status, 200);
  const stored = (await response.json()) as Record<string, unknown>;
  assert.equal(stored, {
    name: 'uploads/scan_1.pdf',
    size: 100_000,
    contentType: 'application/pdf',
    url: '/media/uploads/scan_1.pdf',
    fieldname: 'file',
    originalname: 'scan 1.pdf',
    mimetype: 'application/octet-stream',
  });
  assert.equal(await (await storage.open('uploads/scan_1.pdf')).bytes(), bytes);
  const ranged = await fetch(`${origin}${stored.url}`, { headers: { range: 'bytes=100-199' } });
  assert.is(ranged.status, 206);
  assert.equal(Buffer.from(await ranged.arrayBuffer()), bytes.subarray(100, 200));
});

test('over limits.fileSize: 413 and nothing on disk', async ({ origin, location }) => {
  const response = await postMultipart(`${origin}/upload`, [
    { field: 'file', filename: 'big.bin', content: randomBytes(LIMIT + 1) },
  ]);
  assert.is(response.status, 413, response.body);
  assert.equal(await filesUnder(location), []);
});

test('an aborted upload: nothing on disk', async ({ origin, location }) => {
  const { wasWriting, left } = await abortedUpload(`${origin}/upload`, {
    field: 'file',
    size: LIMIT - 1,
    abortAfter: LIMIT / 2,
    started: async () => (await filesUnder(location)).length > 0,
    listed: () => filesUnder(location),
  });
  assert.ok(wasWriting, 'the upload was being written when the client left');
  assert.equal(left, []);
});

test.run();
