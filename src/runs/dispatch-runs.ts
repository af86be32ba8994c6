import { WorkflowFailedError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { DispatchResult } from '../../workflows/dispatch-pending-files';
import { formatInZone } from '../temporal/zoned-time';
import { workflowUiLink } from '../temporal/web-ui-link';

export interface DispatchRunView {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, CANCELLED. */
  status: string;
  /** How it was started: by the schedule (on time, triggered or backfilled) or directly. */
  startedBy: 'schedule' | 'direct';
  /** The schedule slot it ran for (schedule runs only). */
  scheduledAt: string | null;
  startedAt: string;
  closedAt: string | null;
  /** The dispatch's own result once it completed: found, started, succeeded, failed, … */
  counts: DispatchResult | null;
  error: string | null;
  link: string;
}

export interface RunQueryContext {
  client: Client;
  namespace: string;
  uiUrl: string;
  timezone: string;
}

/** Visibility query for the dispatch chains' final runs (continued-as-new runs are folded in). */
export const DISPATCH_RUNS_QUERY =
  "WorkflowType = 'dispatchPendingFiles' AND ExecutionStatus != 'ContinuedAsNew'";

/** Dispatch runs, newest first, each with its outcome read from Temporal, never from logs. */
export async function listDispatchRuns(
  context: RunQueryContext,
  limit: number,
  extraQuery?: string,
): Promise<DispatchRunView[]> {
  const query = extraQuery ? `${DISPATCH_RUNS_QUERY} AND ${extraQuery}` : DISPATCH_RUNS_QUERY;
  const executions: WorkflowExecutionInfo[] = [];
  for await (const execution of context.client.workflow.list({ query, pageSize: limit })) {
    executions.push(execution);
    if (executions.length >= limit) break;
  }
  return Promise.all(executions.map((execution) => describeDispatchRun(context, execution)));
}

export async function describeDispatchRun(
  context: RunQueryContext,
  execution: WorkflowExecutionInfo,
): Promise<DispatchRunView> {
  const scheduledAt = execution.typedSearchAttributes.get(SCHEDULED_START_TIME);
  const scheduledBy = execution.typedSearchAttributes.get(SCHEDULED_BY_ID);
  const view: DispatchRunView = {
    workflowId: execution.workflowId,
    runId: execution.runId,
    status: execution.status.name,
    startedBy: scheduledBy ? 'schedule' : 'direct',
    scheduledAt: scheduledAt ? formatInZone(scheduledAt, context.timezone) : null,
    startedAt: formatInZone(execution.startTime, context.timezone),
    closedAt: execution.closeTime ? formatInZone(execution.closeTime, context.timezone) : null,
    counts: null,
    error: null,
    link: workflowUiLink(context, execution.workflowId, execution.runId),
  };
  if (execution.status.name === 'COMPLETED' || execution.status.name === 'FAILED') {
    try {
      view.counts = (await context.client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .result()) as DispatchResult;
    } catch (error) {
      view.error =
        error instanceof WorkflowFailedError
          ? (error.cause?.message ?? error.message)
          : (error as Error).message;
    }
  }
  return view;
}

// Set by Temporal on every workflow a schedule starts.
const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
const SCHEDULED_BY_ID = defineSearchAttributeKey(
  'TemporalScheduledById',
  SearchAttributeType.KEYWORD,
);
