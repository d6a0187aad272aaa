/**
 * S3-compatible servers for the integration tests (SPEC "Tests").
 *
 * `s3Server()` resolves, in order: the server named by STOWAGE_TEST_S3_ENDPOINT; a `minio`
 * binary (STOWAGE_TEST_MINIO, else PATH, else `go env GOBIN` and `$(go env GOPATH)/bin`,
 * where scripts/install-minio.sh puts it) started on free loopback ports in a temporary
 * directory with random root credentials; MinIO in a container through testcontainers
 * when a Docker daemon answers. `motoServer()` starts moto's S3 server (STOWAGE_TEST_MOTO,
 * else .venv-moto/ from scripts/install-moto.sh, else PATH). Both resolve to undefined
 * when nothing is available, and reject when a server was found but would not start.
 * `requireServerOrSkip()` turns undefined into a loud skip, or into a failure with CI=true.
 *
 * Each server starts at most once per process (test/run.ts runs every test file in a
 * process of its own) and is killed when the process ends, whether or not stop() ran.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suite as uvuSuite } from 'uvu';
import { freePort, type ServerProcess, ServerStartError, startServerProcess } from './processes.js';

export interface S3ServerInfo {
  /** `http://host:port`; use path-style addressing. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Where the server came from: STOWAGE_TEST_S3_ENDPOINT, a local binary, or a container. */
  kind: 'env' | 'minio' | 'moto' | 'testcontainers' | 'seaweedfs' | 'versitygw' | 'minio-cluster';
  /** Stops the server (nothing to stop for `env`); a later s3Server()/motoServer() call starts a new one. */
  stop(): Promise<void>;
}

/** `s3`: MinIO (or the server in STOWAGE_TEST_S3_ENDPOINT); `moto`: moto's S3 server. */
export type ServerName = 's3' | 'moto';

/** The MinIO release the tests run; scripts/install-minio.sh and docker-compose.yml pin the same. */
export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';
const REGION = 'us-east-1';
/** The credentials MinIO uses when none are configured; the default for STOWAGE_TEST_S3_ENDPOINT. */
const MINIO_DEFAULT_CREDENTIAL = 'minioadmin';
/** Asking Docker whether it is there can hang (e.g. a DOCKER_HOST that never answers). */
const DOCKER_PROBE_TIMEOUT_MS = 8_000;
const GO_ENV_TIMEOUT_MS = 10_000;
/** Attempts at starting a server when another process took its free port in the meantime. */
const PORT_ATTEMPTS = 3;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const started = new Map<ServerName, Promise<S3ServerInfo | undefined>>();
const tried: Record<ServerName, string[]> = { s3: [], moto: [] };

/** MinIO (or the server in STOWAGE_TEST_S3_ENDPOINT); undefined when none is available. */
export function s3Server(): Promise<S3ServerInfo | undefined> {
  return once('s3', resolveS3Server);
}

/** moto's S3 server; undefined when moto_server is not installed. */
export function motoServer(): Promise<S3ServerInfo | undefined> {
  return once('moto', resolveMotoServer);
}

/**
 * The server `name` for the tests in `suite`, or undefined after a banner on stderr that
 * says what was tried and how to provide a server. With CI=true it throws instead, so a
 * CI run cannot pass by skipping.
 */
export async function requireServerOrSkip(name: ServerName, suite: string): Promise<S3ServerInfo | undefined> {
  const server = await (name === 's3' ? s3Server() : motoServer());
  if (!server) {
    reportMissingServer(name, suite, tried[name]);
    // Shows in the counts as skipped (test/run.ts), so the run's last line tells too.
    const skipped = uvuSuite(`${suite}: no ${name === 's3' ? 'S3' : 'moto'} server`);
    skipped.skip('needs a server (see the banner above)', () => {});
    skipped.run();
  }
  return server;
}

/** Prints the missing-server banner, or throws it when `env.CI` is 'true'. */
export function reportMissingServer(
  name: ServerName,
  suite: string,
  attempts: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const what = name === 's3' ? 'S3-compatible server (MinIO)' : 'moto S3 server';
  const fixes =
    name === 's3'
      ? [
          'bash scripts/install-minio.sh   (needs Go; builds minio into $(go env GOPATH)/bin, found there or on PATH)',
          'or point at a running server: STOWAGE_TEST_S3_ENDPOINT=http://127.0.0.1:9000',
          '   STOWAGE_TEST_S3_ACCESS_KEY=... STOWAGE_TEST_S3_SECRET_KEY=... npm test',
          `or start a Docker daemon (testcontainers then runs ${MINIO_IMAGE})`,
        ]
      : [
          'bash scripts/install-moto.sh   (needs Python 3.9+; installs moto[server] into .venv-moto/)',
          'or STOWAGE_TEST_MOTO=/path/to/moto_server npm test',
        ];
  reportMissing(suite, what, attempts, fixes, env);
}

