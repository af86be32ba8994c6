import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The worker's HTTP endpoints: `GET /metrics`, the product's registry followed by the Temporal
 * SDK's own Prometheus exporter (Core telemetry, bound to loopback), so one scrape sees both;
 * and `GET /healthz`, a liveness answer ("ok") that calls nothing, for container healthchecks.
 * The worker starts this server only after it has registered the search attributes and upserted
 * the schedule, so a 200 from /healthz also says that start-up got that far.
 */
export async function startWorkerMetricsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  sdkMetricsUrl: string;
}): Promise<{ server: Server; url: string; healthUrl: string }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if ((request.method === 'GET' || request.method === 'HEAD') && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      response.end(request.method === 'GET' ? 'ok\n' : undefined);
      return;
    }
    if (request.method !== 'GET' || path !== '/metrics') {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end('only GET /metrics and GET /healthz here\n');
      return;
    }
    combinedMetrics(options.registry, options.sdkMetricsUrl).then(
      (text) => response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
      (error: unknown) =>
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics failed: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/metrics`,
    healthUrl: `http://127.0.0.1:${port}/healthz`,
  };
}

export async function combinedMetrics(registry: Registry, sdkMetricsUrl: string): Promise<string> {
  return `${await registry.metrics()}\n${await fetchMetrics(sdkMetricsUrl, 'Temporal SDK')}`;
}

/** Another process's metrics text; on failure a comment saying why, never an error. */
export async function fetchMetrics(url: string, what: string): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok)
      return `# ${what} metrics unavailable: ${url} answered HTTP ${response.status}\n`;
    return await response.text();
  } catch (error) {
    return `# ${what} metrics unavailable from ${url}: ${(error as Error).message}\n`;
  }
}
