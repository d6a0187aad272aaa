/**
 * `npm run bench:http`: what serving and receiving files through stowage costs, in one
 * run so that the ratios hold on a noisy machine. It reports; it never fails on a figure.
 *
 * - serve: one 1 GiB file on disk, downloaded over loopback from a server process that
 *   runs stowage/http's nodeHandler over the fs driver, and from one that runs
 *   `serve-static` (what `express.static` uses) on the same directory; rounds alternate.
 *   Reported: MB/s per contender (median of the rounds), the server's CPU seconds per
 *   GiB (steadier than MB/s on a shared machine) and each server's peak RSS.
 * - upload: one 100 MiB multipart upload through stowage/multer into the fs driver
 *   (Express + multer); reported: the server's RSS growth over its idle baseline,
 *   sampled every 10 ms (target: under 64 MiB, as for `save`).
 *
 *   npm run bench:http                 the full run
 *   npm run bench:http -- --quick      128 MiB and 16 MiB instead, two rounds
 *
 * Each server is a child process of its own (this file, started with a role), so that
 * its RSS is its own. The figures go in docs/benchmarks.md ("Serving and uploads").
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const quick = process.argv.includes('--quick');
const SERVE_BYTES = quick ? 128 * MiB : 1024 * MiB;
const UPLOAD_BYTES = quick ? 16 * MiB : 100 * MiB;
const ROUNDS = quick ? 2 : 5;
const RSS_SAMPLE_MS = 10;
const FILE = 'large.bin';

type Role = 'stowage' | 'serve-static' | 'multer';
interface ChildReport {
  baselineRss: number;
  peakRss: number;
  /** CPU seconds (user + system) the server spent after its baseline. */
  cpuSeconds: number;
}

