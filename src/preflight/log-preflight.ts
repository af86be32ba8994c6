import type { LoggerService } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { CheckStatus, formatCheck } from './connectivity-checks';
import { runPreflight } from './run-preflight';

/**
 * Runs the connectivity checks at start and logs one line per dependency. Never fatal: the
 * process keeps running and Temporal retries the work; /api/health shows the same reasons.
 */
export async function logPreflight(config: AppConfig, logger: LoggerService): Promise<void> {
  for (const result of await runPreflight(config)) {
    const line = `preflight: ${formatCheck(result)}`;
    if (result.status === CheckStatus.Fail) logger.error(line);
    else if (result.status === CheckStatus.Warn) logger.warn(line);
    else logger.log(line);
  }
}
