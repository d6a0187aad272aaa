/**
 * Run by servers.test.ts in a child process: starts MinIO through s3Server(), prints its
 * endpoint as JSON, then ends the way argv[2] says ('exit', 'throw' or 'signal') without
 * calling stop(). The test then checks that the server went away with the process.
 */
import { s3Server } from './servers.js';

const how = process.argv[2];
const server = await s3Server();
if (server?.kind !== 'minio') throw new Error(`fixture: expected a local MinIO, got ${server?.kind ?? 'nothing'}`);
console.log(JSON.stringify({ endpoint: server.endpoint }));

if (how === 'throw') throw new Error('fixture: an uncaught error');
if (how === 'signal') {
  setInterval(() => {}, 1_000); // stay alive until the signal arrives
  process.kill(process.pid, 'SIGTERM');
}
