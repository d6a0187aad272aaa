/**
 * Failover across the endpoints of one store (the nodes of a distributed MinIO, or any
 * S3 servers behind the same data): one transport per endpoint, requests going to the one
 * in use, which moves to the next when a request finds its endpoint not answering (refused,
 * unreachable, reset, timed out) or answering that it cannot serve now: a MinIO node still
 * starting (`XMinioServerNotInitialized`) or one that sees too few of its cluster's drives
 * (`SlowDownWrite`, `SlowDownRead`: quorum, in its own view; another node may see more).
 * The failed request rejects as before and the core's
 * retry policy (requests.ts) sends it again, now to the next endpoint: failover costs one
 * attempt, and a transport still never repeats a request itself.
 *
 * The health check asks every endpoint at once: available when one is, its details
 * naming each endpoint's answer.
 */
import type { HealthStatus } from '../driver.js';
import type { ObjectTransport } from './transport.js';

/** What says the endpoint is not answering, or cannot serve now whatever the request. */
const MOVE_ON = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'XMinioServerNotInitialized',
  'SlowDownWrite',
  'SlowDownRead',
]);

/** `transports[0]` alone, or one transport that fails over across them all in turn. */
export function failoverTransport(transports: readonly ObjectTransport[]): ObjectTransport {
  const [first] = transports;
  if (first === undefined) throw new Error('failoverTransport needs at least one transport');
  if (transports.length === 1) return first;
  let current = 0;
  const active = () => transports[current] as ObjectTransport;
  const calls = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  const handler: ProxyHandler<ObjectTransport> = {
    get(_target, property) {
      if (property === 'health')
        return (bucket: string, timeoutMs: number) => healthOfAll(transports, bucket, timeoutMs);
      if (property === 'close') return () => Promise.all(transports.map((t) => t.close())).then(() => {});
      const value = Reflect.get(active(), property) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'errorFacts') return (value as (e: unknown) => unknown).bind(active());
      let call = calls.get(property);
      if (!call) {
        call = async (...args: unknown[]) => {
          const used = current;
          const transport = transports[used] as ObjectTransport;
          const method = Reflect.get(transport, property) as (...a: unknown[]) => Promise<unknown>;
          try {
            return await method.apply(transport, args);
          } catch (error) {
            const { code } = transport.errorFacts(error);
            // Move on once per failure: concurrent requests that failed on the same endpoint move it once.
            if (code !== undefined && MOVE_ON.has(code) && current === used) {
              current = (used + 1) % transports.length;
            }
            throw error;
          }
        };
        calls.set(property, call);
      }
      return call;
    },
  };
  return new Proxy(first, handler);
}

async function healthOfAll(
  transports: readonly ObjectTransport[],
  bucket: string,
  timeoutMs: number,
): Promise<HealthStatus> {
  const started = performance.now();
  const answers = await Promise.all(transports.map((transport) => transport.health(bucket, timeoutMs)));
  const up = answers.find((answer) => answer.available);
  return {
    available: up !== undefined,
    status: (up ?? answers[0])?.status,
    latencyMs: Math.round(performance.now() - started),
    details: `${answers.filter((a) => a.available).length} of ${answers.length} endpoints available: ${answers.map((a) => a.details).join('; ')}`,
  };
}
