/**
 * Shared pieces of the fault-injection tests (test/faults/*.test.ts): rows, waiting, figures,
 * and readings taken from Temporal itself (histories, pending activities).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { PostgrestDouble } from '../support/postgrest-double';
import { testSecret } from '../support/test-secret';

export const quiet = { log(): void {}, warn(): void {} };

export const API_TOKEN = testSecret('fault-test-token');

/** A valid path: files/<device>/2026-12-01/<HH-MM>/audio.wav; slot 0..47 is the half hour. */
export function audioPath(device: string, slot: number, date = '2026-12-01'): string {
  const hours = String(Math.floor(slot / 2) % 24).padStart(2, '0');
  const minutes = slot % 2 === 0 ? '00' : '30';
  return `files/${device}/${date}/${hours}-${minutes}/audio.wav`;
}

export type SeedRow = {
  file_path: string | null;
  device_id: string | null;
  created_at: string;
  transcriptions_status: string;
};

/** `count` pending rows over `devices`, distinct created_at, oldest first in array order. */
export function pendingRows(count: number, devices = ['d-7f3a21c9', 'd-0b44e1d2']): SeedRow[] {
  return Array.from({ length: count }, (_, index) => {
    const device = devices[index % devices.length];
    const slot = Math.floor(index / devices.length);
    const day = 1 + Math.floor(slot / 48);
    return {
      file_path: audioPath(device, slot % 48, `2026-12-${String(day).padStart(2, '0')}`),
      device_id: device,
      created_at: new Date(Date.UTC(2026, 11, 1, 0, 0, index)).toISOString(),
      transcriptions_status: 'pending',
    };
  });
}

/** Environment of a worker process against the Supabase double and a transcriber URL. */
export function workerEnv(
  address: string,
  taskQueue: string,
  supabase: PostgrestDouble,
  transcriberUrl: string,
  vars: Record<string, string> = {},
): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    TRANSCRIBER_URL: transcriberUrl,
    API_TOKEN,
    // The worker upserts the product schedule at start; one that never fires during a test.
    SCHEDULE_ID: `fault-schedule-${taskQueue}`,
    SCHEDULE_CRON: '0 0 1 1 *',
    // Off: the default 9464 may be taken by an `npm start` on this machine.
    WORKER_METRICS_PORT: '0',
    // Info, not warn: the process is ready when it logs "Worker on task queue" (an info line).
    LOG_LEVEL: 'info',
    ...vars,
  };
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Prints the figures a fault test checked, one line, easy to find in the test output. */
export function printFigures(label: string, figures: Record<string, unknown>): void {
  console.log(`[faults] ${label}: ${JSON.stringify(figures)}`);
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Every event of a workflow run (the latest run when runId is not given), all pages. */
export async function historyEvents(
  client: Client,
  workflowId: string,
  runId?: string,
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1000,
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

export function eventMillis(event: HistoryEvent): number {
  const time = event.eventTime;
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/** The transcribe activity's final ActivityTaskStarted event: its attempt and when it started. */
export function lastActivityStart(
  events: HistoryEvent[],
  activityType = 'transcribeAudioFile',
): ActivityStartReading | undefined {
  const scheduled = new Map<string, string>();
  let found: ActivityStartReading | undefined;
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
      scheduled.set(String(event.eventId), name);
    }
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const attributes = event.activityTaskStartedEventAttributes;
      if (scheduled.get(String(attributes?.scheduledEventId)) !== activityType) continue;
      found = {
        attempt: attributes?.attempt ?? 0,
        startedAtMs: eventMillis(event),
        lastFailure: attributes?.lastFailure?.message ?? undefined,
        lastFailureTimeoutType: attributes?.lastFailure?.timeoutFailureInfo?.timeoutType
          ? temporal.api.enums.v1.TimeoutType[attributes.lastFailure.timeoutFailureInfo.timeoutType]
          : undefined,
      };
    }
  }
  return found;
}

export interface ActivityStartReading {
  attempt: number;
  startedAtMs: number;
  lastFailure: string | undefined;
  /** E.g. TIMEOUT_TYPE_HEARTBEAT when the previous attempt timed out. */
  lastFailureTimeoutType: string | undefined;
}

export interface PendingActivityReading {
  activityType: string | undefined;
  attempt: number;
  state: string;
  lastFailure: string | undefined;
  currentRetryIntervalMs: number | undefined;
  lastAttemptCompleteMs: number | undefined;
}

/** The workflow's pending transcribe activity as Temporal describes it, if any. */
export async function pendingActivity(
  client: Client,
  workflowId: string,
): Promise<PendingActivityReading | undefined> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const millis = (value?: { seconds?: unknown; nanos?: number | null } | null) =>
    value ? Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6) : undefined;
  return {
    activityType: pending.activityType?.name ?? undefined,
    attempt: pending.attempt ?? 0,
    state: temporal.api.enums.v1.PendingActivityState[pending.state ?? 0],
    lastFailure: pending.lastFailure?.message ?? undefined,
    currentRetryIntervalMs: millis(pending.currentRetryInterval),
    lastAttemptCompleteMs: millis(pending.lastAttemptCompleteTime),
  };
}

/** Statuses of every row, counted. */
export async function statusCounts(supabase: PostgrestDouble): Promise<Record<string, number>> {
  const rows = await supabase.query<{ s: string | null; n: string }>(
    'select transcriptions_status as s, count(*) as n from audio_files group by 1 order by 1',
  );
  return Object.fromEntries(rows.map((row) => [String(row.s), Number(row.n)]));
}

/**
 * Polls a workflow's pending activity every 100 ms while `running` is unsettled, and collects the
 * backoff Temporal applied after each failed attempt (shown while the retry waits) and the last
 * failure message it shows.
 */
export async function collectRetryIntervals(
  client: Client,
  workflowId: string,
  running: Promise<unknown>,
): Promise<{ intervalsMs: Record<number, number>; lastFailure: string | undefined }> {
  let settled = false;
  void running.then(
    () => (settled = true),
    () => (settled = true),
  );
  const intervalsMs: Record<number, number> = {};
  let lastFailure: string | undefined;
  while (!settled) {
    const pending = await pendingActivity(client, workflowId).catch(() => undefined);
    if (pending?.currentRetryIntervalMs !== undefined) {
      intervalsMs[pending.attempt - 1] = pending.currentRetryIntervalMs;
    }
    lastFailure = pending?.lastFailure ?? lastFailure;
    await sleep(100);
  }
  return { intervalsMs, lastFailure };
}
