import type { Worker } from '@temporalio/worker';
import type { AppConfig } from '../config/app-config';

/**
 * On SIGINT/SIGTERM (which Temporal's Runtime handles: it drains the worker), says what the
 * process is waiting for; otherwise it goes quiet for up to the grace time.
 */
export function announceShutdown(
  worker: Worker,
  config: AppConfig,
  logger: { log(message: string): void },
): void {
  const announce = (signal: NodeJS.Signals): void => {
    const inFlight = worker.getStatus().numInFlightActivities;
    if (inFlight === 0) return;
    const graceSeconds = Math.round(config.transcribeActivity.heartbeatTimeoutMs / 1000);
    logger.log(
      `${signal}: waiting up to ${graceSeconds} s for ${inFlight} activit${inFlight === 1 ? 'y' : 'ies'} in flight to finish (the heartbeat timeout); after that their retry, on any worker, watches the row instead of sending the file again`,
    );
  };
  process.once('SIGINT', announce);
  process.once('SIGTERM', announce);
}
