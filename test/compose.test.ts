/**
 * docker-compose.yml as a developer uses it: `docker compose up` waits for the MinIO
 * service's health check, then the README's quick start, `npx stowage init-buckets`,
 * `health`, `put`, `url` (fetched) and `get` run on the host with the variables of the
 * file's app section (pointed at the published port, as its comments say), and the
 * project is torn down with its volume. Needs the Docker CLI with Compose v2 and a daemon
 * (scripts/install-docker.sh, scripts/install-compose.sh) and the MinIO image, pulled or
 * built by scripts/build-minio-image.sh; without them a loud skip, with CI=true a failure.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { ROOT, requireBuiltCli, stowage } from './support/cli.js';
import { docBlocks } from './support/doc-blocks.js';
import { freePort } from './support/processes.js';
import { MINIO_IMAGE, reportMissing, skipSuite } from './support/servers.js';

const run = promisify(execFile);
const SUITE = 'docker-compose.yml';
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
/** Pulling is not counted: CI builds the image; a developer's first `up` may pull it. */
const UP_TIMEOUT_MS = 180_000;
const COMMAND_TIMEOUT_MS = 60_000;

const problem = await composeProblem();
if (problem) {
  reportMissing(
    'Docker with Compose v2 (docker compose)',
    SUITE,
    [problem],
    [
      'bash scripts/install-docker.sh && bash scripts/install-compose.sh   (Debian, as root)',
      `and the image ${MINIO_IMAGE}: bash scripts/build-minio-image.sh, or let compose pull it`,
    ],
  );
  skipSuite(SUITE, 'no docker compose');
} else {
  const test = suite(SUITE);
  const project = `stowage-compose-${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  let consolePort = await freePort();
  while (consolePort === port) consolePort = await freePort();
  // The variables the file reads (its ports and root credentials), as a developer's .env would set them.
  const composeEnv = {
    ...process.env,
    MINIO_PORT: String(port),
    MINIO_CONSOLE_PORT: String(consolePort),
    MINIO_ACCESS_KEY: `compose-${randomBytes(4).toString('hex')}`,
    MINIO_SECRET_KEY: randomBytes(16).toString('hex'),
  };
  const compose = (...args: string[]) =>
    run('docker', ['compose', '--file', COMPOSE_FILE, '--project-name', project, ...args], {
      cwd: ROOT,
      env: composeEnv,
      timeout: UP_TIMEOUT_MS,
    });
  const app = appEnvironment(composeEnv, port);
  // In the package's folder (.cache/ is gitignored), so the quick start's `import ... from
  // 'stowage'` resolves to the build through the package's exports, as once installed.
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  const work = mkdtempSync(join(ROOT, '.cache', 'compose-'));

  test.before(async () => {
    requireBuiltCli();
    try {
      // --wait: returns once the MinIO service's health check passes, fails if it never does.
      await compose('up', '--detach', '--wait', 'minio');
    } catch (error) {
      const { stderr = '' } = error as { stderr?: string };
      const logs = await compose('logs', 'minio').catch(() => ({ stdout: '' }));
      throw new Error(`docker compose up failed:\n${stderr.trim()}\n----- minio log -----\n${logs.stdout}`);
    }
  });

  test.after(async () => {
    rmSync(work, { recursive: true, force: true });
    await compose('down', '--volumes', '--remove-orphans');
  });

  test('MinIO listens on the published loopback port only', async () => {
    const { stdout } = await compose('port', 'minio', '9000');
    assert.is(stdout.trim(), `127.0.0.1:${port}`);
  });

  test("the README's quick start runs against it with the app section's variables", async () => {
    const quickStart = docBlocks(join(ROOT, 'README.md'), 'README.md').find((block) => block.kind === 'ts');
    assert.ok(quickStart, 'README.md has no ```ts quick start');
    const file = join(work, 'quick-start.ts');
    writeFileSync(file, `${quickStart.code}\nexport {};\n`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], {
      cwd: work,
      env: { ...withoutStorageVariables(process.env), ...app },
      timeout: COMMAND_TIMEOUT_MS,
    });
    const [name, url] = stdout.trim().split(' ');
    assert.match(name ?? '', /^avatars\/me(_\w+)?\.txt$/);
    // The default bucket is private: a URL signed for the external endpoint.
    assert.ok(url?.startsWith(`http://localhost:${port}/${app.MINIO_DEFAULT_BUCKET}/`), url);
    const response = await fetch(url as string);
    assert.is(response.status, 200);
    assert.is(await response.text(), 'hello');
  });

  test('npx stowage init-buckets, health, put, url (fetched) and get', async () => {
    const cli = async (args: string[], input?: string) => {
      const result = await stowage(args, { env: app, cwd: work, ...(input === undefined ? {} : { input }) });
      assert.is(result.code, 0, `stowage ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.trim();
    };
    const buckets = JSON.parse(await cli(['init-buckets', '--json'])) as { driver: string };
    assert.is(buckets.driver, 'minio');
    assert.match(await cli(['health']), /^available/);
    const source = join(work, 'hello.txt');
    writeFileSync(source, 'hello from compose');
    const name = await cli(['put', source, 'notes/hello.txt']);
    assert.match(name, /^notes\/hello(_\w+)?\.txt$/);
    const response = await fetch(await cli(['url', name]));
    assert.is(response.status, 200);
    assert.is(await response.text(), 'hello from compose');
    const copy = join(work, 'copy.txt');
    await cli(['get', name, copy]);
    assert.is(readFileSync(copy, 'utf8'), 'hello from compose');
  });

  test.run();
}

/** Why `docker compose` cannot run the file here, or undefined when it can. */
async function composeProblem(): Promise<string | undefined> {
  try {
    const { stdout } = await run('docker', ['compose', 'version', '--short'], { timeout: COMMAND_TIMEOUT_MS });
    if (!/^v?[2-9]\./.test(stdout.trim())) return `docker compose ${stdout.trim()} is not Compose v2 or later`;
  } catch (error) {
    return `docker compose: ${firstLine(error)}`;
  }
  try {
    await run('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: COMMAND_TIMEOUT_MS });
  } catch (error) {
    return `no Docker daemon answers the docker CLI: ${firstLine(error)}`;
  }
  return undefined;
}

/**
 * The app section's environment (commented out in the file: it needs the application's
 * image), with `${NAME:-default}` resolved from `env` and the endpoints pointed at the
 * published port, as the file says to run the app on the host.
 */
function appEnvironment(env: NodeJS.ProcessEnv, port: number): Record<string, string> {
  const text = readFileSync(COMPOSE_FILE, 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^ {2}# app:/.test(line));
  assert.ok(start >= 0, 'docker-compose.yml has no commented app section');
  const section: string[] = [];
  for (const line of lines.slice(start)) {
    if (!/^ {2}#/.test(line)) break;
    section.push(line.replace(/^ {2}# ?/, '  '));
  }
  const parsed = parse(`services:\n${section.join('\n')}`) as {
    services: { app: { environment: Record<string, string> } };
  };
  const resolved: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.services.app.environment)) {
    resolved[name] = String(value).replace(
      /\$\{(\w+):-([^}]*)\}/g,
      (_, variable: string, fallback: string) => env[variable] || fallback,
    );
  }
  return {
    ...resolved,
    MINIO_ENDPOINT: `localhost:${port}`,
    MINIO_EXTERNAL_ENDPOINT: `localhost:${port}`,
  };
}

function withoutStorageVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && !/^(STORAGE_|MINIO_|AWS_|S3_|NODE_ENV$)/.test(entry[0]),
    ),
  );
}

function firstLine(error: unknown): string {
  const { stderr, message } = error as { stderr?: string; message?: string };
  return (stderr?.trim() || message || String(error)).split('\n')[0] ?? '';
}
