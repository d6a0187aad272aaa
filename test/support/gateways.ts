/**
 * Two more S3 implementations for the integration tests, besides MinIO and moto
 * (test/support/servers.ts): SeaweedFS's S3 gateway and versitygw on a POSIX directory.
 * Each is found as a binary (STOWAGE_TEST_WEED / STOWAGE_TEST_VERSITYGW, else PATH, else
 * `go env GOBIN` and `$(go env GOPATH)/bin`, where scripts/install-seaweedfs.sh and
 * scripts/install-versitygw.sh put them), started on free loopback ports in a temporary
 * directory with random credentials, at most once per process, and killed when the
 * process ends. `requireGatewayOrSkip()` skips loudly when one is missing, and fails
 * with CI=true.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite as uvuSuite } from 'uvu';
import { freePort, startServerProcess } from './processes.js';
import {
  explicitBinary,
  findExecutable,
  goBinDirs,
  pathDirs,
  reportMissing,
  type S3ServerInfo,
  startWithFreePort,
} from './servers.js';

export type GatewayName = 'seaweedfs' | 'versitygw';

/** The versions the tests run; the install scripts pin the same. */
export const GATEWAY_VERSIONS: Record<GatewayName, string> = {
  seaweedfs: 'SeaweedFS 4.53 (commit 7506e5f91cd6)',
  versitygw: 'versitygw v1.8.0',
};

const REGION = 'us-east-1';
/**
 * SeaweedFS's volumes: its default (30 GB volumes, as many as fit the disk, 7 per
 * collection at once) makes every bucket after the first few fail with 500 "failed to find
 * writable volumes" on a small disk. Small volumes, and plenty of them, fit any test run.
 */
const SEAWEED_VOLUME_SIZE_MB = 64;
const SEAWEED_MAX_VOLUMES = 200;
/** SeaweedFS starts a master, a volume server, a filer and the gateway: slower than the others. */
const SEAWEED_READY_TIMEOUT_MS = 90_000;

const BINARIES: Record<GatewayName, { binary: string; variable: string; script: string }> = {
  seaweedfs: { binary: 'weed', variable: 'STOWAGE_TEST_WEED', script: 'scripts/install-seaweedfs.sh' },
  versitygw: { binary: 'versitygw', variable: 'STOWAGE_TEST_VERSITYGW', script: 'scripts/install-versitygw.sh' },
};

const started = new Map<GatewayName, Promise<S3ServerInfo | undefined>>();

/** The gateway `name`, started on first use; undefined (after saying what was tried) when not installed. */
export function gatewayServer(name: GatewayName, attempts: string[] = []): Promise<S3ServerInfo | undefined> {
  let promise = started.get(name);
  if (!promise) {
    promise = resolveGateway(name, attempts);
    started.set(name, promise);
  }
  return promise;
}

/**
 * The gateway `name` for the tests in `suite`, or undefined after a banner that says
 * what was tried and how to install it; with CI=true it throws instead.
 */
export async function requireGatewayOrSkip(name: GatewayName, suite: string): Promise<S3ServerInfo | undefined> {
  const attempts: string[] = [];
  const server = await gatewayServer(name, attempts);
  if (!server) {
    const { script, variable } = BINARIES[name];
    reportMissing(`a ${GATEWAY_VERSIONS[name]} server`, suite, attempts, [
      `bash ${script}   (needs Go; builds it into $(go env GOPATH)/bin, found there or on PATH)`,
      `or ${variable}=/path/to/${BINARIES[name].binary} npm test`,
    ]);
    const skipped = uvuSuite(`${suite}: no ${name} server`);
    skipped.skip('needs a server (see the banner above)', () => {});
    skipped.run();
  }
  return server;
}

