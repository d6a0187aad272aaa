/**
 * A distributed MinIO for the fault tests: 4 nodes × 2 drives, erasure-coded across the
 * 8 drives (one erasure set, MinIO's default parity EC:4 for 8 drives: write quorum 5
 * drives, read quorum 4).
 *
 * Each node is the `minio` binary of scripts/install-minio.sh, run in a Linux network
 * namespace of its own (`ip netns`), joined to the others by a bridge on a private /24
 * subnet, so that each node has an address of its own. (Four processes on 127.0.0.1 never
 * form a cluster on a machine that has /.dockerenv: MinIO then believes it runs in a
 * container and waits for its peers' host names to resolve to non-loopback addresses.)
 * Only the client-facing S3 port of each node is published on 127.0.0.1, through a TCP
 * forwarder (test/support/fault-proxy.ts), as `docker run -p 127.0.0.1:...` would.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2. Namespaces, bridge and data are removed by
 * stop(); what a killed test process leaves behind is removed by the next cluster started
 * on the machine (names carry the owner's pid).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';
import { type ProcessExit, removeAtProcessEnd, type ServerProcess, startServerProcess } from './processes.js';
import { findExecutable, goBinDirs, pathDirs, type S3ServerInfo, withoutPrefix } from './servers.js';

export interface ClusterNode {
  readonly index: number;
  /** The node's own address on the cluster's bridge, e.g. `10.213.7.2`. */
  readonly address: string;
  /** `http://127.0.0.1:<port>`: the forwarder to this node's S3 port. */
  readonly endpoint: string;
  readonly proxy: FaultProxy;
  /** True while its process runs: started, and neither killed nor dead since. */
  readonly running: boolean;
  /** The file holding the output of every process this node has run, in order. */
  readonly logFile: string;
  /** The last `chars` characters of the node's log file. */
  log(chars?: number): string;
  /** SIGKILL, as a machine losing power; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the node again on its drives; resolves once it answers /minio/health/live. */
  start(): Promise<void>;
}

export interface MinioCluster {
  readonly nodes: readonly ClusterNode[];
  readonly accessKey: string;
  readonly secretKey: string;
  readonly region: string;
  /** The cluster seen through node `index` (its endpoint), for the helpers that take a server. */
  server(index?: number): S3ServerInfo;
  /** HTTP status of `/minio/health/cluster` on node `index` (200: the cluster has write quorum). */
  clusterHealth(index?: number): Promise<number>;
  /**
   * Resolves once every node started and not killed since is running and reports the
   * cluster healthy; rejects at once when one of them has died.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** The nodes that exited without kill() or stop() asking, each with how and the tail of its log. */
  deaths(): readonly NodeDeath[];
  /** Kills every node, removes the forwarders, namespaces, bridge and drives. */
  stop(): Promise<void>;
}

export interface NodeDeath {
  index: number;
  /** Milliseconds since the node's process started. */
  afterMs: number;
  exit: ProcessExit;
  /** The tail of the node's log file. */
  log(): string;
}

export interface ClusterOptions {
  nodes?: number;
  drivesPerNode?: number;
}

const REGION = 'us-east-1';
const NODE_PORT = 9000;
const CONSOLE_PORT = 9001;
const NAME_PREFIX = 'stw';
/** A node's first start formats the drives once all peers answer: slower than a single process. */
const NODE_READY_TIMEOUT_MS = 90_000;
const HEALTH_POLL_MS = 250;
const IP_TIMEOUT_MS = 10_000;
/** How much of a node's log a failure shows. */
const LOG_TAIL_CHARS = 6_000;

const run = promisify(execFile);

/** Why a cluster cannot be started here, or undefined when it can (root, iproute2, a minio binary). */
export async function clusterProblem(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)';
  try {
    await ip(['netns', 'list']);
  } catch (error) {
    return `iproute2's \`ip netns\` does not work here (${(error as Error).message.split('\n')[0]})`;
  }
  if (!(await minioBinary())) return 'no minio binary (bash scripts/install-minio.sh)';
  return undefined;
}

