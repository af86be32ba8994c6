import { ConfigError, logFormatOf } from './config/load-config';
import { writeJsonLine } from './logging/loggers';

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
  // From the environment itself: the failure may be that the configuration did not load.
  if (logFormatOf(env.LOG_FORMAT, env) === 'json') {
    const fields = error instanceof ConfigError ? { problems: error.problems } : {};
    writeJsonLine('fatal', processName, message, fields);
  } else console.error(`${processName}: ${message}`);
}
