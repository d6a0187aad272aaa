/**
 * A small Express app on stowage: an upload form (multer with stowage/multer), a list
 * of what is stored, the files served by stowage/http (public ones at plain URLs,
 * private ones only through expiring signed URLs) and a delete button.
 */
import express, { type ErrorRequestHandler } from 'express';
import multer from 'multer';
import { isStorageError, type Storage } from 'stowage';
import { nodeHandler } from 'stowage/http';
import { multerStorage } from 'stowage/multer';

export interface WebAppOptions {
  /** Files anyone may fetch; its baseUrl is `/media/`. */
  publicStorage: Storage;
  /** Files served only through signed URLs; its baseUrl is `/private/` and it has a urlSecret. */
  privateStorage: Storage;
  /** The largest upload in bytes. Default 50 MiB. */
  maxUploadBytes?: number;
}

/** How long a private file's link on the page stays valid. */
const PRIVATE_LINK_SECONDS = 10 * 60;

export function createWebApp(options: WebAppOptions): express.Express {
  const storages = { public: options.publicStorage, private: options.privateStorage } as const;
  const limits = { fileSize: options.maxUploadBytes ?? 50 * 1024 * 1024 };
  const app = express();
  app.use('/media', nodeHandler(storages.public, { prefix: '/media/' }));
  app.use('/private', nodeHandler(storages.private, { prefix: '/private/' }));
  app.use(express.urlencoded({ extended: false }));

  for (const visibility of ['public', 'private'] as const) {
    const upload = multer({ storage: multerStorage({ storage: storages[visibility], uploadTo: 'uploads/' }), limits });
    app.post(`/upload/${visibility}`, upload.single('file'), (_req, res) => {
      res.redirect(303, '/');
    });
  }

  app.post('/delete', async (req, res) => {
    const { visibility, name } = req.body as { visibility?: string; name?: string };
    const storage = visibility === 'private' ? storages.private : storages.public;
    if (typeof name !== 'string') return void res.status(400).send('name is missing');
    await storage.delete(name);
    res.redirect(303, '/');
  });

  app.get('/', async (_req, res) => {
    const rows: string[] = [];
    for (const visibility of ['public', 'private'] as const) {
      const storage = storages[visibility];
      for await (const file of storage.list('uploads/')) {
        const signed = visibility === 'private' ? { expiresIn: PRIVATE_LINK_SECONDS } : {};
        const view = await storage.url(file.name, signed);
        const download = await storage.url(file.name, { ...signed, download: true }).catch(() => `${view}?download`);
        rows.push(
          `<tr><td>${visibility}</td><td><a href="${escapeHtml(view)}">${escapeHtml(file.name)}</a></td><td>${file.size}</td>` +
            `<td><a href="${escapeHtml(download)}">download</a></td><td><form method="post" action="/delete">` +
            `<input type="hidden" name="visibility" value="${visibility}"><input type="hidden" name="name" value="${escapeHtml(file.name)}">` +
            '<button>delete</button></form></td></tr>',
        );
      }
    }
    res.type('html').send(page(rows));
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const tooLarge = (error as { code?: string }).code === 'LIMIT_FILE_SIZE';
    const status = tooLarge ? 413 : isStorageError(error, 'INVALID_NAME') ? 400 : 500;
    if (status === 500) console.error(error);
    res
      .status(status)
      .type('text')
      .send(tooLarge ? 'The file is too large.' : 'The request failed.');
  };
  app.use(onError);
  return app;
}

function page(rows: string[]): string {
  const form = (visibility: string) =>
    `<form method="post" action="/upload/${visibility}" enctype="multipart/form-data">` +
    `<input type="file" name="file" required> <button>upload ${visibility}</button></form>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>stowage example</title></head><body>
<h1>stowage example</h1>
${form('public')}
${form('private')}
<table><thead><tr><th>visibility</th><th>name</th><th>bytes</th><th></th><th></th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
