import { startStorageServer, storageContract } from '../contracts/index.js';
import { createMemoryStorage } from '../drivers/memory/index.js';

storageContract('memory', async ({ replaceExisting }) => {
  const server = await startStorageServer();
  const storage = createMemoryStorage({ baseUrl: server.baseUrl, replaceExisting });
  server.serve(storage);
  return { storage, servesUrls: true, cleanup: () => server.close() };
});
