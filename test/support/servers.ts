/**
 * S3-compatible servers for the integration tests (SPEC "Tests").
 *
 * `s3Server()` resolves, in order: the server named by STOWAGE_TEST_S3_ENDPOINT; a `minio`
 * binary (STOWAGE_TEST_MINIO, else PATH, else `go env GOBIN` and `$(go env GOPATH)/bin`,
 * where scripts/install-minio.sh puts it) started on free loopback ports in a temporary
 * directory with random root credentials; MinIO in a container through testcontainers
 * when a Docker daemon answers. STOWAGE_TEST_S3_SERVER=endpoint|minio|testcontainers
 * takes one of the three alone, and a failure instead of the next one when it is not
 * available. `motoServer()` starts moto's S3 server (STOWAGE_TEST_MOTO,
 * else .venv-moto/ from scripts/install-moto.sh, else PATH). Both resolve to undefined
 * when nothing is available, and reject when a server was found but would not start.
 * `requireServerOrSkip()` turns undefined into a loud skip, or into a failure with CI=true.
 *
 * Each server starts at most once per process (test/run.ts runs every test file in a
 * process of its own) and is gone when the process ends, however it ends (SIGKILL included),
 * whether or not stop() ran (test/support/processes.ts).
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
import { freePort, removeAtProcessEnd, type ServerProcess, ServerStartError, startServerProcess } from './processes.js';

export interface S3ServerInfo {
  /** `http://host:port`; use path-style addressing. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Where the server came from: STOWAGE_TEST_S3_ENDPOINT, a local binary, or a container. */
  kind: 'env' | 'minio' | 'moto' | 'testcontainers' | 'seaweedfs' | 'versitygw' | 'minio-cluster';
  /** The Docker container's ID, for `testcontainers`. */
  container?: string | undefined;
  /** Stops the server (nothing to stop for `env`); a later s3Server()/motoServer() call starts a new one. */
  stop(): Promise<void>;
  /** Where a MinIO binary started here keeps its data (kind `minio`); undefined for the others. */
  dataDir?: string | undefined;
}

/** `s3`: MinIO (or the server in STOWAGE_TEST_S3_ENDPOINT); `moto`: moto's S3 server. */
export type ServerName = 's3' | 'moto';

/** The ways s3Server() finds MinIO, in the order it tries them; STOWAGE_TEST_S3_SERVER picks one alone. */
export const S3_SOURCES = ['endpoint', 'minio', 'testcontainers'] as const;
export type S3Source = (typeof S3_SOURCES)[number];

/** The MinIO release the tests run; scripts/install-minio.sh and docker-compose.yml pin the same. */
export const MINIO_IMAGE = 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z';
const REGION = 'us-east-1';
/** The credentials MinIO uses when none are configured; the default for STOWAGE_TEST_S3_ENDPOINT. */
const MINIO_DEFAULT_CREDENTIAL = 'minioadmin';
/**
 * The MinIO health check that tells a server ready for requests: 503 until its object
 * layer, bucket metadata and IAM are up. `/minio/health/live` answers 200 before that
 * (with `x-minio-server-status: offline`), and S3 requests then get 503
 * XMinioServerNotInitialized, for seconds on a loaded machine.
 */
const MINIO_READY_PATH = '/minio/health/cluster';
/** How often the MinIO the tests start empties its trash of deleted objects (its default: 5m). */
const DELETE_CLEANUP_INTERVAL = '2s';
/**
 * Asking Docker whether it is there can hang (e.g. a DOCKER_HOST that never answers). The
 * probe also loads testcontainers in a fresh process, which takes seconds on a busy machine.
 */
const DOCKER_PROBE_TIMEOUT_MS = 30_000;
const GO_ENV_TIMEOUT_MS = 10_000;
/** Attempts at starting a server when another process took its free port in the meantime. */
const PORT_ATTEMPTS = 3;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * No server for a test file that needs one, in CI or when a source was chosen alone: its
 * message says what was tried and what to do, so test/support/uvu-file.ts prints the
 * message alone, without a stack trace.
 */
export class ServerUnavailableError extends Error {
  override readonly name = 'ServerUnavailableError';
}

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
    skipSuite(suite, `no ${name === 's3' ? 'S3' : 'moto'} server`);
  }
  return server;
}

/** A skipped test in the counts (test/run.ts), so the run's last line tells too. */
export function skipSuite(suite: string, why: string): void {
  const skipped = uvuSuite(`${suite}: ${why}`);
  skipped.skip('needs a server (see the banner above)', () => {});
  skipped.run();
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
  reportMissing(`a running ${what}`, suite, attempts, fixes, env);
}

