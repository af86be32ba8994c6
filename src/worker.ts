/** `npm run worker`: the Temporal worker alone, against Supabase and a real api-transcriber. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { loadConfig } from './config/load-config';
import { SupabaseFileStore } from './files/supabase-file-store';
import { reportStartupError } from './startup-error';
import { createTranscriptionWorker } from './temporal/create-worker';
import { registerSearchAttributes } from './temporal/register-search-attributes';
import { upsertTranscriptionSchedule } from './temporal/transcription-schedule';

const logger = new Logger('worker');

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.demoMode) {
    throw new Error(
      'demo mode (no SUPABASE_URL) runs only under "npm start", where the worker, API and simulator share the demo store. Set SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, TRANSCRIBER_URL and API_TOKEN to run the worker on its own.',
    );
  }
  // Temporal's Runtime owns SIGINT/SIGTERM and drains the worker within its grace time.
  Runtime.install({ shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  await registerSearchAttributes(connection, config.temporal.namespace);
  const outcome = await upsertTranscriptionSchedule(client, {
    ...config.schedule,
    taskQueue: config.temporal.taskQueue,
  });
  logger.log(`Schedule ${config.schedule.id} ${outcome}`);
  const worker = await createTranscriptionWorker({
    config,
    store: new SupabaseFileStore(config.supabase!),
  });
  logger.log(
    `Worker on task queue ${config.temporal.taskQueue} at ${config.temporal.address}; transcriber ${config.transcriber.url}`,
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  reportStartupError('worker', error);
  process.exit(1);
});