/**
 * The banner for `suite`, which needs `what` and found none after `attempts`: printed on
 * stderr with the `fixes`, or thrown when `env.CI` is 'true'.
 */
export function reportMissing(
  suite: string,
  what: string,
  attempts: readonly string[],
  fixes: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const ci = env.CI === 'true';
  const rule = '='.repeat(100);
  const message = [
    rule,
    ci
      ? `FAILED (CI=true): ${suite} needs a running ${what}, and none is available.`
      : `SKIPPED: ${suite} — no ${what} is available, so these tests did NOT run.`,
    'Tried:',
    ...attempts.map((attempt) => `  - ${attempt}`),
    'To run them:',
    ...fixes.map((fix) => `  ${fix}`),
    ci ? 'CI=true turns this skip into a failure.' : 'With CI=true this is a failure instead of a skip.',
    rule,
  ].join('\n');
  if (ci) throw new Error(message);
  console.error(message);
}

function once(name: ServerName, resolve: (tried: string[]) => Promise<S3ServerInfo | undefined>) {
  let promise = started.get(name);
  if (!promise) {
    tried[name] = [];
    promise = resolve(tried[name]).then(
      (server) =>
        server && {
          ...server,
          stop: async () => {
            started.delete(name);
            await server.stop();
          },
        },
    );
    started.set(name, promise);
  }
  return promise;
}

async function resolveS3Server(attempts: string[]): Promise<S3ServerInfo | undefined> {
  const endpoint = process.env.STOWAGE_TEST_S3_ENDPOINT;
  if (endpoint) return serverFromEnv(endpoint);
  attempts.push('STOWAGE_TEST_S3_ENDPOINT: not set');
  const binary = await findMinio(attempts);
  if (binary) return startMinio(binary);
  return startMinioContainer(attempts);
}

function serverFromEnv(endpoint: string): S3ServerInfo {
  if (!URL.canParse(endpoint)) {
    throw new Error(`STOWAGE_TEST_S3_ENDPOINT=${endpoint} is not a URL; expected e.g. http://127.0.0.1:9000`);
  }
  return {
    endpoint: endpoint.replace(/\/+$/, ''),
    accessKey: process.env.STOWAGE_TEST_S3_ACCESS_KEY ?? MINIO_DEFAULT_CREDENTIAL,
    secretKey: process.env.STOWAGE_TEST_S3_SECRET_KEY ?? MINIO_DEFAULT_CREDENTIAL,
    region: process.env.STOWAGE_TEST_S3_REGION ?? REGION,
    kind: 'env',
    stop: async () => {},
  };
}

async function findMinio(attempts: string[]): Promise<string | undefined> {
  const explicit = await explicitBinary('STOWAGE_TEST_MINIO');
  if (explicit) return explicit;
  const goDirs = await goBinDirs();
  const found = await findExecutable('minio', [...pathDirs(), ...goDirs]);
  if (!found) attempts.push(`a minio binary: not on PATH, not in ${goDirs.join(', ')} (nor STOWAGE_TEST_MINIO)`);
  return found;
}

async function startMinio(binary: string): Promise<S3ServerInfo> {
  const accessKey = `stowage-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const server = await startWithFreePort('MinIO', binary, async (port) => {
    // Data and certificates both live in the temporary directory, so $HOME/.minio is never touched.
    const root = await mkdtemp(join(tmpdir(), 'stowage-minio-'));
    await mkdir(join(root, 'data'));
    let consolePort = await freePort();
    while (consolePort === port) consolePort = await freePort();
    return startServerProcess({
      command: binary,
      args: [
        'server',
        join(root, 'data'),
        '--address',
        `127.0.0.1:${port}`,
        '--console-address',
        `127.0.0.1:${consolePort}`,
        '--certs-dir',
        join(root, 'certs'),
      ],
      // stowage's own configuration uses MINIO_* names (MINIO_ACCESS_KEY, MINIO_ENDPOINT, ...),
      // some of which the server would read too, so none of them reaches it.
      env: {
        ...withoutPrefix(process.env, 'MINIO_'),
        MINIO_ROOT_USER: accessKey,
        MINIO_ROOT_PASSWORD: secretKey,
        MINIO_UPDATE: 'off',
      },
      readyUrl: `http://127.0.0.1:${port}/minio/health/live`,
      cleanup: [root],
    });
  });
  return { ...server, accessKey, secretKey, region: REGION, kind: 'minio' };
}

