import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
  type ScheduleDescription,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { dispatchPendingFiles } from '../../workflows';
import { GrpcStatus } from '../common/grpc-status';
import { ConfigError } from '../config/load-config';
import { formatInZone } from './zoned-time';

/** Scheduled runs get ids like `dispatch-2026-12-03T15:00:00Z` (Temporal appends the time). */
export const DISPATCH_WORKFLOW_ID_PREFIX = 'dispatch';

export interface ScheduleSettings {
  id: string;
  cron: string;
  timezone: string;
  catchupWindowMs: number;
  taskQueue: string;
}

/**
 * Kept in the action's memo, because describe() returns calendars, not the cron string. The
 * live spec (cron, timezone) may be changed by operators through the API; the configured values
 * remember what start-up last applied, so a restart only overrides an operator's change when the
 * deployment's own SCHEDULE_CRON or SCHEDULE_TIMEZONE changed.
 */
interface ScheduleMemo {
  cron: string;
  timezone: string;
  configuredCron: string;
  configuredTimezone: string;
}

export const UpsertOutcome = {
  Created: 'created',
  Updated: 'updated',
  Unchanged: 'unchanged',
} as const;
export type UpsertOutcome = (typeof UpsertOutcome)[keyof typeof UpsertOutcome];

function dispatchAction(
  settings: ScheduleSettings,
  memo: ScheduleMemo,
): ScheduleOptionsStartWorkflowAction<typeof dispatchPendingFiles> {
  return {
    type: 'startWorkflow',
    workflowType: 'dispatchPendingFiles',
    workflowId: DISPATCH_WORKFLOW_ID_PREFIX,
    taskQueue: settings.taskQueue,
    args: [{}],
    memo: { ...memo },
    staticSummary: `Dispatch pending audio files (${memo.cron}, ${memo.timezone})`,
  };
}

function memoOf(description: ScheduleDescription): Partial<ScheduleMemo> {
  const memo = description.action.memo ?? {};
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : undefined;
  return {
    cron: text(memo.cron),
    timezone: text(memo.timezone),
    configuredCron: text(memo.configuredCron) ?? text(memo.cron),
    configuredTimezone: text(memo.configuredTimezone) ?? text(memo.timezone),
  };
}

const configuredMemo = (settings: ScheduleSettings): ScheduleMemo => ({
  cron: settings.cron,
  timezone: settings.timezone,
  configuredCron: settings.cron,
  configuredTimezone: settings.timezone,
});

/**
 * Creates the schedule, or updates its spec when the configured cron, time zone, catch-up
 * window or task queue changed. Paused state and note are never touched: an operator's pause
 * survives every restart.
 */
export async function upsertTranscriptionSchedule(
  client: Client,
  settings: ScheduleSettings,
): Promise<UpsertOutcome> {
  const handle = client.schedule.getHandle(settings.id);
  let description: ScheduleDescription;
  try {
    description = await handle.describe();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
    try {
      await refusedSpecAsConfigError(
        settings,
        client.schedule.create({
          scheduleId: settings.id,
          spec: { cronExpressions: [settings.cron], timezone: settings.timezone },
          action: dispatchAction(settings, configuredMemo(settings)),
          policies: {
            overlap: ScheduleOverlapPolicy.SKIP,
            catchupWindow: settings.catchupWindowMs,
          },
          state: { note: 'Created at start-up from SCHEDULE_CRON and SCHEDULE_TIMEZONE' },
        }),
      );
      if (await neverFires(handle)) {
        await handle.delete();
        throw neverFiresError(settings);
      }
      return UpsertOutcome.Created;
    } catch (createError) {
      // The worker and the API may start together; the other one created it first.
      if (createError instanceof ScheduleAlreadyRunning) return UpsertOutcome.Unchanged;
      throw createError;
    }
  }
  const memo = memoOf(description);
  const configChanged =
    memo.configuredCron !== settings.cron || memo.configuredTimezone !== settings.timezone;
  const unchanged =
    !configChanged &&
    description.action.taskQueue === settings.taskQueue &&
    description.policies.catchupWindow === settings.catchupWindowMs &&
    description.policies.overlap === ScheduleOverlapPolicy.SKIP;
  if (unchanged) return UpsertOutcome.Unchanged;
  // A deliberate change of the deployment's cron or zone wins; otherwise an operator's
  // change made through the API stays in force.
  const live: ScheduleMemo = configChanged
    ? configuredMemo(settings)
    : {
        cron: memo.cron ?? settings.cron,
        timezone: memo.timezone ?? settings.timezone,
        configuredCron: settings.cron,
        configuredTimezone: settings.timezone,
      };
  let before: Parameters<Parameters<typeof handle.update>[0]>[0] | undefined;
  await refusedSpecAsConfigError(
    settings,
    handle.update((previous) => ({
      ...(before = previous),
      spec: { cronExpressions: [live.cron], timezone: live.timezone },
      action: dispatchAction(settings, live),
      policies: {
        ...previous.policies,
        overlap: ScheduleOverlapPolicy.SKIP,
        catchupWindow: settings.catchupWindowMs,
      },
    })),
  );
  if (configChanged && before && (await neverFires(handle))) {
    const restore = before;
    await handle.update(() => restore);
    throw neverFiresError(settings);
  }
  return UpsertOutcome.Updated;
}

