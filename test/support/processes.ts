/**
 * Server processes for the integration tests: started on free loopback ports, waited for
 * until they answer over HTTP, and gone when the test process ends, however it ends
 * (normal exit, uncaught error, a signal, SIGKILL included): a watchdog process of its own
 * (test/support/watchdog.mjs) kills what is still listed once the test process is gone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

export interface StartOptions {
  command: string;
  args: string[];
  /** The child's whole environment (nothing is inherited implicitly). */
  env: NodeJS.ProcessEnv;
  /** A URL that answers 200 once the server is ready. */
  readyUrl: string;
  /** Directories removed once the process has stopped (also when the test process exits). */
  cleanup?: string[] | undefined;
  /** How long to wait for `readyUrl`; default READY_TIMEOUT_MS. */
  timeoutMs?: number | undefined;
  /** A file the process's whole stdout and stderr are appended to (the in-memory log keeps only its tail). */
  logFile?: string | undefined;
  /** Called once when the process exits, however it ends (also after stop()). */
  onExit?: ((exit: ProcessExit) => void) | undefined;
}

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly pid: number | undefined;
  /** How the process ended, or undefined while it runs. */
  exit(): ProcessExit | undefined;
  /** The last LOG_LIMIT characters the process wrote to stdout and stderr. */
  log(): string;
  /** SIGTERM, then SIGKILL after STOP_GRACE_MS; resolves once it has exited and its directories are gone. */
  stop(): Promise<void>;
}

/** Rejects when the process exits, fails to spawn, or has not answered within the timeout. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  constructor(
    message: string,
    /** The server's output, for the error report. */
    readonly log: string,
  ) {
    super(message);
  }
}

const READY_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 100;
const PROBE_TIMEOUT_MS = 2_000;
const STOP_GRACE_MS = 5_000;
const LOG_LIMIT = 64 * 1024;
const WATCHDOG = fileURLToPath(new URL('./watchdog.mjs', import.meta.url));

interface Tracked {
  child: ChildProcess;
  cleanup: string[];
  /** Takes the server off the watchdog's list. */
  forget: () => void;
}

/** What the watchdog removes when the test process is gone: a server, a Docker container, or network namespaces. */
type Leftover = { pid: number; dirs: string[] } | { container: string } | { netns: string[]; dirs: string[] };

let watchdog: Socket | undefined;
let leftovers = 0;

/**
 * Has the watchdog remove `leftover` once the test process has ended, however it ends;
 * for what this module does not start itself (a container, a cluster's namespaces). Returns the function that
 * takes it off the list, for when it was stopped normally.
 */
export function removeAtProcessEnd(leftover: Leftover): () => void {
  const key = String(++leftovers);
  const pipe = watchdogPipe();
  pipe?.write(`${JSON.stringify({ key, ...leftover })}\n`);
  return () => pipe?.write(`${JSON.stringify({ forget: key })}\n`);
}

/**
 * The pipe to this process's watchdog, started on first use in a process group of its own
 * (so that whatever kills this process's group leaves it running). Only this process holds
 * the pipe's writing end: the watchdog sees it close when this process is gone.
 */
function watchdogPipe(): Socket | undefined {
  if (watchdog === undefined) {
    const child = spawn(process.execPath, [WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => {}); // then nothing outlives this process to clean up; stop() still does
    child.unref();
    watchdog = child.stdin as Socket;
    watchdog.on('error', () => {});
    watchdog.unref();
  }
  return watchdog;
}

/** Spawns `command` and resolves once `readyUrl` answers 200. */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const cleanup = options.cleanup ?? [];
  const forget = child.pid === undefined ? () => {} : removeAtProcessEnd({ pid: child.pid, dirs: cleanup });
  const tracked: Tracked = { child, cleanup, forget };

  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  if (options.logFile !== undefined) {
    const file = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
    child.once('close', () => file.end());
  }
  const { onExit } = options;
  if (onExit) child.once('exit', (code, signal) => onExit({ code, signal }));
  let spawnError: Error | undefined;
  child.on('error', (error) => {
    spawnError = error;
  });
  // The test process may end without calling stop(); the watchdog kills the server then.
  child.unref();
  (child.stdout as Socket | null)?.unref();
  (child.stderr as Socket | null)?.unref();

  const server: ServerProcess = {
    pid: child.pid,
    exit: () => (hasExited(child) ? { code: child.exitCode, signal: child.signalCode } : undefined),
    log: () => output,
    stop: () => stopTracked(tracked),
  };
  try {
    await waitUntilReady(options.readyUrl, child, () => spawnError, options.timeoutMs ?? READY_TIMEOUT_MS);
  } catch (error) {
    await server.stop();
    throw new ServerStartError(`${options.command}: ${(error as Error).message}`, output);
  }
  return server;
}

/** A TCP port on 127.0.0.1 that the OS reported free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not get a free port from the OS');
  return address.port;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  const socket = connect(port, host);
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  spawnError: () => Error | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    const error = spawnError();
    if (error) throw new Error(`could not start: ${error.message}`);
    if (hasExited(child)) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before answering ${url}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      await response.body?.cancel();
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (${lastProblem})`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function stopTracked(tracked: Tracked): Promise<void> {
  const { child } = tracked;
  if (!hasExited(child) && child.pid !== undefined) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  tracked.forget();
  await Promise.all(tracked.cleanup.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
