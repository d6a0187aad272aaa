/**
 * Browser uploads (docs/benchmarks.md "Browser uploads"): one file uploaded from headless
 * Chromium to MinIO through a POST-policy form and through presigned multipart parts
 * (stowage/browser, 4 parts in flight), taking turns, median of the rounds; and the
 * application process's CPU time per GiB for each, against the same bytes streamed
 * through the application with `storage.save` (what a server that proxies uploads pays).
 *
 *   npm run build && node --import tsx bench/browser-uploads.ts [--size-mib=256] [--rounds=3]
 */
import { Readable } from 'node:stream';
import { createMinioStorage } from 'stowage/minio';
import { appServer, launchChromium, openPage, type PageHelpers } from '../test/support/browser.js';
import { adminClient, minioConnection, randomBucket, removeBucket } from '../test/support/object-stores.js';
import { s3Server } from '../test/support/servers.js';

const MiB = 1024 * 1024;
const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const size = arg('size-mib', 256) * MiB;
const rounds = arg('rounds', 3);

const server = await s3Server();
if (!server) throw new Error('no MinIO: bash scripts/install-minio.sh');
const bucket = randomBucket('bench-browser');
const storage = createMinioStorage({ ...minioConnection(server), bucket, privateBuckets: [bucket] });
await storage.initializeBuckets();
let serverCpu = 0;
/** Counts the application process's CPU time while an endpoint runs. */
const timed =
  <T>(handler: (body: never) => Promise<T>) =>
  async (body: unknown) => {
    const before = process.cpuUsage();
    try {
      return await handler(body as never);
    } finally {
      const used = process.cpuUsage(before);
      serverCpu += (used.user + used.system) / 1000;
    }
  };
const app = await appServer({
  '/form': timed(({ name }: { name: string }) => storage.createUploadUrl(name, { maxSize: size })),
  '/multipart': timed(({ name }: { name: string }) => storage.createMultipartUpload(name, { size })),
  '/complete': timed(({ name, uploadId }: { name: string; uploadId: string }) =>
    storage.completeMultipartUpload(name, uploadId),
  ),
});
const browser = await launchChromium();
const page = await openPage(browser, app);
await page.evaluate((size) => {
  const helpers = window as unknown as PageHelpers & { benchFile: File };
  helpers.benchFile = helpers.testFile(1, size);
}, size);

type Flow = 'form' | 'multipart';
const samples: Record<Flow, { seconds: number[]; cpuMs: number[] }> = {
  form: { seconds: [], cpuMs: [] },
  multipart: { seconds: [], cpuMs: [] },
};
for (let round = 0; round < rounds; round++) {
  const order: Flow[] = round % 2 === 0 ? ['form', 'multipart'] : ['multipart', 'form'];
  for (const flow of order) {
    serverCpu = 0;
    const seconds = await page.evaluate(
      async ({ flow, name }) => {
        const { stowage, benchFile } = window as unknown as PageHelpers & { benchFile: File };
        const post = async (path: string, body: unknown) =>
          (await fetch(path, { method: 'POST', body: JSON.stringify(body) })).json();
        const started = performance.now();
        const target = await post(flow === 'form' ? '/form' : '/multipart', { name });
        const result = await stowage.upload(benchFile, target, { concurrency: 4 });
        if (flow === 'multipart') await post('/complete', { name: result.name, uploadId: target.uploadId });
        return (performance.now() - started) / 1000;
      },
      { flow, name: `bench/${flow}-${round}.bin` },
    );
    samples[flow].seconds.push(seconds);
    samples[flow].cpuMs.push(serverCpu);
  }
}

// The same bytes through the application: what a server that proxies uploads spends.
const proxiedCpu: number[] = [];
for (let round = 0; round < rounds; round++) {
  const chunk = Buffer.alloc(MiB, round);
  const before = process.cpuUsage();
  await storage.save(`bench/proxied-${round}.bin`, Readable.from(chunksOf(chunk, size / MiB)));
  const used = process.cpuUsage(before);
  proxiedCpu.push((used.user + used.system) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const perGiB = (ms: number) => (ms * 1024 * MiB) / size;
const rate = (flow: Flow) => size / MiB / median(samples[flow].seconds);
console.log(`browser uploads: ${size / MiB} MiB file, ${rounds} rounds, median`);
console.log(`| flow | MiB/s | application CPU per GiB |`);
console.log(`| --- | ---: | ---: |`);
console.log(
  `| POST-policy form (one request) | ${rate('form').toFixed(0)} | ${perGiB(median(samples.form.cpuMs)).toFixed(1)} ms |`,
);
console.log(
  `| presigned multipart (${Math.ceil(size / (8 * MiB))} parts, 4 in flight) | ${rate('multipart').toFixed(0)} | ${perGiB(median(samples.multipart.cpuMs)).toFixed(1)} ms |`,
);
console.log(
  `| the same bytes through the application (storage.save of a stream) | — | ${perGiB(median(proxiedCpu)).toFixed(0)} ms |`,
);
console.log(`multipart ÷ form throughput: ${(rate('multipart') / rate('form')).toFixed(2)}`);

await browser.close();
await app.close();
await removeBucket(adminClient(server), bucket);
await storage.close();
await server.stop();

function* chunksOf(chunk: Buffer, count: number): Generator<Buffer> {
  for (let i = 0; i < count; i++) yield chunk;
}
