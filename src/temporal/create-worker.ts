import { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  NativeConnection,
  Runtime,
  Worker,
  type Logger,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TranscriberClient } from '../../activities/transcriber-client';
import type { AppConfig } from '../config/app-config';
import type { FileStore } from '../files/file-store';
import type { WorkerMetrics } from '../metrics/worker-metrics';

export interface TranscriptionWorkerOptions {
  config: AppConfig;
  store: FileStore;
  connection?: NativeConnection;
  /** A prebuilt bundle (tests build one per file); otherwise the workflows are bundled now. */
  workflowBundle?: WorkflowBundle;
  /** The product's metrics, observed by an activity interceptor. */
  metrics?: WorkerMetrics;
}

/** The bundle given, or the one built ahead of time (WORKFLOW_BUNDLE_PATH), or bundle now. */
async function workflowBundle(options: TranscriptionWorkerOptions): Promise<WorkflowBundleOption> {
  if (options.workflowBundle) return options.workflowBundle;
  if (options.config.workflowBundlePath) return { codePath: options.config.workflowBundlePath };
  // Bundled here rather than by Worker.create, whose logger prints webpack's module listing.
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: warningsOnly(Runtime.instance().logger),
  });
}

/** The runtime's logger without its info and debug lines. */
function warningsOnly(logger: Logger): Logger {
  const quiet = (): void => undefined;
  return {
    log: (level, message, meta) => {
      if (level === 'WARN' || level === 'ERROR') logger.log(level, message, meta);
    },
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: (message, meta) => {
      logger.warn(message, meta);
    },
    error: (message, meta) => {
      logger.error(message, meta);
    },
  };
}

export async function connectWorker(config: AppConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}

/** The worker that runs both workflows and all activities on the configured task queue. */
export async function createTranscriptionWorker(
  options: TranscriptionWorkerOptions,
): Promise<Worker> {
  const { config, store } = options;
  const connection = options.connection ?? (await connectWorker(config));
  const activities = createActivities({
    store,
    transcriber: new TranscriberClient({
      baseUrl: config.transcriber.url,
      model: config.transcriber.model,
    }),
    temporalClient: new Client({ connection, namespace: config.temporal.namespace }),
    dispatchSettings: config.dispatch,
    transcriberTiming: {
      requestTimeoutMs: config.transcriber.requestTimeoutMs,
      watchDeadlineMs: config.transcriber.watchDeadlineMs,
      statusPollIntervalMs: config.transcriber.statusPollIntervalMs,
    },
  });
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activities,
    workflowBundle: await workflowBundle(options),
    interceptors: { activity: options.metrics ? [options.metrics.interceptor()] : [] },
    // On shutdown, in-flight transcriptions get one heartbeat timeout to finish; after that
    // they are cancelled and their retry (on any worker) watches the row instead of resending.
    shutdownGraceTime: config.transcribeActivity.heartbeatTimeoutMs,
  });
}
