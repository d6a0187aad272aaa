import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStorageServer, storageContract } from '../contracts/index.js';
import { createFileSystemStorage } from '../drivers/fs/index.js';

storageContract('fs', async ({ replaceExisting }) => {
  const location = await mkdtemp(join(tmpdir(), 'stowage-fs-'));
  const server = await startStorageServer();
  const storage = createFileSystemStorage({ location, baseUrl: server.baseUrl, replaceExisting });
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