/** Temporal takes a cron that never matches ("0 0 31 2 *") and names no next run for it. */
export async function neverFires(handle: ScheduleHandle): Promise<boolean> {
  return (await handle.describe()).info.nextActionTimes.length === 0;
}

function neverFiresError(settings: ScheduleSettings): ConfigError {
  return new ConfigError([
    `SCHEDULE_CRON "${settings.cron}" never fires in SCHEDULE_TIMEZONE "${settings.timezone}" (Temporal finds no next run), so nothing would ever be transcribed. Fix SCHEDULE_CRON to match a real date and time, e.g. "0 */3 * * *"; the schedule was left as it was`,
  ]);
}

/**
 * Temporal parses the cron and the zone; what it refuses (a TypeError from the SDK, or
 * INVALID_ARGUMENT) is said with the variables to fix instead of its bare message.
 */
async function refusedSpecAsConfigError<T>(settings: ScheduleSettings, call: Promise<T>) {
  try {
    return await call;
  } catch (error) {
    const invalid =
      error instanceof TypeError ||
      (error as { code?: unknown })?.code === GrpcStatus.InvalidArgument;
    if (!invalid) throw error;
    throw new ConfigError([
      `SCHEDULE_CRON "${settings.cron}" with SCHEDULE_TIMEZONE "${settings.timezone}" was refused by Temporal: ${(error as Error).message}. Fix SCHEDULE_CRON (minute hour day month weekday, e.g. "0 */3 * * *") or SCHEDULE_TIMEZONE (a tz database name, e.g. Asia/Tokyo)`,
    ]);
  }
}

/**
 * The start-up log line: what the upsert did and the schedule as it now stands, which may be an
 * operator's cron (kept across restarts) and a pause with its note.
 */
export async function describeUpsert(
  client: Client,
  settings: ScheduleSettings,
  outcome: UpsertOutcome,
): Promise<string> {
  const description = await client.schedule.getHandle(settings.id).describe();
  const memo = memoOf(description);
  const cron = memo.cron ?? settings.cron;
  const timezone = memo.timezone ?? settings.timezone;
  const operatorChange =
    cron !== settings.cron || timezone !== settings.timezone
      ? ` (set through the API and kept; SCHEDULE_CRON/SCHEDULE_TIMEZONE say "${settings.cron}", ${settings.timezone})`
      : '';
  const paused = description.state.paused
    ? `; PAUSED: "${description.state.note ?? ''}" (resume with POST /api/schedule/resume)`
    : '';
  return `Schedule ${settings.id} ${outcome}: cron "${cron}" in ${timezone}${operatorChange}${paused}`;
}

/**
 * Changes the live cron and zone (an operator's decision through the API). Paused state and
 * note are carried over unchanged.
 */
