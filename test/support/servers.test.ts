/**
 * The test-server helper: MinIO and moto start on free loopback ports, answer S3
 * requests, and are gone after stop() or when the test process ends.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'minio';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isPortOpen } from './processes.js';
import {
  MINIO_IMAGE,
  missingImage,
  motoServer,
  reportMissingServer,
  requireServerOrSkip,
  type S3ServerInfo,
  s3Server,
  s3Source,
} from './servers.js';

const FIXTURE = fileURLToPath(new URL('./server-exit-fixture.ts', import.meta.url));
/** A killed process's listening socket closes shortly after, not at once. */
const PORT_CLOSE_WAIT_MS = 3_000;
/** A container goes once the watchdog has loaded testcontainers and asked Docker: seconds on a busy machine. */
const CONTAINER_REMOVAL_WAIT_MS = 30_000;

test('a missing server is a loud skip, and a failure with CI=true', () => {
  const printed: string[] = [];
  const consoleError = console.error;
  console.error = (message: string) => printed.push(message);
  try {
    reportMissingServer('s3', 'the MinIO driver', ['STOWAGE_TEST_S3_ENDPOINT: not set'], { CI: 'false' });
  } finally {
    console.error = consoleError;
  }
  const banner = printed.join('\n');
  assert.match(banner, 'SKIPPED: the MinIO driver');
  assert.match(banner, 'STOWAGE_TEST_S3_ENDPOINT: not set');
  assert.match(banner, 'bash scripts/install-minio.sh');
  assert.throws(
    () => reportMissingServer('moto', 'the S3 driver on moto', [], { CI: 'true' }),
    /FAILED \(CI=true\)[\s\S]*scripts\/install-moto\.sh/,
  );
});

test('STOWAGE_TEST_S3_SERVER names one source; anything else is refused', () => {
  assert.is(s3Source({}), undefined);
  assert.is(s3Source({ STOWAGE_TEST_S3_SERVER: 'testcontainers' }), 'testcontainers');
  assert.throws(() => s3Source({ STOWAGE_TEST_S3_SERVER: 'docker' }), /not one of: endpoint, minio, testcontainers/);
});

test('a source chosen alone fails when it is missing, instead of falling back', async () => {
  const { error, kind } = await sourceInChild({ STOWAGE_TEST_S3_SERVER: 'endpoint', STOWAGE_TEST_S3_ENDPOINT: '' });
  assert.is(kind, undefined, 'a server was found anyway');
  assert.is(error, 'STOWAGE_TEST_S3_SERVER=endpoint, and it is not available: STOWAGE_TEST_S3_ENDPOINT: not set');
});

test('a configured DOCKER_HOST that does not answer is reported, not replaced by the default socket', async () => {
  const socket = `unix://${join(tmpdir(), `stowage-no-docker-${randomBytes(4).toString('hex')}.sock`)}`;
  const { error } = await sourceInChild({ STOWAGE_TEST_S3_SERVER: 'testcontainers', DOCKER_HOST: socket });
  assert.ok(error?.startsWith('STOWAGE_TEST_S3_SERVER=testcontainers, and it is not available: '), error);
  assert.ok(error?.includes(`the Docker host in DOCKER_HOST (${socket}) does not answer`), error);
  assert.not.match(error ?? '', /\n/);
});

test('an image the daemon cannot pull is named with what to do', () => {
  assert.match(missingImage(MINIO_IMAGE), `no image ${MINIO_IMAGE}`);
  assert.match(missingImage(MINIO_IMAGE), 'bash scripts/build-minio-image.sh');
  assert.match(missingImage('testcontainers/ryuk:0.14.0'), 'TESTCONTAINERS_RYUK_DISABLED=true');
});

const minio = await timed('MinIO', () => requireServerOrSkip('s3', 'test/support/servers.test.ts (MinIO)'));
const moto = await timed('moto', () => requireServerOrSkip('moto', 'test/support/servers.test.ts (moto)'));

(minio && s3Source() ? test : test.skip)('s3Server(): the server comes from STOWAGE_TEST_S3_SERVER', () => {
  const kinds = { endpoint: 'env', minio: 'minio', testcontainers: 'testcontainers' } as const;
  assert.is(minio?.kind, kinds[s3Source() as keyof typeof kinds]);
});

(minio ? test : test.skip)('s3Server(): started once per process', async () => {
  assert.is(await s3Server(), minio);
});