const role = process.argv[2] as Role | undefined;
if (role === 'stowage' || role === 'serve-static' || role === 'multer') await child(role, process.argv[3] as string);
else await main();

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stowage-bench-http-'));
  try {
    console.log(
      `writing a ${SERVE_BYTES / MiB} MiB file; node ${process.version}; ${quick ? 'quick run' : `${ROUNDS} rounds`}`,
    );
    await writeLargeFile(join(dir, 'serve', FILE), SERVE_BYTES);
    const results: Record<string, { mbps: number[]; peakRss: number; cpuPerGiB: number[] }> = {};
    for (let round = 0; round < ROUNDS; round++) {
      // The order reverses each round, so that drift on the machine touches both alike.
      const order = ['stowage', 'serve-static'] as const;
      for (const contender of round % 2 === 0 ? order : [...order].reverse()) {
        const server = await startChild(contender, join(dir, 'serve'));
        const started = performance.now();
        const bytes = await download(`${server.origin}/media/${FILE}`);
        const seconds = (performance.now() - started) / 1000;
        const report = await server.stop();
        if (bytes !== SERVE_BYTES) throw new Error(`${contender} served ${bytes} bytes, not ${SERVE_BYTES}`);
        const entry = results[contender] ?? { mbps: [], peakRss: 0, cpuPerGiB: [] };
        results[contender] = entry;
        entry.mbps.push(bytes / 1e6 / seconds);
        entry.cpuPerGiB.push(report.cpuSeconds / (bytes / (1024 * MiB)));
        entry.peakRss = Math.max(entry.peakRss, report.peakRss);
      }
    }
    console.log(`\nserving ${SERVE_BYTES / MiB} MiB from disk over loopback (median of ${ROUNDS}):`);
    for (const [contender, { mbps, peakRss, cpuPerGiB }] of Object.entries(results)) {
      const rounds = mbps.map((rate) => rate.toFixed(0)).join(', ');
      console.log(
        `  ${contender.padEnd(13)} ${median(mbps).toFixed(0).padStart(6)} MB/s (rounds: ${rounds})   server CPU ${median(cpuPerGiB).toFixed(2)} s/GiB   peak RSS ${mib(peakRss)} MiB`,
      );
    }
    const [ours, theirs] = [results.stowage, results['serve-static']];
    if (ours && theirs) {
      console.log(
        `  ratio stowage/serve-static: throughput ${(median(ours.mbps) / median(theirs.mbps)).toFixed(2)}, server CPU ${(median(ours.cpuPerGiB) / median(theirs.cpuPerGiB)).toFixed(2)}, peak RSS ${(ours.peakRss / theirs.peakRss).toFixed(2)}`,
      );
    }

    const uploads = await startChild('multer', join(dir, 'uploads'));
    const status = await uploadGenerated(`${uploads.origin}/upload`, UPLOAD_BYTES);
    const report = await uploads.stop();
    if (status !== 200) throw new Error(`the upload answered ${status}`);
    console.log(
      `\nuploading ${UPLOAD_BYTES / MiB} MiB through stowage/multer into fs: RSS ${mib(report.baselineRss)} → peak ${mib(report.peakRss)} MiB, growth ${mib(report.peakRss - report.baselineRss)} MiB (target < 64)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A server process of `role` over `dir`; stop() ends it and returns its RSS figures. */
async function startChild(role: Role, dir: string): Promise<{ origin: string; stop(): Promise<ChildReport> }> {
  const proc = fork(fileURLToPath(import.meta.url), [role, dir], { execArgv: process.execArgv });
  const origin = await new Promise<string>((resolve, reject) => {
    proc.once('message', (message) => resolve((message as { origin: string }).origin));
    proc.once('exit', (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
  return {
    origin,
    stop: () =>
      new Promise((resolve) => {
        proc.once('message', (message) => {
          proc.kill();
          resolve(message as ChildReport);
        });
        proc.send('report');
      }),
  };
}

/** The server side: listens, samples its RSS, and reports it when asked. */
async function child(role: Role, dir: string): Promise<void> {
  const express = (await import('express')).default;
  const { createFileSystemStorage } = await import('stowage/fs');
  const app = express();
  if (role === 'stowage') {
    const { nodeHandler } = await import('stowage/http');
    app.use('/media', nodeHandler(createFileSystemStorage({ location: dir }), { prefix: '/media/' }));
  } else if (role === 'serve-static') {
    const serveStatic = (await import('serve-static')).default;
    app.use('/media', serveStatic(dir));
  } else {
    const multer = (await import('multer')).default;
    const { multerStorage } = await import('stowage/multer');
    const upload = multer({ storage: multerStorage({ storage: createFileSystemStorage({ location: dir }) }) });
    app.post('/upload', upload.single('file'), (_req, res) => {
      res.json({ ok: true });
    });
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  global.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const baselineRss = process.memoryUsage.rss();
  const baselineCpu = process.cpuUsage();
  let peakRss = baselineRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  process.on('message', () => {
    clearInterval(sampler);
    // maxRSS (KiB) also catches a peak between two samples.
    peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
    const cpu = process.cpuUsage(baselineCpu);
    process.send?.({ baselineRss, peakRss, cpuSeconds: (cpu.user + cpu.system) / 1e6 } satisfies ChildReport);
  });
  const { port } = server.address() as AddressInfo;
  process.send?.({ origin: `http://127.0.0.1:${port}` });
}

async function writeLargeFile(path: string, size: number): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(join(path, '..'), { recursive: true });
  const chunk = randomBytes(MiB);
  await pipeline(
    Readable.from(
      (function* () {
        for (let written = 0; written < size; written += MiB) yield chunk;
      })(),
    ),
    createWriteStream(path),
  );
}

/** GETs `url` and counts the bytes, keeping none. */
function download(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve(bytes));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** POSTs a multipart body with one file of `size` bytes, generated as it is sent. */
async function uploadGenerated(url: string, size: number): Promise<number> {
  const boundary = `----stowage-bench-${randomBytes(8).toString('hex')}`;
  const chunk = randomBytes(MiB);
  const body = Readable.from(
    (function* () {
      yield Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      for (let sent = 0; sent < size; sent += MiB) yield chunk.subarray(0, Math.min(MiB, size - sent));
      yield Buffer.from(`\r\n--${boundary}--\r\n`);
    })(),
  );
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    body.pipe(req);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}
