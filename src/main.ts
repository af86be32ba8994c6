/** `npm run api`: the NestJS control API alone, against Supabase and a running Temporal server. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from './config/load-config';
import { createApi } from './create-api';
import { SupabaseFileStore } from './files/supabase-file-store';
import { createNestLogger } from './logging/loggers';
import { logPreflight } from './preflight/log-preflight';
import { reportStartupError } from './startup-error';

async function main(): Promise<void> {
  const config = loadConfig();
  if (config.demoMode) {
    throw new Error(
      'demo mode (no SUPABASE_URL) runs only under "npm start", where the worker, API and simulator share the demo store. Set SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, TRANSCRIBER_URL and API_TOKEN to run the API on its own.',
    );
  }
  Logger.overrideLogger(createNestLogger(config));
  // Temporal may be down now: the API's connection is lazy, so it starts anyway; the preflight
  // below logs why, /api/health shows it, and the schedule endpoints answer 503 until it is back.
  const app = await createApi(
    { config, store: new SupabaseFileStore(config.supabase!) },
    createNestLogger(config),
  );
  // This process has no Temporal worker, so Nest alone owns SIGTERM here.
  app.enableShutdownHooks();
  await app.listen(config.api.port, '0.0.0.0');
  const logger = new Logger('api');
  logger.log(
    `Admin page on :${config.api.port}/, API under /api (docs: /api/docs), metrics at /metrics`,
  );
  await logPreflight(config, logger);
}

main().catch((error: unknown) => {
  reportStartupError('api', error);
  process.exit(1);
});
