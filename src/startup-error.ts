import { ConfigError } from './config/load-config';
import { writeJsonLine } from './logging/loggers';

/**
 * Whether start-up failures are written as JSON. Read from the environment itself: the failure
 * may be that the configuration did not load. Same default as LOG_FORMAT's validation.
 */
function jsonLogs(env: NodeJS.ProcessEnv): boolean {
  const format = env.LOG_FORMAT?.trim();
  return format ? format === 'json' : env.NODE_ENV === 'production';
}

/**
 * Prints a start-up failure: one readable block at a terminal, one JSON line (the logs' shape)
 * where logs are JSON. No stack for known configuration problems.
 */
export function reportStartupError(
  processName: string,
  error: unknown,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const message =
    error instanceof ConfigError
      ? error.message
      : `failed to start: ${(error as Error)?.message ?? String(error)}`;
  if (jsonLogs(env)) {
    const fields = error instanceof ConfigError ? { problems: error.problems } : {};
    writeJsonLine('fatal', processName, message, fields);
  } else console.error(`${processName}: ${message}`);
}
