/**
 * stowage/multer in a real Express app over real sockets, on memory and fs: small
 * uploads with their req.file fields and collision-safe names, upload_to naming, a
 * 100 MiB upload streamed through, a file over limits.fileSize, a request aborted
 * midway, and _removeFile when multer rejects a request after storing a file. "Nothing
 * stored" is checked on the disk (or volume) itself, temporary files included.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type ErrorRequestHandler } from 'express';
import multer from 'multer';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { generatedStream, hashStream } from '../contracts/context.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { createMemoryStorage } from '../drivers/memory/index.js';
import { isoDatePrefix, multerStorage, type UploadTo } from '../src/multer.js';
import type { Storage } from '../src/storage.js';
import { type Listening, listen } from './support/http.js';
import { abortedUpload, filesUnder, postMultipart } from './support/multipart.js';

const MiB = 1024 * 1024;
const LIMIT = 4 * MiB;
const BIG = 100 * MiB;

interface Target {
  storage: Storage;
  /** Every file the backend holds, temporary files included. */
  everything(): Promise<string[]>;
  cleanup(): Promise<void>;
}

const targets: Record<string, () => Promise<Target>> = {
  memory: async () => {
    const storage = createMemoryStorage({ baseUrl: '/media/' });
    return {
      storage,
      everything: async () => Object.keys(storage.driver.volume.toJSON()).filter((path) => !path.endsWith('/')),
      cleanup: async () => {},
    };
  },
  fs: async () => {
    const location = await mkdtemp(join(tmpdir(), 'stowage-multer-'));
    const storage = createFileSystemStorage({ location, baseUrl: '/media/' });
    return {
      storage,
      everything: () => filesUnder(location),
      cleanup: () => rm(location, { recursive: true, force: true }),
    };
  },
};

interface App extends Listening {
  errors: unknown[];
  /** How many files the engine was handed. */
  handled: { count: number };
}

