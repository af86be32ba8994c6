import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { TranscriberClient } from '../../activities/transcriber-client';
import type { AppConfig } from '../config/app-config';
import type { FileStore } from '../files/file-store';

export interface TranscriptionWorkerOptions {
  config: AppConfig;
  store: FileStore;
  connection?: NativeConnection;
  /** A prebuilt bundle (tests build one per file); otherwise the workflows are bundled now. */
  workflowBundle?: WorkflowBundle;
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
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../../workflows') }),
    // On shutdown, in-flight transcriptions get one heartbeat timeout to finish; after that
    // they are cancelled and their retry (on any worker) watches the row instead of resending.
    shutdownGraceTime: config.transcribeActivity.heartbeatTimeoutMs,
  });
}