async function startMinioContainer(attempts: string[]): Promise<S3ServerInfo | undefined> {
  const problem = await probeDocker();
  if (problem) {
    attempts.push(`MinIO in Docker (testcontainers): ${problem}`);
    return undefined;
  }
  // Imported only once Docker answered: testcontainers is a devDependency the tests can do without.
  const { MinioContainer } = await import('@testcontainers/minio');
  const accessKey = `stowage-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  // testcontainers' reaper (Ryuk) removes the container if this process dies without stop().
  const container = await new MinioContainer(MINIO_IMAGE).withUsername(accessKey).withPassword(secretKey).start();
  return {
    endpoint: `http://${container.getHost()}:${container.getPort()}`,
    accessKey,
    secretKey,
    region: REGION,
    kind: 'testcontainers',
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Undefined when testcontainers is installed and finds a container runtime; otherwise why
 * not. It asks from a child process that is killed after DOCKER_PROBE_TIMEOUT_MS: a probe
 * that hangs (DOCKER_HOST naming something that never answers) leaves a socket open that
 * would keep this process alive after its tests.
 */
async function probeDocker(): Promise<string | undefined> {
  try {
    await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', DOCKER_PROBE], {
      cwd: REPO_ROOT,
      timeout: DOCKER_PROBE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    return undefined;
  } catch (error) {
    const { killed, stdout } = error as { killed?: boolean; stdout?: string };
    if (killed) return `no Docker daemon answered within ${DOCKER_PROBE_TIMEOUT_MS / 1000} s`;
    return stdout?.trim() || (error as Error).message;
  }
}

const DOCKER_PROBE = `
let testcontainers;
try {
  testcontainers = await import('testcontainers');
} catch (error) {
  console.log('testcontainers is not installed (' + error.message + ')');
  process.exit(1);
}
try {
  await testcontainers.getContainerRuntimeClient();
  process.exit(0);
} catch (error) {
  console.log('no Docker daemon answered (' + error.message + ')');
  process.exit(1);
}
`;

async function resolveMotoServer(attempts: string[]): Promise<S3ServerInfo | undefined> {
  const binary =
    (await explicitBinary('STOWAGE_TEST_MOTO')) ??
    (await findExecutable('moto_server', [join(REPO_ROOT, '.venv-moto', 'bin'), ...pathDirs()]));
  if (!binary) {
    attempts.push('moto_server: not in .venv-moto/bin, not on PATH (nor STOWAGE_TEST_MOTO)');
    return undefined;
  }
  const server = await startWithFreePort('moto', binary, (port) =>
    startServerProcess({
      command: binary,
      args: ['-H', '127.0.0.1', '-p', String(port)],
      // Unbuffered, so the log shown when it fails to start is complete.
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      readyUrl: `http://127.0.0.1:${port}/moto-api/`,
    }),
  );
  // moto accepts any credentials.
  return { ...server, accessKey: 'stowage-test', secretKey: 'stowage-test-secret', region: REGION, kind: 'moto' };
}

/**
 * Starts a server on a free port, trying another port when the first was taken between
 * freePort() and the server binding it. Any other failure rejects with the server's log.
 */
export async function startWithFreePort(
  label: string,
  binary: string,
  start: (port: number) => Promise<ServerProcess>,
): Promise<Pick<S3ServerInfo, 'endpoint' | 'stop'>> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      const server = await start(port);
      return { endpoint: `http://127.0.0.1:${port}`, stop: server.stop };
    } catch (error) {
      if (!(error instanceof ServerStartError)) throw error;
      if (attempt < PORT_ATTEMPTS && /address already in use|port is already in use/i.test(error.log)) continue;
      throw new Error(
        `${label} (${binary}) did not start: ${error.message}\n----- ${label} log -----\n${error.log}\n----- end of ${label} log -----`,
      );
    }
  }
}

/** The path in `process.env[variable]` when set; throws when it is not an executable file. */
export async function explicitBinary(variable: string): Promise<string | undefined> {
  const path = process.env[variable];
  if (!path) return undefined;
  if (!(await isExecutable(path))) throw new Error(`${variable}=${path} is not an executable file`);
  return path;
}

export async function findExecutable(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (await isExecutable(path)) return path;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export function pathDirs(): string[] {
  return (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
}

/** Where `go install` puts binaries: GOBIN, else each GOPATH entry's bin (GOPATH defaults to ~/go). */
export async function goBinDirs(): Promise<string[]> {
  let gobin = process.env.GOBIN ?? '';
  let gopath = process.env.GOPATH || join(homedir(), 'go');
  try {
    const { stdout } = await promisify(execFile)('go', ['env', 'GOBIN', 'GOPATH'], { timeout: GO_ENV_TIMEOUT_MS });
    const [goGobin, goGopath] = stdout.split('\n');
    gobin = goGobin ?? '';
    gopath = goGopath || gopath;
  } catch {
    // No Go toolchain: fall back to the environment and Go's defaults.
  }
  const dirs = [gobin, ...gopath.split(delimiter).map((dir) => (dir ? join(dir, 'bin') : ''))];
  return [...new Set(dirs.filter((dir) => dir !== ''))];
}

export function withoutPrefix(env: NodeJS.ProcessEnv, prefix: string): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith(prefix)));
}
