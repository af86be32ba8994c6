/**
 * `npm start`: everything for local use in one process. A Temporal dev server (SQLite under
 * DATA_DIR, Web UI), the worker, the API, and in demo mode the local store and the simulator.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from './config/load-config';
import { createApi } from './create-api';
import { seedDemoStore } from './demo/demo-seed';
import { TranscriberSimulator } from './demo/transcriber-simulator';
import type { FileStore } from './files/file-store';
import { LocalFileStore } from './files/local-file-store';
import { SupabaseFileStore } from './files/supabase-file-store';
import { createNestLogger } from './logging/loggers';
import { startWorkerMetricsServer } from './metrics/metrics-server';
import { WorkerMetrics } from './metrics/worker-metrics';
import { DEMO_NOTICE } from './mode-info';
import { logPreflight } from './preflight/log-preflight';
import { reportStartupError } from './startup-error';
import { DevServer, isReachable } from './temporal/dev-server';
import { createTranscriptionWorker } from './temporal/create-worker';
import { installRuntime } from './temporal/install-runtime';
import { registerSearchAttributes } from './temporal/register-search-attributes';
import { locateTemporalCli } from './temporal/temporal-binaries';
import { upsertTranscriptionSchedule } from './temporal/transcription-schedule';

const logger = new Logger('start');

async function main(): Promise<void> {
  let config = loadConfig();
  Logger.overrideLogger(createNestLogger(config));
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Temporal's Runtime owns SIGINT/SIGTERM: it shuts the worker down, then we close the rest.
  const { sdkMetricsUrl } = await installRuntime(config);

  let devServer: DevServer | undefined;
  if (await isReachable(config.temporal.address)) {
    logger.log(`Using the Temporal server already running at ${config.temporal.address}`);
  } else {
    const cli = locateTemporalCli();
    logger.log(`Starting the Temporal dev server from ${cli.path} (found via ${cli.source})`);
    devServer = await DevServer.start({
      cliPath: cli.path,
      address: config.temporal.address,
      uiPort: config.temporal.uiPort,
      dbFile: path.join(config.dataDir, 'temporal.sqlite'),
      logFile: path.join(config.dataDir, 'temporal-server.log'),
    });
  }

  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const added = await registerSearchAttributes(connection, config.temporal.namespace);
  if (added.length > 0) logger.log(`Registered search attributes: ${added.join(', ')}`);
  const outcome = await upsertTranscriptionSchedule(client, {
    ...config.schedule,
    taskQueue: config.temporal.taskQueue,
  });
  logger.log(
    `Schedule ${config.schedule.id} ${outcome} (cron "${config.schedule.cron}", ${config.schedule.timezone})`,
  );

  let store: FileStore;
  let simulator: TranscriberSimulator | undefined;
  if (config.demoMode) {
    const localStore = new LocalFileStore({
      persistPath: path.join(config.dataDir, 'demo-store.json'),
    });
    const seeded = await seedDemoStore(localStore);
    store = localStore;
    logger.warn(DEMO_NOTICE);
    if (config.simulator.enabled) {
      simulator = await TranscriberSimulator.start({
        store,
        host: '127.0.0.1',
        port: config.simulator.port,
        latencyMs: config.simulator.latencyMs,
        failPattern: config.simulator.failPattern
          ? new RegExp(config.simulator.failPattern)
          : undefined,
        logger: new Logger('simulator'),
      });
    } else {
      logger.warn(
        `TRANSCRIBER_URL is set: the demo sends its files to ${config.transcriber.url} instead of the built-in simulator. A real api-transcriber writes its results to Supabase, not to the demo store, so the demo rows will not turn completed; use this to check connectivity`,
      );
    }
    logger.warn(
      `Demo store: ${localStore.count()} rows (${seeded} seeded now) in ${path.join(config.dataDir, 'demo-store.json')}; ` +
        (simulator
          ? `simulator at ${simulator.url}, ${config.simulator.latencyMs} ms per file`
          : `transcriber at ${config.transcriber.url}`),
    );
  } else {
    store = new SupabaseFileStore(config.supabase!);
  }

  if (!config.api.token) {
    // Demo mode only (loadConfig requires API_TOKEN otherwise): one token per run, shown once.
    const token = randomBytes(24).toString('base64url');
    config = { ...config, api: { ...config.api, token } };
    logger.warn(
      `API token for this demo run (mutating endpoints need "Authorization: Bearer <token>"; set API_TOKEN to choose one): ${token}`,
    );
  }

  const metrics = new WorkerMetrics();
  const metricsServer =
    config.metrics.workerPort > 0
      ? await startWorkerMetricsServer({
          port: config.metrics.workerPort,
          host: '127.0.0.1',
          registry: metrics.registry,
          sdkMetricsUrl,
        })
      : undefined;
  // One process here: the API's /metrics includes this worker's metrics.
  config = {
    ...config,
    metrics: { ...config.metrics, workerUrl: config.metrics.workerUrl ?? metricsServer?.url },
  };
  const worker = await createTranscriptionWorker({ config, store, metrics });
  const api = await createApi({ config, store }, createNestLogger(config));
  await api.listen(config.api.port, '0.0.0.0');

  logger.log(`Admin page:   http://localhost:${config.api.port}/`);
  logger.log(`API:          http://localhost:${config.api.port}/api/schedule (docs: /api/docs)`);
  logger.log(`Temporal UI:  ${config.temporal.uiUrl}`);
  logger.log(`Metrics:      http://localhost:${config.api.port}/metrics`);
  logger.log(`Task queue:   ${config.temporal.taskQueue}; Ctrl-C stops everything`);
  await logPreflight(config, logger);

  try {
    await worker.run();
  } finally {
    logger.log('Shutting down: API, simulator, store, Temporal dev server');
    await api.close();
    metricsServer?.server.close();
    await simulator?.stop();
    if (store instanceof LocalFileStore) await store.flush();
    await connection.close();
    await devServer?.stop();
  }
}

main().catch((error: unknown) => {
  reportStartupError('npm start', error);
  process.exit(1);
});
