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
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signV4 } from 'minio/dist/esm/signing.mjs';
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
   * Resolves once the cluster has rejoined: every running node reports it healthy, sees
   * every drive of every running node online (MinIO's admin StorageInfo, asked of each
   * node: its own connections to its peers' drives), and has its storage clients to the
   * peers restarted since back (`reconnectingClients`), so that losing one more node
   * leaves each of the others its quorum. A node that answers /minio/health/cluster 200
   * may still be unable to write to a restarted peer's drives for up to 30 s: a kill
   * then takes it below write quorum. Rejects at once when a node has died unasked, and
   * after `timeoutMs` with what each node still misses and the tails of their logs.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Starts every node not running, then waitHealthy(). */
  heal(timeoutMs?: number): Promise<void>;
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
/** The longest wait of a MinIO storage client between attempts to re-connect (internal/rest/client.go). */
const REST_BACKOFF_MAX_MS = 30_000;
/** Beyond that bound: its health check's own timeout (1 s) and the scheduling of a loaded machine. */
const REST_RECONNECT_SLACK_MS = 3_000;
/** Bounds one health or StorageInfo request to a node. */
const PROBE_TIMEOUT_MS = 5_000;
/** SHA-256 of an empty payload, as SigV4 signs a GET. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const IP_TIMEOUT_MS = 10_000;
/** What the helper writes into node `n`'s log (from 1) before each start of its process. */
const startMark = (n: number) => `----- node ${n} started at `;
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
    /** Per node: when its process last started and last went down (Date.now()), and, per peer, its log's size when that peer last started. */
    const times = addresses.map(() => ({
      started: 0,
      downAt: 0,
      outageMs: 0,
      logAtPeerStart: new Map<number, number>(),
    }));
    const logFiles = addresses.map((_, i) => join(root, `n${i + 1}.log`));
    nodes = await Promise.all(
      addresses.map(async (address, i) => {
        const proxy = await startFaultProxy({ host: address, port: NODE_PORT });
        const logFile = logFiles[i] as string;
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
            if (child.exit() === undefined)
              await appendFile(logFile, `----- node ${i + 1} killed at ${new Date().toISOString()} -----\n`);
            if (child.exit() === undefined) (times[i] as (typeof times)[number]).downAt = Date.now();
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
            const own = times[i] as (typeof times)[number];
            own.started = Date.now();
            own.outageMs = own.downAt > 0 ? own.started - own.downAt : 0;
            for (const [j, other] of times.entries())
              if (j !== i) other.logAtPeerStart.set(i, fileSize(logFiles[j] as string));
            await appendFile(logFile, `${startMark(i + 1)}${new Date().toISOString()} -----\n`);
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
                (times[i] as (typeof times)[number]).downAt = Date.now();
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
          signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
        });
        await response.body?.cancel();
        return response.status;
      } catch {
        return 0;
      }
    };
    /** The drives of running nodes that node `index` does not see online, or why it cannot say. */
    const missing = async (index: number): Promise<string[]> => {
      const node = nodes[index] as ClusterNode;
      const status = await clusterHealth(index);
      if (status !== 200) return [`/minio/health/cluster answers ${status || 'nothing'}`];
      let disks: { endpoint: string; state: string }[];
      try {
        disks = (await adminGet(node.address, '/minio/admin/v3/storageinfo', accessKey, secretKey)).Disks;
      } catch (error) {
        return [`its StorageInfo failed (${(error as Error).message})`];
      }
      const states = new Map(disks.map((disk) => [driveName(disk.endpoint), disk.state]));
      const reconnecting = reconnectingClients(index);
      return nodes
        .filter((peer) => peer.running)
        .flatMap((peer) => Array.from({ length: drives }, (_, d) => `n${peer.index + 1}/d${d + 1}`))
        .flatMap((drive) => [
          ...(states.get(drive) === 'ok' ? [] : [`${drive} ${states.get(drive) ?? 'absent'}`]),
          ...(reconnecting.has(drive) ? [`${drive}: its storage client may not have re-connected yet`] : []),
        ]);
    };
    /**
     * The drives of peers restarted since node `index` started (it may have seen them
     * down) that it may not write to yet. StorageInfo counts a drive online while either of its two
     * connections is up, but the storage client that writes the shards of objects too large
     * to be inlined, once marked offline, tries again on its own backoff (200 ms doubling,
     * at most 30 s: internal/rest/client.go), so it may re-connect up to the outage's
     * length (at most 30 s) after its peer is back. Done for a drive when the node logs
     * "Client '.../minio/storage/<drive>/v63' re-connected" since the peer's start, or once
     * that bound has passed.
     */
    const reconnectingClients = (index: number): Set<string> => {
      const own = times[index] as (typeof times)[number];
      const pending = new Set<string>();
      for (const [j, peer] of times.entries()) {
        if (j === index || !(nodes[j] as ClusterNode).running || own.started > peer.started) continue;
        if (Date.now() > peer.started + Math.min(REST_BACKOFF_MAX_MS, peer.outageMs) + REST_RECONNECT_SLACK_MS)
          continue;
        const back = reconnected(logFiles[index] as string, own.logAtPeerStart.get(j) ?? 0);
        for (let d = 1; d <= drives; d++) if (!back.has(`n${j + 1}/d${d}`)) pending.add(`n${j + 1}/d${d}`);
      }
      return pending;
    };
    const waitHealthy = async (timeoutMs = NODE_READY_TIMEOUT_MS) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (down.size > 0) throw new Error(`the cluster cannot heal: ${describeDeaths([...down.values()])}`);
        const running = nodes.filter((n) => n.running);
        const views = await Promise.all(running.map(async (n) => ({ node: n, missing: await missing(n.index) })));
        const lacking = views.filter((view) => view.missing.length > 0);
        if (running.length > 0 && lacking.length === 0) return;
        if (Date.now() > deadline) {
          const said = lacking.map((view) => `node ${view.node.index + 1}: ${view.missing.join(', ')}`);
          const logs = lacking.map((view) => `----- node ${view.node.index + 1} -----\n${view.node.log()}`);
          throw new Error(
            `the cluster has not rejoined after ${timeoutMs} ms; not yet seen online: ${said.join('; ')}\n${logs.join('\n')}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_MS));
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
      waitHealthy,
      async heal(timeoutMs) {
        await Promise.all(nodes.map((node) => node.start()));
        await waitHealthy(timeoutMs);
      },
      deaths: () => deaths,
      async stop() {
        await Promise.all(nodes.map((node) => node.kill()));
        await Promise.all(nodes.map((node) => node.proxy.close()));
        await teardown();
      },
    };
    // The nodes wait for each other before formatting the drives: start them together.
    await cluster.heal();
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

/** The drives whose storage client `logFile` says re-connected, from byte `from` on. */
function reconnected(logFile: string, from: number): Set<string> {
  let log: string;
  try {
    log = readFileSync(logFile).subarray(from).toString('utf8');
  } catch {
    return new Set();
  }
  return new Set([...log.matchAll(RECONNECTED)].map((match) => driveName(match[1] as string)));
}

/** MinIO's line when a storage client to a peer's drive is back (1: the drive's path). */
const RECONNECTED = /Client 'https?:\/\/[^/']+\/minio\/storage(\/[^']*?)\/v\d+' re-connected/g;

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** `n2/d1` for a drive's endpoint (`http://10.213.7.3:9000/<root>/n2/d1`, or its path alone). */
function driveName(endpoint: string): string {
  return /(n\d+\/d\d+)\/?$/.exec(endpoint)?.[1] ?? endpoint;
}

/** A GET of MinIO's admin API on `address`, signed (SigV4) with the root credentials; its JSON answer. */
async function adminGet(
  address: string,
  path: string,
  accessKey: string,
  secretKey: string,
): Promise<{ Disks: { endpoint: string; state: string }[] }> {
  const date = new Date();
  const headers: Record<string, string> = {
    host: `${address}:${NODE_PORT}`,
    'x-amz-date': date.toISOString().replace(/[:-]|\.\d{3}/g, ''),
    'x-amz-content-sha256': EMPTY_SHA256,
  };
  headers.authorization = signV4(
    { protocol: 'http:', method: 'GET', path, headers },
    accessKey,
    secretKey,
    REGION,
    date,
    EMPTY_SHA256,
  );
  const { host: _, ...sent } = headers;
  const response = await fetch(`http://${address}:${NODE_PORT}${path}`, {
    headers: sent,
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${body.slice(0, 200)}`);
  return JSON.parse(body) as { Disks: { endpoint: string; state: string }[] };
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
