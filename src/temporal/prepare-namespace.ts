import type { LoggerService } from '@nestjs/common';
import type { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config/app-config';
import { registerSearchAttributes } from './register-search-attributes';
import { describeUpsert, upsertTranscriptionSchedule } from './transcription-schedule';

/**
 * What the worker (and npm start) sets up before it polls: the custom search attributes, then
 * the schedule created or updated (never unpaused), each said in the log.
 */
export async function prepareNamespace(
  connection: Connection,
  client: Client,
  config: AppConfig,
  logger: LoggerService,
): Promise<void> {
  const added = await registerSearchAttributes(connection, config.temporal.namespace);
  if (added.length > 0) logger.log(`Registered search attributes: ${added.join(', ')}`);
  const settings = { ...config.schedule, taskQueue: config.temporal.taskQueue };
  const outcome = await upsertTranscriptionSchedule(client, settings);
  logger.log(await describeUpsert(client, settings, outcome));
}