async function resolveGateway(name: GatewayName, attempts: string[]): Promise<S3ServerInfo | undefined> {
  const { binary: file, variable } = BINARIES[name];
  const binary =
    (await explicitBinary(variable)) ?? (await findExecutable(file, [...pathDirs(), ...(await goBinDirs())]));
  if (!binary) {
    attempts.push(`a ${file} binary: not on PATH, not in the Go bin directories (nor ${variable})`);
    return undefined;
  }
  const accessKey = `stowage-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const start = name === 'seaweedfs' ? startSeaweedfs : startVersitygw;
  const server = await startWithFreePort(name, binary, (port) => start(binary, port, { accessKey, secretKey }));
  return { ...server, accessKey, secretKey, region: REGION, kind: name };
}

interface Keys {
  accessKey: string;
  secretKey: string;
}

/** versitygw's posix backend: each bucket is a directory under `<root>/data`. */
async function startVersitygw(binary: string, port: number, keys: Keys) {
  const root = await mkdtemp(join(tmpdir(), 'stowage-versitygw-'));
  await mkdir(join(root, 'data'));
  return startServerProcess({
    command: binary,
    args: [
      '--access',
      keys.accessKey,
      '--secret',
      keys.secretKey,
      '--region',
      REGION,
      '--port',
      `127.0.0.1:${port}`,
      '--health',
      '/health',
      'posix',
      join(root, 'data'),
    ],
    // versitygw reads VGW_* and ROOT_* variables; none of the test run's reaches it.
    env: { PATH: process.env.PATH, HOME: root },
    readyUrl: `http://127.0.0.1:${port}/health`,
    cleanup: [root],
  });
}

/**
 * `weed server`: master, volume server, filer and the S3 gateway in one process, every
 * port (and gRPC port) a free loopback one, one identity with full rights (the
 * identities file of `-s3.config`).
 * https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API
 */
async function startSeaweedfs(binary: string, s3Port: number, keys: Keys) {
  const root = await mkdtemp(join(tmpdir(), 'stowage-seaweedfs-'));
  await mkdir(join(root, 'data'));
  const config = join(root, 's3.json');
  const identity = {
    name: 'stowage',
    credentials: [{ accessKey: keys.accessKey, secretKey: keys.secretKey }],
    actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
  };
  await writeFile(config, JSON.stringify({ identities: [identity] }));
  const ports = await distinctFreePorts(7, [s3Port]);
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3Grpc] = ports;
  return startServerProcess({
    command: binary,
    args: [
      'server',
      '-ip=127.0.0.1',
      '-ip.bind=127.0.0.1',
      `-dir=${join(root, 'data')}`,
      `-master.port=${master}`,
      `-master.port.grpc=${masterGrpc}`,
      `-master.volumeSizeLimitMB=${SEAWEED_VOLUME_SIZE_MB}`,
      // No anonymous usage reports to seaweedfs.com from a test run.
      '-master.telemetry=false',
      `-volume.port=${volume}`,
      `-volume.port.grpc=${volumeGrpc}`,
      `-volume.max=${SEAWEED_MAX_VOLUMES}`,
      '-filer',
      `-filer.port=${filer}`,
      `-filer.port.grpc=${filerGrpc}`,
      '-s3',
      `-s3.port=${s3Port}`,
      `-s3.port.grpc=${s3Grpc}`,
      `-s3.config=${config}`,
      // As S3 does: a write to a missing bucket is NoSuchBucket, not a new bucket.
      '-s3.autoCreateBucket=false',
      // The Iceberg and Lance catalogs would listen on fixed ports (8181, 9101).
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
    ],
    env: { PATH: process.env.PATH, HOME: root },
    readyUrl: `http://127.0.0.1:${s3Port}/healthz`,
    timeoutMs: SEAWEED_READY_TIMEOUT_MS,
    cleanup: [root],
  });
}

/** `count` free loopback ports, none of them in `taken` nor equal to another. */
async function distinctFreePorts(count: number, taken: number[]): Promise<number[]> {
  const ports = new Set(taken);
  const result: number[] = [];
  while (result.length < count) {
    const port = await freePort();
    if (ports.has(port)) continue;
    ports.add(port);
    result.push(port);
  }
  return result;
}