/**
 * Prints a banner saying that `suite` needs `what` and did not run, what was tried and
 * how to provide it; with `env.CI` 'true' it throws the banner instead.
 */
export function reportMissing(
  what: string,
  suite: string,
  attempts: readonly string[],
  fixes: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const ci = env.CI === 'true';
  const rule = '='.repeat(100);
  const message = [
    rule,
    ci
      ? `FAILED (CI=true): ${suite} needs ${what}, and none is available.`
      : `SKIPPED: ${suite} — no ${what.replace(/^an? /, '')} is available, so these tests did NOT run.`,
    'Tried:',
    ...attempts.map((attempt) => `  - ${attempt}`),
    'To run them:',
    ...fixes.map((fix) => `  ${fix}`),
    ci ? 'CI=true turns this skip into a failure.' : 'With CI=true this is a failure instead of a skip.',
    rule,
  ].join('\n');
  if (ci) throw new ServerUnavailableError(message);
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
  const only = s3Source();
  for (const source of only ? [only] : S3_SOURCES) {
    const server = await fromSource(source, attempts);
    if (server) return server;
  }
  // Chosen alone, a source that is not there fails the run even without CI=true: the
  // point of choosing it is to test that path, not to skip.
  if (only) {
    throw new ServerUnavailableError(`STOWAGE_TEST_S3_SERVER=${only}, and it is not available: ${attempts.at(-1)}`);
  }
  return undefined;
}

/** STOWAGE_TEST_S3_SERVER, checked; undefined when unset (every source, in order). */
export function s3Source(env: NodeJS.ProcessEnv = process.env): S3Source | undefined {
  const value = env.STOWAGE_TEST_S3_SERVER;
  if (!value) return undefined;
  if (!(S3_SOURCES as readonly string[]).includes(value)) {
    throw new Error(`STOWAGE_TEST_S3_SERVER=${value} is not one of: ${S3_SOURCES.join(', ')}`);
  }
  return value as S3Source;
}

async function fromSource(source: S3Source, attempts: string[]): Promise<S3ServerInfo | undefined> {
  switch (source) {
    case 'endpoint': {
      const endpoint = process.env.STOWAGE_TEST_S3_ENDPOINT;
      if (endpoint) return serverFromEnv(endpoint);
      attempts.push('STOWAGE_TEST_S3_ENDPOINT: not set');
      return undefined;
    }
    case 'minio': {
      const binary = await findMinio(attempts);
      return binary ? startMinio(binary) : undefined;
    }
    case 'testcontainers':
      return startMinioContainer(attempts);
  }
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
  let dataDir: string | undefined;
  const server = await startWithFreePort('MinIO', binary, async (port) => {
    // Data and certificates both live in the temporary directory, so $HOME/.minio is never touched.
    const root = await mkdtemp(join(tmpdir(), 'stowage-minio-'));
    dataDir = join(root, 'data');
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
        // A deleted object stays in the data directory's trash until MinIO's next sweep
        // (every 5 minutes by default): swept every few seconds, it stays small. The
        // benchmark, which writes and deletes tens of GiB on tmpfs faster than MinIO
        // sweeps even then, also empties it itself (bench/server.ts).
        MINIO_API_DELETE_CLEANUP_INTERVAL: DELETE_CLEANUP_INTERVAL,
      },
      readyUrl: `http://127.0.0.1:${port}${MINIO_READY_PATH}`,
      cleanup: [root],
    });
  });
  return { ...server, accessKey, secretKey, region: REGION, kind: 'minio', dataDir };
}

async function startMinioContainer(attempts: string[]): Promise<S3ServerInfo | undefined> {
  const probe = await probeDocker();
  if (typeof probe === 'string') {
    attempts.push(`MinIO in Docker (testcontainers): ${probe}`);
    return undefined;
  }
  // Imported only once Docker answered: testcontainers is a devDependency the tests can do without.
  const { getContainerRuntimeClient, ImageName, Wait } = await import('testcontainers');
  const { MinioContainer } = await import('@testcontainers/minio');
  // Images the daemon lacks are pulled here, one at a time, so a daemon that cannot pull
  // says which image (instead of a stack trace from deep inside testcontainers).
  for (const image of probe.missing) {
    try {
      await (await getContainerRuntimeClient()).image.pull(ImageName.fromString(image));
    } catch (error) {
      const problem = `${missingImage(image)} (Docker: ${firstLine(error)})`;
      attempts.push(`MinIO in Docker (testcontainers): ${problem}`);
      return undefined;
    }
  }
  const accessKey = `stowage-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  try {
    // testcontainers' reaper (Ryuk) removes the container if this process dies without
    // stop(), unless TESTCONTAINERS_RYUK_DISABLED=true (docs/testing.md); the watchdog of
    // processes.ts does it either way, also when this process is SIGKILLed.
    // MinioContainer waits for /minio/health/live, which answers before the server is ready;
    // 9000 is the S3 port inside the container.
    const container = await new MinioContainer(MINIO_IMAGE)
      .withUsername(accessKey)
      .withPassword(secretKey)
      .withWaitStrategy(Wait.forHttp(MINIO_READY_PATH, 9000))
      .start();
    const cancelRemoval = removeAtProcessEnd({ container: container.getId() });
    return {
      endpoint: `http://${container.getHost()}:${container.getPort()}`,
      accessKey,
      secretKey,
      region: REGION,
      kind: 'testcontainers',
      container: container.getId(),
      stop: async () => {
        cancelRemoval();
        await container.stop();
      },
    };
  } catch (error) {
    throw new ServerUnavailableError(
      `MinIO in Docker (testcontainers): ${MINIO_IMAGE} did not start: ${firstLine(error)}`,
    );
  }
}

