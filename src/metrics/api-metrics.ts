import { Logger } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { Gauge, Registry } from 'prom-client';
import type { DispatchResult } from '../../workflows/dispatch-pending-files';
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

/** A failed read leaves the gauge without a sample instead of failing the whole scrape. */
async function tolerant(what: string, read: () => Promise<void>): Promise<void> {
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
      await tolerant('the schedule', async () => {
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
      await tolerant('the next run', async () => {
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
      await tolerant('dispatch runs', async () => {
        const counts = await Promise.all(
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
      await tolerant('the latest dispatch', async () => {
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