(minio ? test : test.skip)('s3Server(): MinIO answers its health check and S3 requests', async () => {
  const server = minio as S3ServerInfo;
  const health = await fetch(`${server.endpoint}/minio/health/live`);
  assert.is(health.status, 200);
  await roundTrip(server);
});

(moto ? test : test.skip)('motoServer(): moto answers S3 requests', async () => {
  assert.is(await motoServer(), moto);
  await roundTrip(moto as S3ServerInfo);
});

(minio?.kind === 'minio' ? test : test.skip)('s3Server(): stop() closes the port', async () => {
  const server = minio as S3ServerInfo;
  await server.stop();
  assert.not.ok(await isPortOpen(portOf(server)));
});

(moto ? test : test.skip)('motoServer(): stop() closes the port', async () => {
  const server = moto as S3ServerInfo;
  await server.stop();
  assert.not.ok(await isPortOpen(portOf(server)));
});

const local = minio?.kind === 'minio' || minio?.kind === 'testcontainers';
for (const how of ['exit', 'throw', 'signal', 'SIGKILL'] as const) {
  (local ? test : test.skip)(`a server dies with its process (${how}), ${minio?.kind ?? ''}`, async () => {
    const { code, signal, stderr, printed } = await runFixture(how === 'SIGKILL' ? 'wait' : how, {
      STOWAGE_TEST_S3_ENDPOINT: '',
      STOWAGE_TEST_S3_SERVER: minio?.kind ?? '',
    });
    const { endpoint, container } = printed as { endpoint: string; container?: string };
    if (how === 'exit') assert.is(code, 0, stderr);
    if (how === 'throw') assert.is(code, 1, stderr);
    if (how === 'signal') assert.is(signal, 'SIGTERM', stderr);
    if (how === 'SIGKILL') assert.is(signal, 'SIGKILL', stderr);
    if (minio?.kind === 'testcontainers') {
      assert.ok(container, 'the fixture named no container');
      assert.ok(
        await containerGoneWithin(container, CONTAINER_REMOVAL_WAIT_MS),
        `container ${container} is still there`,
      );
    }
    const port = portOf({ endpoint });
    assert.ok(await portClosesWithin(port, PORT_CLOSE_WAIT_MS), `port ${port} still open after the process ended`);
  });
}

test.run();

/** Creates a bucket, puts and gets one object, then removes both, through the MinIO SDK. */
async function roundTrip(server: S3ServerInfo): Promise<void> {
  const url = new URL(server.endpoint);
  const client = new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: server.accessKey,
    secretKey: server.secretKey,
    region: server.region,
    pathStyle: true,
  });
  const bucket = `stowage-servers-${randomBytes(4).toString('hex')}`;
  await client.makeBucket(bucket, server.region);
  try {
    await client.putObject(bucket, 'hello.txt', Buffer.from('hello, stowage'), undefined, {
      'Content-Type': 'text/plain',
    });
    const body = await client.getObject(bucket, 'hello.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    assert.is(Buffer.concat(chunks).toString('utf8'), 'hello, stowage');
  } finally {
    await client.removeObject(bucket, 'hello.txt');
    await client.removeBucket(bucket);
  }
}

/** What s3Server() finds, or its error, in a child process with `env` added. */
async function sourceInChild(env: Record<string, string>): Promise<{ kind?: string; error?: string }> {
  return (await runFixture('source', { CI: 'false', ...env })).printed as { kind?: string; error?: string };
}

/**
 * Runs server-exit-fixture.ts `how` with `env` added; `printed` is the JSON line it printed.
 * With 'wait', the fixture is SIGKILLed as soon as it printed that line.
 */
async function runFixture(how: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, how], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (how === 'wait' && stdout.includes('}\n')) child.kill('SIGKILL');
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `the fixture printed no JSON line; stderr:\n${stderr}`);
  return { code, signal, stderr, printed: JSON.parse(line) as unknown };
}

async function timed<T>(label: string, start: () => Promise<T>): Promise<T> {
  const began = Date.now();
  const result = await start();
  if (result) console.log(`${label}: ready in ${Date.now() - began} ms`);
  return result;
}

function portOf(server: { endpoint: string }): number {
  return Number(new URL(server.endpoint).port);
}

async function containerGoneWithin(id: string, ms: number): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await client.container.getById(id).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return true;
      throw error;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function portClosesWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isPortOpen(port)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
