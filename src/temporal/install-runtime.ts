import { Runtime } from '@temporalio/worker';
import type { AppConfig } from '../config/app-config';
import { createTemporalLogger } from '../logging/loggers';
import { freeLoopbackPort } from '../metrics/free-port';

/**
 * Installs Temporal's Runtime once per process: its logger, its Prometheus exporter on a
 * loopback port (served to scrapers through the worker's /metrics), and the ownership of
 * SIGINT/SIGTERM, on which it drains the worker within its grace time.
 */
export async function installRuntime(config: AppConfig): Promise<{ sdkMetricsUrl: string }> {
  const port = await freeLoopbackPort();
  Runtime.install({
    logger: createTemporalLogger(config),
    shutdownSignals: ['SIGINT', 'SIGTERM'],
    telemetryOptions: {
      metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true } },
    },
  });
  return { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}
