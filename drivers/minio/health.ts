/**
 * The health check: MinIO's liveness probe, `GET /minio/health/live`, which answers 200
 * without credentials while the server runs.
 * https://min.io/docs/minio/linux/operations/monitoring/healthcheck-probe.html
 * Unlike django-minio-backend's MinioServerStatus, any answer but 200 is "not available"
 * (it took only 403 to mean "up").
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { HealthStatus } from '../../src/driver.js';
import type { Endpoint } from './config.js';

/** A health check must answer quickly, whatever the request timeout. */
export const HEALTH_TIMEOUT_MS = 2_000;

export function checkHealth(endpoint: Endpoint, agent: http.Agent | undefined): Promise<HealthStatus> {
  const address = `${endpoint.host}:${endpoint.port}`;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const request = (endpoint.useSSL ? https : http).request(
      {
        host: endpoint.host,
        port: endpoint.port,
        path: '/minio/health/live',
        method: 'GET',
        agent,
        timeout: HEALTH_TIMEOUT_MS,
      },
      (response) => {
        response.resume();
        const status = response.statusCode ?? 0;
        resolve({
          available: status === 200,
          status,
          latencyMs: latency(),
          details:
            status === 200
              ? `MinIO at ${address} is live`
              : `MinIO at ${address} answered ${status} to /minio/health/live`,
        });
      },
    );
    request.on('timeout', () => {
      request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'ETIMEDOUT' ? `no answer within ${HEALTH_TIMEOUT_MS} ms` : (error.code ?? error.message);
      resolve({ available: false, latencyMs: latency(), details: `MinIO at ${address} is not reachable (${why})` });
    });
    request.end();
  });
}
