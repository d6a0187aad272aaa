import { s3Server } from './servers.js';
import { gatewayServer } from './gateways.js';
import { probeFeatures } from './features.js';
const which = process.argv[2] ?? 'minio';
const attempts: string[] = [];
const server = which === 'minio' ? await s3Server() : await gatewayServer(which as 'seaweedfs' | 'versitygw', attempts);
if (!server) {
  console.log('none', attempts);
  process.exit(1);
}
console.log(server.endpoint);
console.log(await probeFeatures(server));
await server.stop();
