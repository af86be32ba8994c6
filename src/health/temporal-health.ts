import type { Client } from '@temporalio/client';
import { describeTemporalOutage } from '../common/temporal-outage';

/** Short: health is polled, and an unanswered check must not hold the response. */
export const TEMPORAL_HEALTH_DEADLINE_MS = 3_000;

export type TemporalHealth = { up: true } | { up: false; problem: string; message: string };

/**
 * Asks the frontend for its system info over the API's own shared connection, so health tests
 * the very channel the endpoints use and opens nothing new per request.
 */
export async function checkTemporalClient(
  client: Client,
  address: string,
  deadlineMs = TEMPORAL_HEALTH_DEADLINE_MS,
): Promise<TemporalHealth> {
  try {
    await client.connection.withDeadline(Date.now() + deadlineMs, () =>
      client.workflowService.getSystemInfo({}),
    );
    return { up: true };
  } catch (error) {
    const outage = describeTemporalOutage(error, address);
    return outage
      ? { up: false, ...outage }
      : {
          up: false,
          problem: 'gRPC',
          message: `Temporal did not answer: ${(error as Error).message}; fix: check that ${address} is a Temporal frontend`,
        };
  }
}