/** Starts the cluster and resolves once it is healthy (write quorum on every node). */
export async function startMinioCluster(options: ClusterOptions = {}): Promise<MinioCluster> {
  const nodeCount = options.nodes ?? 4;
  const drives = options.drivesPerNode ?? 2;
  const binary = await minioBinary();
  if (!binary) throw new Error('startMinioCluster: no minio binary; run bash scripts/install-minio.sh');
  await sweepLeftovers();
  const id = String(process.pid);
  const subnet = await freeSubnet();
  // The bridge lives in a namespace of its own, the "switch": bridged traffic between the
  // nodes then passes only that namespace's (empty) firewall, not the machine's, where a
  // Docker daemon sets the FORWARD policy to DROP and br_netfilter applies it to bridges.
  const switchNamespace = `stowage-${id}-sw`;
  const namespaces = Array.from({ length: nodeCount }, (_, i) => `stowage-${id}-n${i + 1}`);
  const addresses = namespaces.map((_, i) => `${subnet}.${i + 2}`);
  const root = await mkdtemp(join(tmpdir(), 'stowage-cluster-'));
  const accessKey = `stowage-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const all = [switchNamespace, ...namespaces];

  const network = async () => {
    await ip(['netns', 'add', switchNamespace]);
    await ip(['-n', switchNamespace, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', switchNamespace, 'link', 'set', 'br0', 'up']);
    // The machine's own port on the switch, so that the forwarders reach the nodes.
    const hostLink = `${NAME_PREFIX}h${id}`;
    await ip(['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'host', 'netns', switchNamespace]);
    await ip(['-n', switchNamespace, 'link', 'set', 'host', 'master', 'br0', 'up']);
    await ip(['addr', 'add', `${subnet}.1/24`, 'dev', hostLink]);
    await ip(['link', 'set', hostLink, 'up']);
    for (const [i, namespace] of namespaces.entries()) {
      const port = `n${i + 1}`;
      await ip(['netns', 'add', namespace]);
      await ip([
        '-n',
        switchNamespace,
        'link',
        'add',
        port,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        namespace,
      ]);
      await ip(['-n', switchNamespace, 'link', 'set', port, 'master', 'br0', 'up']);
      await ip(['-n', namespace, 'addr', 'add', `${addresses[i]}/24`, 'dev', 'eth0']);
      await ip(['-n', namespace, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    }
  };
  // Deleting the namespaces deletes their ends of the veth pairs, and so the other ends too.
  const teardown = async () => {
    cancelTeardown();
    for (const namespace of all) await ip(['netns', 'del', namespace]).catch(() => {});
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
  };
  // However the test process ends (SIGKILL included): the namespaces outlive it otherwise.
  const cancelTeardown = removeAtProcessEnd({ netns: all, dirs: [root] });
  let nodes: ClusterNode[] = [];

  try {
    await network();
    const driveUrls: string[] = [];
    for (const [i, address] of addresses.entries()) {
      for (let d = 1; d <= drives; d++) {
        const dir = join(root, `n${i + 1}`, `d${d}`);
        await mkdir(dir, { recursive: true });
        driveUrls.push(`http://${address}:${NODE_PORT}${dir}`);
      }
    }
    const env = {
      ...withoutPrefix(process.env, 'MINIO_'),
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_UPDATE: 'off',
      // The drives share the machine's root disk, which MinIO refuses in distributed mode otherwise.
      MINIO_CI_CD: 'on',
    };
    const deaths: NodeDeath[] = [];
    /** The deaths of nodes not started again since. */
    const down = new Map<number, NodeDeath>();
    nodes = await Promise.all(
      addresses.map(async (address, i) => {
        const proxy = await startFaultProxy({ host: address, port: NODE_PORT });
        const logFile = join(root, `n${i + 1}.log`);
        let child: ServerProcess | undefined;
        /** True from start() until kill(): an exit in between was not asked for. */
        let wanted = false;
        const node: ClusterNode = {
          index: i,
          address,
          endpoint: `http://${proxy.host}`,
          proxy,
          logFile,
          get running() {
            return child !== undefined && child.exit() === undefined;
          },
          log: (chars = LOG_TAIL_CHARS) => tail(logFile, chars),
          async kill() {
            wanted = false;
            if (!child) return;
            if (child.pid !== undefined && child.exit() === undefined) process.kill(child.pid, 'SIGKILL');
            await child.stop();
            child = undefined;
          },
          async start() {
            if (node.running) return;
            if (child) await child.stop();
            down.delete(i);
            wanted = true;
            const startedAt = performance.now();
            await appendFile(logFile, `----- node ${i + 1} started at ${new Date().toISOString()} -----\n`);
            child = await startServerProcess({
              command: 'ip',
              args: [
                'netns',
                'exec',
                namespaces[i] as string,
                binary,
                'server',
                '--address',
                `${address}:${NODE_PORT}`,
                '--console-address',
                `${address}:${CONSOLE_PORT}`,
                ...driveUrls,
              ],
              env,
              readyUrl: `http://${address}:${NODE_PORT}/minio/health/live`,
              timeoutMs: NODE_READY_TIMEOUT_MS,
              logFile,
              onExit: (exit) => {
                if (!wanted) return;
                wanted = false;
                const afterMs = Math.round(performance.now() - startedAt);
                // Read when asked: the pipe may still hold the last lines.
                const death = { index: i, afterMs, exit, log: () => tail(logFile, LOG_TAIL_CHARS) };
                deaths.push(death);
                down.set(i, death);
              },
            });
          },
        };
        return node;
      }),
    );
    const clusterHealth = async (index = 0) => {
      const node = nodes[index] as ClusterNode;
      try {
        const response = await fetch(`http://${node.address}:${NODE_PORT}/minio/health/cluster`, {
          signal: AbortSignal.timeout(2_000),
        });
        await response.body?.cancel();
        return response.status;
      } catch {
        return 0;
      }
    };
    const cluster: MinioCluster = {
      nodes,
      accessKey,
      secretKey,
      region: REGION,
      server: (index = 0) => ({
        endpoint: (nodes[index] as ClusterNode).endpoint,
        accessKey,
        secretKey,
        region: REGION,
        kind: 'minio-cluster',
        stop: () => cluster.stop(),
      }),
      clusterHealth,
      async waitHealthy(timeoutMs = NODE_READY_TIMEOUT_MS) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if (down.size > 0) throw new Error(`the cluster cannot heal: ${describeDeaths([...down.values()])}`);
          const statuses = await Promise.all(nodes.filter((n) => n.running).map((n) => clusterHealth(n.index)));
          if (statuses.length > 0 && statuses.every((status) => status === 200)) return;
          if (Date.now() > deadline) {
            const logs = nodes.map((n) => `----- node ${n.index + 1} -----\n${n.log()}`);
            throw new Error(`the cluster is not healthy after ${timeoutMs} ms (${statuses})\n${logs.join('\n')}`);
          }
          await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
        }
      },
      deaths: () => deaths,
      async stop() {
        await Promise.all(nodes.map((node) => node.kill()));
        await Promise.all(nodes.map((node) => node.proxy.close()));
        await teardown();
      },
    };
    // The nodes wait for each other before formatting the drives: start them together.
    await Promise.all(nodes.map((node) => node.start()));
    await cluster.waitHealthy();
    return cluster;
  } catch (error) {
    await Promise.all(
      nodes.map(async (node) => {
        await node.kill();
        await node.proxy.close();
      }),
    );
    await teardown();
    throw error;
  }
}

