/**
 * Starts the example web app on the embedded default (the fs driver):
 *
 *   npm run example:web            then open http://127.0.0.1:3000/
 *
 * Files go under ./storage/example-web/{public,private} (EXAMPLE_STORAGE_DIR to move
 * them). Private files are served only through signed URLs, signed with
 * STORAGE_FS_URL_SECRET (at least 32 bytes) or, when it is unset, a secret made at
 * start (links then stop working at the next start). PORT picks the port (0: any free one).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createFileSystemStorage } from 'stowage/fs';
import { createWebApp } from './app.js';

const root = process.env.EXAMPLE_STORAGE_DIR ?? join('storage', 'example-web');
const urlSecret = process.env.STORAGE_FS_URL_SECRET ?? randomBytes(48).toString('base64');
const app = createWebApp({
  publicStorage: createFileSystemStorage({ location: join(root, 'public'), baseUrl: '/media/' }),
  privateStorage: createFileSystemStorage({ location: join(root, 'private'), baseUrl: '/private/', urlSecret }),
});
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`stowage example listening on http://127.0.0.1:${port}/`);
});
