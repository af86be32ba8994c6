import { Logger } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { Gauge, Registry } from 'prom-client';
import type { DispatchResult } from '../../workflows/dispatch-pending-files';
import { settleAll } from '../common/settle-all';
import { DISPATCH_RUNS_QUERY } from '../runs/dispatch-runs';

const DISPATCH_STATUSES = ['Running', 'Completed', 'Failed', 'Terminated', 'TimedOut', 'Canceled'];
const COUNT_KEYS = [
  'found',
  'started',
  'alreadyRunning',
  'succeeded',
  'failed',
  'invalid',
  'duplicates',
] as const;

/**
 * Runs one gauge's read at scrape time. prom-client keeps a gauge's last value (and starts an
 * unlabelled one at 0), so every sample is removed first: a failed read then leaves the gauge
 * without a sample, instead of a stale or invented value, and does not fail the whole scrape.
 */
async function collectFresh(
  gauge: Gauge<string>,
  what: string,
  read: () => Promise<void>,
): Promise<void> {
  // reset() empties a labelled gauge but sets an unlabelled one to 0; remove({}) drops that 0.
  gauge.reset();
  gauge.remove({});
  try {
    await read();
  } catch (error) {
    logger.warn(`metrics: could not read ${what}: ${(error as Error).message}`);
  }
}

const logger = new Logger('metrics');

/**
 * Gauges read from Temporal at scrape time, so they are true whichever process ran the work:
 * the schedule's state and the dispatch runs with the counts of the latest one.
 */
export function createApiMetrics(client: Client, scheduleId: string): Registry {
  const registry = new Registry();

  new Gauge({
    name: 'transcription_schedule_paused',
    help: '1 when the transcription schedule is paused, 0 when it runs',
    registers: [registry],
    async collect() {
      await collectFresh(this, 'the schedule', async () => {
        const description = await client.schedule.getHandle(scheduleId).describe();
        this.set(description.state.paused ? 1 : 0);
      });
    },
  });

  new Gauge({
    name: 'transcription_schedule_next_run_timestamp_seconds',
    help: 'Unix time of the next scheduled dispatch',
    registers: [registry],
    async collect() {
      await collectFresh(this, 'the next run', async () => {
        const next = (await client.schedule.getHandle(scheduleId).describe()).info
          .nextActionTimes[0];
        if (next) this.set(next.getTime() / 1000);
      });
    },
  });

  new Gauge({
    name: 'transcription_dispatch_runs',
    help: 'Dispatch runs known to Temporal (within its retention), by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      await collectFresh(this, 'dispatch runs', async () => {
        const counts = await settleAll(
          DISPATCH_STATUSES.map((status) =>
            client.workflow.count(`${DISPATCH_RUNS_QUERY} AND ExecutionStatus = '${status}'`),
          ),
        );
        DISPATCH_STATUSES.forEach((status, index) => this.set({ status }, counts[index].count));
      });
    },
  });

  new Gauge({
    name: 'transcription_dispatch_last_run_files',
    help: "The latest completed dispatch's result counts (found, started, alreadyRunning, succeeded, failed, invalid, duplicates)",
    labelNames: ['count'] as const,
    registers: [registry],
    async collect() {
      await collectFresh(this, 'the latest dispatch', async () => {
        for await (const execution of client.workflow.list({
          query: `${DISPATCH_RUNS_QUERY} AND ExecutionStatus = 'Completed'`,
          pageSize: 1,
        })) {
          const result = (await client.workflow
            .getHandle(execution.workflowId, execution.runId)
            .result()) as DispatchResult;
          for (const key of COUNT_KEYS) this.set({ count: key }, result[key] ?? 0);
          break;
        }
      });
    },
  });

  return registry;
}
