/** `npm run worker`: the Temporal worker alone, against Supabase and a real api-transcriber. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from './config/load-config';
import { SupabaseFileStore } from './files/supabase-file-store';
import { createNestLogger } from './logging/loggers';
import { startWorkerMetricsServer } from './metrics/metrics-server';
import { WorkerMetrics } from './metrics/worker-metrics';
import { logPreflight } from './preflight/log-preflight';
import { reportStartupError } from './startup-error';
import { announceShutdown } from './temporal/announce-shutdown';
import { createTranscriptionWorker } from './temporal/create-worker';
import { installRuntime } from './temporal/install-runtime';
import { prepareNamespace } from './temporal/prepare-namespace';

const logger = new Logger('worker');

/** The connection, or an error naming the address, its variable and the fix. */
async function connectToTemporal(address: string): Promise<Connection> {
  try {
    return await Connection.connect({ address });
  } catch (error) {
    throw new Error(
      `cannot connect to the Temporal server at ${address} (TEMPORAL_ADDRESS): ${(error as Error).message}; ` +
        'fix: start Temporal or correct TEMPORAL_ADDRESS (in Docker, the temporal service on the watchme-network); ' +
        'the restart policy retries the worker',
      { cause: error },
    );
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  Logger.overrideLogger(createNestLogger(config));
  if (config.demoMode) {
    throw new Error(
      'demo mode (no SUPABASE_URL) runs only under "npm start", where the worker, API and simulator share the demo store. Set SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, TRANSCRIBER_URL and API_TOKEN to run the worker on its own.',
    );
  }
  // Temporal's Runtime owns SIGINT/SIGTERM and drains the worker within its grace time.
  const { sdkMetricsUrl } = await installRuntime(config);
  // Before anything can block on a dependency: one line per unreachable one, with the fix. The
  // worker goes on regardless; Temporal retries the activities until the dependency is back.
  await logPreflight(config, logger);
  const connection = await connectToTemporal(config.temporal.address);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  await prepareNamespace(connection, client, config, logger);
  const metrics = new WorkerMetrics();
  const metricsServer =
    config.metrics.workerPort > 0
      ? await startWorkerMetricsServer({
          port: config.metrics.workerPort,
          registry: metrics.registry,
          sdkMetricsUrl,
        })
      : undefined;
  const worker = await createTranscriptionWorker({
    config,
    store: new SupabaseFileStore(config.supabase!),
    metrics,
  });
  announceShutdown(worker, config, logger);
  logger.log(
    `Worker on task queue ${config.temporal.taskQueue} at ${config.temporal.address}; transcriber ${config.transcriber.url}` +
      (metricsServer ? `; metrics on :${config.metrics.workerPort}/metrics` : ''),
  );
  try {
    await worker.run();
  } finally {
    metricsServer?.server.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  reportStartupError('worker', error);
  process.exit(1);
});
