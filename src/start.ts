/**
 * `npm start`: everything for local use in one process. A Temporal dev server (SQLite under
 * DATA_DIR, Web UI), the worker, the API, and in demo mode the local store and the simulator.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from './config/app-config';
import { ensureDataDir } from './config/data-dir';
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
import { announceShutdown } from './temporal/announce-shutdown';
import { createTranscriptionWorker } from './temporal/create-worker';
import { installRuntime } from './temporal/install-runtime';
import { prepareNamespace } from './temporal/prepare-namespace';
import { locateTemporalCli } from './temporal/temporal-binaries';

const logger = new Logger('start');

async function main(): Promise<void> {
  let config = loadConfig();
  Logger.overrideLogger(createNestLogger(config));
  ensureDataDir(config.dataDir);
  // Temporal's Runtime owns SIGINT/SIGTERM: it shuts the worker down, then we close the rest.
  const { sdkMetricsUrl } = await installRuntime(config);

  // Whatever has been started is stopped again, in reverse order, also when the start fails.
  const cleanups: Array<{ what: string; step: () => Promise<void> | void }> = [];
  const cleanUp = async (): Promise<void> => {
    cleanups.reverse();
    // Names only what was started: a start refused early has nothing to shut down.
    if (cleanups.length > 0) {
      logger.log(`Shutting down: ${cleanups.map((cleanup) => cleanup.what).join(', ')}`);
    }
    for (const { step } of cleanups) {
      try {
        await step();
      } catch (error) {
        logger.warn(`While shutting down: ${(error as Error).message}`);
      }
    }
  };

  try {
    const devServer = await startOrAdoptDevServer(config);
    if (devServer) cleanups.push({ what: 'Temporal dev server', step: () => devServer.stop() });

    const connection = await Connection.connect({ address: config.temporal.address });
    cleanups.push({ what: 'Temporal connection', step: () => connection.close() });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    await prepareNamespace(connection, client, config, logger);

    let store: FileStore;
    if (config.demoMode) {
      const localStore = new LocalFileStore({
        persistPath: path.join(config.dataDir, 'demo-store.json'),
      });
      cleanups.push({ what: 'demo store', step: () => localStore.flush() });
      const seeded = await seedDemoStore(localStore);
      store = localStore;
      logger.warn(DEMO_NOTICE);
      let transcriberLine = `transcriber at ${config.transcriber.url}`;
      if (config.simulator.enabled) {
        const simulator = await TranscriberSimulator.start({
          store,
          host: '127.0.0.1',
          port: config.simulator.port,
          latencyMs: config.simulator.latencyMs,
          failPattern: config.simulator.failPattern
            ? new RegExp(config.simulator.failPattern)
            : undefined,
          logger: new Logger('simulator'),
        });
        cleanups.push({ what: 'simulator', step: () => simulator.stop() });
        // SIMULATOR_PORT=0 picks a free port: the worker must call the one it got.
        config = { ...config, transcriber: { ...config.transcriber, url: simulator.url } };
        transcriberLine =
          `simulator at ${simulator.url}, ${config.simulator.latencyMs} ms per file` +
          (config.simulator.failPattern
            ? `, failing paths that match SIMULATOR_FAIL_PATTERN /${config.simulator.failPattern}/`
            : '');
      } else {
        logger.warn(
          `TRANSCRIBER_URL is set: the demo sends its files to ${config.transcriber.url} instead of the built-in simulator. A real api-transcriber writes its results to Supabase, not to the demo store, so the demo rows will not turn completed; use this to check connectivity`,
        );
      }
      logger.warn(
        `Demo store: ${localStore.count()} rows (${seeded} seeded now) in ${path.join(config.dataDir, 'demo-store.json')}; ${transcriberLine}`,
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
    if (config.metrics.workerPort > 0) {
      const metricsServer = await startWorkerMetricsServer({
        port: config.metrics.workerPort,
        host: '127.0.0.1',
        registry: metrics.registry,
        sdkMetricsUrl,
      }).catch((error: unknown) => {
        throw portError(error, config.metrics.workerPort, 'WORKER_METRICS_PORT (0 turns it off)');
      });
      cleanups.push({ what: 'metrics', step: () => void metricsServer.server.close() });
      // One process here: the API's /metrics includes this worker's metrics.
      config = {
        ...config,
        metrics: { ...config.metrics, workerUrl: config.metrics.workerUrl ?? metricsServer.url },
      };
    }
    const worker = await createTranscriptionWorker({ config, store, metrics });
    announceShutdown(worker, config, logger);
    const api = await createApi({ config, store }, createNestLogger(config));
    cleanups.push({ what: 'API', step: () => api.close() });
    // Loopback, like the dev server, its Web UI and the simulator: the local default is for this
    // machine, and its GET endpoints (file paths, errors) need no token. The image's API
    // (npm run api) listens on every interface.
    await api.listen(config.api.port, '127.0.0.1').catch((error: unknown) => {
      throw portError(error, config.api.port, 'PORT');
    });

    logger.log(`Admin page:   http://localhost:${config.api.port}/`);
    logger.log(`API:          http://localhost:${config.api.port}/api/schedule (docs: /api/docs)`);
    logger.log(`Temporal UI:  ${config.temporal.uiUrl}`);
    logger.log(`Metrics:      http://localhost:${config.api.port}/metrics`);
    logger.log(`Task queue:   ${config.temporal.taskQueue}; Ctrl-C stops everything`);
    await logPreflight(config, logger);

    devServer?.onUnexpectedExit((how) => {
      logger.error(
        `The Temporal dev server ${how} (its log: ${devServer.logFile}); stopping npm start. Start it again: the state in ${config.dataDir} is kept.`,
      );
      process.exitCode = 1;
      worker.shutdown();
    });
    await worker.run();
  } finally {
    await cleanUp();
  }
}

/**
 * The dev server under DATA_DIR: refused while the npm start that owns DATA_DIR runs, whatever
 * address either uses; the one an earlier npm start left running (killed, or failed to start) is
 * adopted and stopped on exit like our own; another server at TEMPORAL_ADDRESS is used and left
 * alone; otherwise one is started.
 */
