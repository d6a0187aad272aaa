/**
 * The contract suite on memory and fs configured with a `urlSecret`: they declare
 * `presign`, every URL case fetches signed URLs through stowage/http (the contract's
 * own server, contracts/serve.ts), and the presigned-options case (expiresIn,
 * download) runs on them as on the object stores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStorageServer, storageContract } from '../contracts/index.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';
import { createMemoryStorage } from '../drivers/memory/index.js';

const urlSecret = 'contract secret of thirty-two bytes or more';

storageContract('memory with urlSecret', async ({ replaceExisting }) => {
  const server = await startStorageServer();
  const storage = createMemoryStorage({ baseUrl: server.baseUrl, urlSecret, replaceExisting });
  server.serve(storage);
  return { storage, servesUrls: true, cleanup: () => server.close() };
});

storageContract('fs with urlSecret', async ({ replaceExisting }) => {
  const location = await mkdtemp(join(tmpdir(), 'stowage-fs-signed-'));
  const server = await startStorageServer();
  const storage = createFileSystemStorage({ location, baseUrl: server.baseUrl, urlSecret, replaceExisting });
  server.serve(storage);
  return {
    storage,
    servesUrls: true,
    cleanup: async () => {
      await server.close();
      await rm(location, { recursive: true, force: true });
    },
  };
});