async function app(storage: Storage, uploadTo?: UploadTo): Promise<App> {
  const errors: unknown[] = [];
  const handled = { count: 0 };
  const engine = multerStorage({ storage, uploadTo });
  const counting: typeof engine = {
    _handleFile: (req, file, callback) => {
      handled.count++;
      engine._handleFile(req, file, callback);
    },
    _removeFile: (req, file, callback) => engine._removeFile(req, file, callback),
  };
  const upload = multer({ storage: counting, limits: { fileSize: LIMIT } });
  const server = express();
  server.post('/one', upload.single('file'), (req, res) => {
    res.json({ file: req.file, body: req.body });
  });
  server.post('/many', upload.array('files'), (req, res) => {
    res.json(req.files);
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status((error as { code?: string }).code === 'LIMIT_FILE_SIZE' ? 413 : 500).json({ code: error.code });
  };
  server.use(onError);
  return { ...(await listen(server)), errors, handled };
}

for (const [driver, create] of Object.entries(targets)) {
  const test = suite<{ target: Target }>(`multer engine on ${driver}`);
  test.before.each(async (state) => {
    state.target = await create();
  });
  test.after.each(async ({ target }) => target.cleanup());

  test('a small upload: req.file fields, the bytes stored, a second one under another name', async ({ target }) => {
    const served = await app(target.storage, 'uploads/%Y/');
    try {
      const bytes = randomBytes(5000);
      const send = () => {
        const form = new FormData();
        form.append('title', 'holiday');
        form.append('file', new Blob([bytes], { type: 'image/png' }), 'my photo.png');
        return fetch(`${served.origin}/one`, { method: 'POST', body: form });
      };
      const first = await send();
      assert.is(first.status, 200);
      const { file, body } = (await first.json()) as { file: Record<string, unknown>; body: Record<string, string> };
      const year = new Date().getUTCFullYear();
      assert.is(file.name, `uploads/${year}/my_photo.png`);
      assert.is(file.size, 5000);
      assert.is(file.contentType, 'image/png');
      assert.is(file.url, `/media/uploads/${year}/my_photo.png`);
      assert.is(file.originalname, 'my photo.png');
      assert.is(file.fieldname, 'file');
      assert.is(file.mimetype, 'image/png');
      assert.equal(body, { title: 'holiday' });
      assert.equal(await (await target.storage.open(file.name as string)).bytes(), bytes);
      const second = (await (await send()).json()) as { file: { name: string } };
      assert.match(second.file.name, new RegExp(`^uploads/${year}/my_photo_[A-Za-z0-9]{7}\\.png$`));
      assert.equal(await (await target.storage.open(second.file.name)).bytes(), bytes);
      assert.is((await target.everything()).length, 2);
    } finally {
      await served.close();
    }
  });

  test('uploadTo: a function of the file name and the request; isoDatePrefix; unsafe client names', async ({
    target,
  }) => {
    const byUser: UploadTo = (filename, request) => `users/${request.headers['x-user']}/${filename}`;
    for (const [uploadTo, expected] of [
      [byUser, 'users/ada/..passwd'],
      [isoDatePrefix, `${new Date().toISOString().slice(0, 10)}/..passwd`],
      [undefined, '..passwd'],
    ] as const) {
      const served = await app(target.storage, uploadTo);
      try {
        const response = await postMultipart(
          `${served.origin}/one`,
          [{ field: 'file', filename: '../../etc/..passwd', content: Buffer.from('x') }],
          { headers: { 'x-user': 'ada' } },
        );
        // multer (busboy) keeps only the last segment of a client's path, and the
        // engine takes the last segment of what it is given in any case.
        assert.is(response.status, 200, response.body);
        assert.is((JSON.parse(response.body) as { file: { name: string } }).file.name, expected);
        assert.is(await (await target.storage.open(expected)).text(), 'x');
      } finally {
        await served.close();
      }
    }
  });

  test('100 MiB streamed through: the exact bytes arrive', async ({ target }) => {
    const served = await app(target.storage);
    try {
      // Under the limit for this test only: a second app with a larger limit.
      const upload = multer({ storage: multerStorage({ storage: target.storage }), limits: { fileSize: BIG } });
      const big = express();
      big.post('/one', upload.single('file'), (req, res) => {
        res.json(req.file);
      });
      const bigServer = await listen(big);
      try {
        const source = generatedStream(BIG);
        const response = await postMultipart(`${bigServer.origin}/one`, [
          { field: 'file', filename: 'big.bin', content: source.stream },
        ]);
        assert.is(response.status, 200, response.body);
        const file = JSON.parse(response.body) as { name: string; size: number };
        assert.is(file.size, BIG);
        const stored = await hashStream((await target.storage.open(file.name)).stream());
        assert.equal(stored, { sha256: source.digest(), size: BIG });
      } finally {
        await bigServer.close();
      }
    } finally {
      await served.close();
    }
  });

  test('over limits.fileSize: 413 and nothing stored, temporary files included', async ({ target }) => {
    const served = await app(target.storage);
    try {
      const response = await postMultipart(`${served.origin}/one`, [
        { field: 'file', filename: 'too big.bin', content: randomBytes(LIMIT + 1) },
      ]);
      assert.is(response.status, 413, response.body);
      assert.equal(await target.everything(), []);
      const exact = await postMultipart(`${served.origin}/one`, [
        { field: 'file', filename: 'exact.bin', content: randomBytes(LIMIT) },
      ]);
      assert.is(exact.status, 200, 'exactly the limit is allowed');
    } finally {
      await served.close();
    }
  });

  test('a request aborted midway: nothing stored, the temporary file removed', async ({ target }) => {
    const served = await app(target.storage);
    try {
      const { wasWriting, left } = await abortedUpload(`${served.origin}/one`, {
        field: 'file',
        size: 3 * MiB,
        abortAfter: 2 * MiB,
        started: async () => served.handled.count > 0,
        listed: () => target.everything(),
      });
      assert.ok(wasWriting, 'the engine had started writing before the abort');
      assert.equal(left, [], 'nothing left after the abort');
      assert.ok(served.errors.length <= 1);
    } finally {
      await served.close();
    }
  });

  test('_removeFile: a file stored before multer rejects the request is deleted', async ({ target }) => {
    const served = await app(target.storage);
    try {
      const response = await postMultipart(`${served.origin}/many`, [
        { field: 'files', filename: 'first.txt', content: Buffer.from('first') },
        { field: 'files', filename: 'second.bin', content: randomBytes(LIMIT + 1) },
      ]);
      assert.is(response.status, 413);
      assert.equal(await target.everything(), []);
      const ok = await postMultipart(`${served.origin}/many`, [
        { field: 'files', filename: 'first.txt', content: Buffer.from('first') },
        { field: 'files', filename: 'second.txt', content: Buffer.from('second') },
      ]);
      const files = JSON.parse(ok.body) as { name: string }[];
      assert.equal(
        files.map((file) => file.name),
        ['first.txt', 'second.txt'],
      );
    } finally {
      await served.close();
    }
  });

  test.run();
}
