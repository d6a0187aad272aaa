/**
 * Server processes for the integration tests: started on free loopback ports, waited for
 * until they answer over HTTP, and killed when the test process ends, however it ends
 * (normal exit, uncaught error, SIGINT, SIGTERM, SIGHUP). Only SIGKILL of the test
 * process itself can leave one behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';

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
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

interface Tracked {
  child: ChildProcess;
  cleanup: string[];
}

const running = new Set<Tracked>();
const exitCleanups = new Set<() => void>();
let hooksInstalled = false;

/**
 * Runs `cleanup` (synchronous) when the test process ends however it ends, as for the
 * servers started here; for what this module does not start (a container). Returns the
 * function that cancels it.
 */
export function onProcessEnd(cleanup: () => void): () => void {
  installExitHooks();
  exitCleanups.add(cleanup);
  return () => exitCleanups.delete(cleanup);
}

/** Spawns `command` and resolves once `readyUrl` answers 200. */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  installExitHooks();
  const child = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tracked: Tracked = { child, cleanup: options.cleanup ?? [] };
  running.add(tracked);

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
  // The test process may end without calling stop(); the exit hook kills the server then.
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
  running.delete(tracked);
  await Promise.all(tracked.cleanup.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 })));
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Synchronous, for the 'exit' event: SIGKILL every server still running, remove its directories, run onProcessEnd()'s cleanups. */
function killAll(): void {
  for (const { child, cleanup } of running) {
    if (!hasExited(child)) child.kill('SIGKILL');
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  running.clear();
  for (const cleanup of exitCleanups) cleanup();
  exitCleanups.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' also fires after an uncaught exception or unhandled rejection; a signal does not
  // end the process through 'exit', so the signals get their own handler.
  process.on('exit', killAll);
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    for (const name of EXIT_SIGNALS) process.removeListener(name, onSignal);
    // Die of the same signal, as without a handler. Re-raised even when other listeners
    // remain: signal-exit (loaded by testcontainers' dependencies) ends the process only
    // when it is the last listener, and waiting for each other, neither would.
    process.kill(process.pid, signal);
  };
  for (const name of EXIT_SIGNALS) process.on(name, onSignal);
}