/** What `deaths` says, each death with the tail of its node's log. */
export function describeDeaths(deaths: readonly NodeDeath[]): string {
  return deaths
    .map(
      (death) =>
        `node ${death.index + 1} exited unasked ${death.afterMs} ms after it started (${death.exit.signal ?? `code ${death.exit.code}`}); its log ends:\n${death.log()}`,
    )
    .join('\n');
}

/** The last `chars` characters of a file ('' when it does not exist). */
function tail(file: string, chars: number): string {
  try {
    const size = statSync(file).size;
    const length = Math.min(size, chars);
    const bytes = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, bytes, 0, length, size - length);
    } finally {
      closeSync(fd);
    }
    return bytes.toString('utf8');
  } catch {
    return '';
  }
}

async function minioBinary(): Promise<string | undefined> {
  return process.env.STOWAGE_TEST_MINIO ?? findExecutable('minio', [...pathDirs(), ...(await goBinDirs())]);
}

async function ip(args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: IP_TIMEOUT_MS });
  return stdout;
}

/** A 10.213.N.0/24 subnet that no route of this machine overlaps. */
async function freeSubnet(): Promise<string> {
  const routes = await ip(['-4', 'route', 'show', 'table', 'all']);
  for (let step = 0; step < 256; step++) {
    const candidate = `10.213.${(process.pid + step) % 256}`;
    if (!routes.includes(`${candidate}.`)) return candidate;
  }
  throw new Error('no free 10.213.N.0/24 subnet for the cluster');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes the namespaces of clusters whose test process died without stop(). */
async function sweepLeftovers(): Promise<void> {
  const alive = isAlive;
  for (const line of (await ip(['netns', 'list'])).split('\n')) {
    const match = /^stowage-(\d+)-(n\d+|sw)\b/.exec(line);
    if (match && !alive(Number(match[1]))) await ip(['netns', 'del', match[0]]).catch(() => {});
  }
}