export async function updateScheduleSpec(
  client: Client,
  settings: ScheduleSettings,
  spec: { cron: string; timezone: string },
): Promise<void> {
  const handle = client.schedule.getHandle(settings.id);
  const memo = memoOf(await handle.describe());
  const live: ScheduleMemo = {
    cron: spec.cron,
    timezone: spec.timezone,
    configuredCron: memo.configuredCron ?? settings.cron,
    configuredTimezone: memo.configuredTimezone ?? settings.timezone,
  };
  await handle.update((previous) => ({
    ...previous,
    spec: { cronExpressions: [spec.cron], timezone: spec.timezone },
    action: dispatchAction(settings, live),
  }));
}

export interface ScheduleView {
  id: string;
  paused: boolean;
  note: string | null;
  cron: string | null;
  timezone: string | null;
  overlapPolicy: string;
  catchupWindowMs: number;
  /** ISO 8601 in the schedule's zone, with its offset (e.g. +09:00). */
  nextRuns: string[];
  runningWorkflowIds: string[];
  recentActions: Array<{ scheduledAt: string; takenAt: string; workflowId: string }>;
}

export async function describeTranscriptionSchedule(
  client: Client,
  scheduleId: string,
): Promise<ScheduleView> {
  const description = await client.schedule.getHandle(scheduleId).describe();
  const memo = memoOf(description);
  const timezone = memo.timezone ?? description.spec.timezone ?? 'UTC';
  return {
    id: scheduleId,
    paused: description.state.paused,
    note: description.state.note ?? null,
    cron: memo.cron ?? null,
    timezone: memo.timezone ?? description.spec.timezone ?? null,
    overlapPolicy: String(description.policies.overlap),
    catchupWindowMs: description.policies.catchupWindow,
    nextRuns: description.info.nextActionTimes.map((time) => formatInZone(time, timezone)),
    runningWorkflowIds: description.info.runningActions.map((run) => run.workflow.workflowId),
    recentActions: description.info.recentActions.map((run) => ({
      scheduledAt: formatInZone(run.scheduledAt, timezone),
      takenAt: formatInZone(run.takenAt, timezone),
      workflowId: run.action.workflow.workflowId,
    })),
  };
}

export interface TriggerResult {
  started: boolean;
  /** The dispatch started now, or the one already running that made this trigger skip. */
  workflowId: string | null;
  message: string;
}

/**
 * Starts a dispatch now through the schedule with overlap SKIP (trigger() would default to
 * ALLOW_ALL). Reports a skip when a dispatch is already running.
 */
export async function triggerDispatch(
  client: Client,
  scheduleId: string,
  waitForStartMs = 10_000,
): Promise<TriggerResult> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = await handle.describe();
  const running = before.info.runningActions[0]?.workflow.workflowId;
  if (running) return skipped(running);
  await handle.trigger(ScheduleOverlapPolicy.SKIP);
  // The schedule's own counters say what this trigger did: a run taken, or one skipped as an
  // overlap. (Run ids can repeat: a run is named after the second it starts in.)
  const deadline = Date.now() + waitForStartMs;
  while (Date.now() < deadline) {
    const { info } = await handle.describe();
    if (info.numActionsTaken > before.info.numActionsTaken) {
      const newest = [...info.recentActions].sort(
        (a, b) => b.takenAt.getTime() - a.takenAt.getTime(),
      )[0];
      const workflowId = newest?.action.workflow.workflowId ?? null;
      return {
        started: true,
        workflowId,
        message: `Started dispatch ${workflowId ?? '(id not yet listed)'}`,
      };
    }
    if (info.numActionsSkippedOverlap > before.info.numActionsSkippedOverlap) {
      return skipped(info.runningActions[0]?.workflow.workflowId ?? 'another dispatch');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    started: false,
    workflowId: null,
    message: `Trigger sent, but Temporal reported neither a started nor a skipped run within ${waitForStartMs} ms; see GET /api/runs`,
  };
}

function skipped(running: string): TriggerResult {
  return {
    started: false,
    workflowId: running,
    message: `Skipped: dispatch ${running} is still running (overlap policy SKIP)`,
  };
}