async function startOrAdoptDevServer(config: AppConfig): Promise<DevServer | undefined> {
  const files = {
    dbFile: path.join(config.dataDir, 'temporal.sqlite'),
    logFile: path.join(config.dataDir, 'temporal-server.log'),
    pidFile: path.join(config.dataDir, 'temporal-dev-server.pid'),
  };
  const leftover = DevServer.adopt(files);
  if (await isReachable(config.temporal.address)) {
    if (leftover) {
      logger.log(
        `Using the Temporal dev server an earlier npm start left running (pid ${leftover.pid}, ${files.dbFile}); it stops with this one`,
      );
      return leftover;
    }
    logger.log(
      `Using the Temporal server already running at ${config.temporal.address} (not started here, so left running on exit)`,
    );
    return undefined;
  }
  if (leftover) {
    // It answers elsewhere (another TEMPORAL_ADDRESS) or not at all: two servers on one SQLite
    // file would corrupt each other's state.
    logger.log(
      `Stopping the Temporal dev server an earlier npm start left running (pid ${leftover.pid}): it does not answer at ${config.temporal.address}, and ${files.dbFile} takes one server at a time`,
    );
    await leftover.stop();
  }
  const cli = locateTemporalCli();
  logger.log(`Starting the Temporal dev server from ${cli.path} (found via ${cli.source})`);
  return DevServer.start({
    cliPath: cli.path,
    address: config.temporal.address,
    uiPort: config.temporal.uiPort,
    ...files,
  });
}

/** A taken port, said with the variable that moves it. */
function portError(error: unknown, port: number, variable: string): Error {
  if ((error as NodeJS.ErrnoException)?.code === 'EADDRINUSE') {
    return new Error(
      `port ${port} is already in use by another process (is another npm start running?). Stop it, or set ${variable} to a free port.`,
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

main().catch((error: unknown) => {
  reportStartupError('npm start', error);
  process.exit(1);
});
