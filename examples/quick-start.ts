/**
 * A first run on the embedded default: with STORAGE_DRIVER unset, createStorageFromEnv()
 * stores files on the local file system under ./storage.
 *
 *   npm run example
 */
import { createStorageFromEnv, isStorageError } from 'stowage';

const storage = await createStorageFromEnv();

const first = await storage.save('notes/hello.txt', 'Hello from stowage!');
const second = await storage.save('notes/hello.txt', 'A second file with the same name.');
console.log(`saved ${first} and ${second} (the name was taken, so Django's algorithm picked another)`);

const file = await storage.open(first);
console.log(`${file.name}: ${file.size} bytes, ${file.contentType}: ${await file.text()}`);
console.log('notes/ holds', (await storage.listdir('notes')).files);

await storage.delete(second);
try {
  await storage.open('notes/missing.txt');
} catch (error) {
  if (isStorageError(error, 'NOT_FOUND')) console.log(`missing files raise ${error.code}, as expected`);
}