/** What to do when the daemon lacks `image` and cannot pull it. */
export function missingImage(image: string): string {
  const fix =
    image === MINIO_IMAGE
      ? 'build it locally with bash scripts/build-minio-image.sh, or pull it where a registry is reachable'
      : "it is testcontainers' reaper: set TESTCONTAINERS_RYUK_DISABLED=true, or pull it where a registry is reachable";
  return `the Docker daemon has no image ${image} and could not pull it: ${fix}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '';
}

/**
 * The images the daemon still lacks when testcontainers finds a container runtime, else
 * why it does not. It asks from a child process that is killed after
 * DOCKER_PROBE_TIMEOUT_MS: a probe that hangs (DOCKER_HOST naming something that never
 * answers) leaves a socket open that would keep this process alive after its tests. A
 * configured Docker host (DOCKER_HOST, or tc.host / docker.host in
 * ~/.testcontainers.properties) is the only one asked, where testcontainers itself would
 * fall back to the default socket.
 */
async function probeDocker(): Promise<{ missing: string[] } | string> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '--eval', DOCKER_PROBE, MINIO_IMAGE],
      { cwd: REPO_ROOT, timeout: DOCKER_PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' },
    );
    return JSON.parse(stdout) as { missing: string[] };
  } catch (error) {
    const { killed, stdout } = error as { killed?: boolean; stdout?: string };
    if (killed) return `no Docker daemon answered within ${DOCKER_PROBE_TIMEOUT_MS / 1000} s`;
    return stdout?.trim() || firstLine(error);
  }
}

// The configuration and the reaper's image name come from testcontainers' own modules
// (neither is a public export), so the probe and testcontainers cannot disagree.
const DOCKER_PROBE = `
import { createRequire } from 'node:module';
const fail = (message) => {
  console.log(message);
  process.exit(1);
};
const firstLine = (error) => String(error?.message ?? error).trim().split('\\n')[0];
let testcontainers;
try {
  testcontainers = await import('testcontainers');
} catch (error) {
  fail('testcontainers is not installed (' + firstLine(error) + ')');
}
const required = createRequire(createRequire(import.meta.url + '/').resolve('testcontainers'));
const { getContainerRuntimeConfig } = required('./container-runtime/strategies/utils/config.js');
const config = await getContainerRuntimeConfig();
const configured = config.tcHost ?? config.dockerHost;
if (configured) {
  const strategy = config.tcHost
    ? required('./container-runtime/strategies/testcontainers-host-strategy.js').TestcontainersHostStrategy
    : required('./container-runtime/strategies/configuration-strategy.js').ConfigurationStrategy;
  const where = process.env.DOCKER_HOST === configured ? 'DOCKER_HOST' : '~/.testcontainers.properties';
  try {
    const { dockerOptions } = await new strategy().getResult();
    await new (required('dockerode'))(dockerOptions).ping();
  } catch (error) {
    fail('the Docker host in ' + where + ' (' + configured + ') does not answer: ' + firstLine(error));
  }
}
let client;
try {
  client = await testcontainers.getContainerRuntimeClient();
} catch (error) {
  fail('no Docker daemon answered (' + firstLine(error) + ')');
}
const images = [process.argv[1]];
if (process.env.TESTCONTAINERS_RYUK_DISABLED !== 'true') images.push(required('./reaper/reaper.js').getReaperImage());
const missing = [];
for (const image of images) {
  if (!(await client.image.exists(testcontainers.ImageName.fromString(image)))) missing.push(image);
}
console.log(JSON.stringify({ missing }));
process.exit(0);
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
