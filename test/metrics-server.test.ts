/**
 * The worker's HTTP server on its own (no Temporal needed): GET /healthz is a liveness answer that
 * scrapes nothing, so the container healthcheck stays cheap; GET /metrics still combines the
 * product's registry with the SDK exporter's text.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { startWorkerMetricsServer } from '../src/metrics/metrics-server';

let sdkExporter: Server;
let sdkScrapes = 0;
let sdkMetricsUrl: string;
let worker: Awaited<ReturnType<typeof startWorkerMetricsServer>>;

beforeAll(async () => {
  // Stands in for Core's Prometheus exporter and counts how often it is scraped.
  sdkExporter = createServer((_request, response) => {
    sdkScrapes += 1;
    response.writeHead(200, { 'content-type': 'text/plain' }).end('temporal_fake_total 1\n');
  });
  await new Promise<void>((resolve) => sdkExporter.listen(0, '127.0.0.1', resolve));
  sdkMetricsUrl = `http://127.0.0.1:${(sdkExporter.address() as AddressInfo).port}/metrics`;

  const registry = new Registry();
  new Counter({ name: 'product_fake_total', help: 'a product counter', registers: [registry] }).inc(
    3,
  );
  worker = await startWorkerMetricsServer({ port: 0, host: '127.0.0.1', registry, sdkMetricsUrl });
});

afterAll(async () => {
  await new Promise((resolve) => worker.server.close(resolve));
  await new Promise((resolve) => sdkExporter.close(resolve));
});

beforeEach(() => {
  sdkScrapes = 0;
});

test('GET /healthz answers 200 "ok" without scraping any metrics', async () => {
  expect(worker.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/healthz$/);
  const response = await fetch(worker.healthUrl);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('ok\n');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const head = await fetch(worker.healthUrl, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(await fetch(`${worker.healthUrl}?probe=docker`).then((r) => r.status)).toBe(200);
  expect(sdkScrapes).toBe(0);
});

test('GET /metrics still serves the product registry followed by the SDK metrics', async () => {
  const response = await fetch(worker.url);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^product_fake_total 3$/m);
  expect(text).toMatch(/^temporal_fake_total 1$/m);
  expect(sdkScrapes).toBe(1);
});

test('anything else is a 404 that names the two endpoints', async () => {
  const base = worker.url.replace(/\/metrics$/, '');
  for (const [method, path] of [
    ['GET', '/'],
    ['GET', '/health'],
    ['POST', '/healthz'],
    ['POST', '/metrics'],
  ] as const) {
    const response = await fetch(`${base}${path}`, { method });
    expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    expect(await response.text()).toContain('GET /healthz');
  }
  expect(sdkScrapes).toBe(0);
});
