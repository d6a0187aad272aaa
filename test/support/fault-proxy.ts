/**
 * A TCP proxy for fault injection between a driver and its server (node:net only):
 * adds latency, resets a connection after N bytes, stalls, flips a byte, or refuses connections.
 * A fault applies to traffic on new and kept-alive connections alike, from the
 * moment it is injected; `times` limits how many connections it strikes. A reset or
 * stall with `request` waits, on each connection, for a request whose request line
 * (`PUT /bucket/key?uploadId=... HTTP/1.1`) matches, and counts bytes from there: it
 * cuts that request's body (`up`) or its response (`down`, not counting a `100
 * Continue`), whatever went before on a kept-alive connection. `holdAnswers` holds the
 * answers to requests already sent, so that a test can lose them at a moment it chooses.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export type Fault =
  | { kind: 'none' }
  /** Delays every chunk in both directions. */
  | { kind: 'latency'; ms: number }
  /** Resets the connection once `afterBytes` more bytes have gone to the server (`up`) or the client (`down`). */
  | { kind: 'reset'; afterBytes: number; direction: 'up' | 'down'; request?: RegExp }
  /** Forwards nothing more (after `afterBytes`), holding the connection open. */
  | { kind: 'stall'; afterBytes?: number; request?: RegExp }
  /**
   * Inverts the byte `afterBytes` into a request (headers included) going to the server,
   * once per connection struck, and forwards everything else untouched: a body damaged
   * in transit that only a checksum can tell.
   */
  | { kind: 'flip'; afterBytes: number; request?: RegExp }
  /** Closes new connections at once. */
  | { kind: 'refuse' }
  /**
   * Answers an empty `200 OK` (and closes the connection) in place of every `412
   * Precondition Failed`: a server that ignores `If-None-Match` / `If-Match`, as its
   * client sees it (the server behind still refused, so nothing was overwritten there;
   * each answer replaced counts as a strike).
   */
  | { kind: 'ignoreConditions' };

export interface FaultProxy {
  /** `127.0.0.1:<port>` */
  host: string;
  port: number;
  /** Applies `fault` from now on, to at most `times` connections (unlimited when omitted). */
  inject(fault: Fault, times?: number): void;
  /**
   * Holds back the answers to the next `count` requests whose request line matches
   * `request`, sent before this call or after: the server got each request and answered,
   * and its client receives nothing until `cut()`.
   */
  holdAnswers(request: RegExp, count: number): HeldAnswers;
  /** Connections accepted so far, and how many a fault struck. */
  readonly stats: { connections: number; struck: number };
  /** Resets every open connection, as a server restart does (kept-alive ones included). */
  disconnect(): void;
  close(): Promise<void>;
}

export interface HeldAnswers {
  /** Resolves once `count` answers are held. */
  readonly full: Promise<void>;
  /** How many answers are held so far. */
  readonly held: number;
  /**
   * Resets the connections of the held answers (the server acted; its answer is lost) and
   * holds no more. Says how many it cut, and how many of the held answers' clients had
   * closed their connection first (given up waiting: the answer is lost to them too).
   */
  cut(): { cut: number; closed: number };
}

/** One client connection and its upstream. */
interface Link {
  struck: boolean;
  /** The injection generation a `request`-matching fault was armed for on this link. */
  armed: number | undefined;
  /** The request line of the last request sent on this link, until its answer begins. */
  unanswered: string | undefined;
  /** The answer on this link is held back (`holdAnswers`). */
  held: boolean;
  client: Socket;
  upstream: Socket;
}

/** What `holdAnswers` is waiting for, while it holds fewer than `count`. */
interface Hold {
  request: RegExp;
  count: number;
  links: Link[];
  fill: () => void;
}

interface Injection {
  fault: Fault;
  remaining: number;
  /** Bytes counted per connection since the injection, per direction. */
  generation: number;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const injection: Injection = { fault: { kind: 'none' }, remaining: 0, generation: 0 };
  const sockets = new Set<Socket>();
  const holding: { hold: Hold | undefined } = { hold: undefined };
  const stats = { connections: 0, struck: 0 };

  /** The fault in force, if it may still strike. */
  const active = (): Fault => (injection.remaining > 0 ? injection.fault : { kind: 'none' });
  const strike = () => {
    injection.remaining--;
    stats.struck++;
  };

