/**
 * Run by servers.test.ts in a child process: starts MinIO through s3Server() (a local
 * binary or a container), prints its endpoint, kind and container as JSON, then ends the
 * way argv[2] says ('exit', 'throw', 'signal', or 'wait' for the test to SIGKILL it)
 * without calling stop(). The test then checks that the server went away with the process.
 * With 'source' it prints the server's kind, or s3Server()'s error, and stops it.
 */
import { s3Server } from './servers.js';

const how = process.argv[2];
if (how === 'source') {
  try {
    const found = await s3Server();
    console.log(JSON.stringify({ kind: found?.kind }));
    await found?.stop();
  } catch (error) {
    console.log(JSON.stringify({ error: (error as Error).message }));
  }
  process.exit(0);
}
const server = await s3Server();
if (server?.kind !== 'minio' && server?.kind !== 'testcontainers') {
  throw new Error(`fixture: expected a local MinIO or a container, got ${server?.kind ?? 'nothing'}`);
}
console.log(JSON.stringify({ endpoint: server.endpoint, kind: server.kind, container: server.container }));

if (how === 'throw') throw new Error('fixture: an uncaught error');
if (how === 'signal' || how === 'wait') setInterval(() => {}, 1_000); // stay alive until the signal arrives
if (how === 'signal') process.kill(process.pid, 'SIGTERM');