  const server: Server = createServer((client) => {
    stats.connections++;
    track(client, sockets);
    if (active().kind === 'refuse') {
      strike();
      client.resetAndDestroy();
      return;
    }
    const upstream = track(connect(target.port, target.host), sockets);
    const link: Link = { struck: false, armed: undefined, unanswered: undefined, held: false, client, upstream };
    const hit = () => {
      if (!link.struck) {
        link.struck = true;
        strike();
      }
    };
    client.on('error', () => upstream.destroy());
    // A held answer's client waits for cut(), whatever the server does with its end
    // (MinIO closes the connection after a 412).
    upstream.on('error', () => link.held || client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => link.held || client.destroy());
    forward(client, upstream, 'up', { injection, active, hit, strike, link, holding });
    forward(upstream, client, 'down', { injection, active, hit, strike, link, holding });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    stats,
    inject(fault, times) {
      injection.fault = fault;
      injection.remaining = fault.kind === 'none' ? 0 : (times ?? Number.POSITIVE_INFINITY);
      injection.generation++;
    },
    holdAnswers(request, count) {
      let fill: () => void = () => {};
      const full = new Promise<void>((resolve) => {
        fill = resolve;
      });
      const hold: Hold = { request, count, links: [], fill };
      holding.hold = hold;
      return {
        full,
        get held() {
          return hold.links.length;
        },
        cut() {
          if (holding.hold === hold) holding.hold = undefined;
          let cut = 0;
          for (const link of hold.links) {
            stats.struck++;
            if (link.client.destroyed) continue;
            cut++;
            link.client.resetAndDestroy();
            link.upstream.resetAndDestroy();
          }
          return { cut, closed: hold.links.length - cut };
        },
      };
    },
    disconnect() {
      for (const socket of sockets) socket.resetAndDestroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function track(socket: Socket, sockets: Set<Socket>): Socket {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  return socket;
}

/** What a forwarding direction shares with the proxy and the other direction. */
interface Context {
  injection: Injection;
  active: () => Fault;
  hit: () => void;
  /** Counts one strike, whatever the link. */
  strike: () => void;
  link: Link;
  holding: { hold: Hold | undefined };
}

/** An interim (1xx) answer at the start of a chunk. */
const INTERIM = /^HTTP\/1\.[01] 1\d\d /;

/** A 412 status line at the start of a chunk. */
const REFUSAL = /^HTTP\/1\.[01] 412 /;

/** An HTTP/1.1 request line at the start of a chunk. */
const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/;

/** Copies `from` → `to`, applying the fault in force for this direction. */
function forward(from: Socket, to: Socket, direction: 'up' | 'down', context: Context): void {
  const { injection, active, hit, link, holding } = context;
  let counted = 0;
  let generation = injection.generation;
  let stalled = false;
  from.on('data', (chunk: Buffer) => {
    if (direction === 'up') {
      const line = REQUEST_LINE.exec(chunk.toString('latin1', 0, 2048))?.[0];
      if (line !== undefined) link.unanswered = line.trimEnd();
    } else if (link.held) {
      return;
    } else if (link.unanswered !== undefined && !INTERIM.test(chunk.toString('latin1', 0, 16))) {
      const hold = holding.hold;
      if (hold?.request.test(link.unanswered)) {
        // Held: nothing more reaches the client on this link, until cut() resets it.
        link.held = true;
        from.pause();
        hold.links.push(link);
        if (hold.links.length >= hold.count) {
          holding.hold = undefined;
          hold.fill();
        }
        return;
      }
      link.unanswered = undefined;
    }
    if (generation !== injection.generation) {
      generation = injection.generation;
      counted = 0;
    }
    const fault = active();
    if (fault.kind === 'ignoreConditions' && direction === 'down' && REFUSAL.test(chunk.toString('latin1', 0, 64))) {
      // An empty success, as such a server answers; the refusal's body is dropped with the connection.
      context.strike();
      to.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      from.destroy();
      return;
    }
    if (fault.kind === 'latency') {
      from.pause();
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        if (!stalled) from.resume();
      }, fault.ms);
      return;
    }
    const request =
      fault.kind === 'reset' || fault.kind === 'stall' || fault.kind === 'flip' ? fault.request : undefined;
    if (
      request !== undefined &&
      link.armed === generation &&
      direction === 'down' &&
      INTERIM.test(chunk.toString('latin1', 0, 16))
    ) {
      // `100 Continue` is not the answer: count from the final one.
      if (!to.write(chunk)) from.pause();
      return;
    }
    if (request !== undefined && link.armed !== generation) {
      const line = direction === 'up' ? REQUEST_LINE.exec(chunk.toString('latin1', 0, 2048))?.[0] : undefined;
      if (line === undefined || !request.test(line.trimEnd())) {
        if (!to.write(chunk)) from.pause();
        return;
      }
      // Armed: both directions count from this request on.
      link.armed = generation;
      counted = 0;
    }
    const limit =
      (fault.kind === 'reset' && fault.direction === direction) ||
      fault.kind === 'stall' ||
      (fault.kind === 'flip' && direction === 'up' && !link.struck)
        ? (fault.afterBytes ?? 0)
        : Number.POSITIVE_INFINITY;
    if (counted + chunk.length <= limit) {
      counted += chunk.length;
      if (!to.write(chunk)) from.pause();
      return;
    }
    const allowed = Math.max(0, limit - counted);
    if (fault.kind === 'flip') {
      const damaged = Buffer.from(chunk);
      damaged[allowed] = (damaged[allowed] as number) ^ 0xff;
      counted += chunk.length;
      hit();
      if (!to.write(damaged)) from.pause();
      return;
    }
    counted = limit;
    if (allowed > 0) to.write(chunk.subarray(0, allowed));
    hit();
    if (fault.kind === 'reset') {
      from.resetAndDestroy();
      to.resetAndDestroy();
    } else {
      // Stall: stop reading; both ends wait until they time out.
      stalled = true;
      from.pause();
    }
  });
  to.on('drain', () => {
    if (!stalled) from.resume();
  });
  from.on('end', () => link.held || to.end());
}
