/**
 * What the dispatch's histories say: every run of its continue-as-new chain, and a sample of its
 * file workflows. All times are the server's event times (same host as the bench).
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = temporal.api.enums.v1.EventType;

/** Means over the files, in ms: one turn of a dispatch slot, from one child to the next. */
export interface SlotCycle {
  /** Parent: StartChildWorkflowExecutionInitiated → ChildWorkflowExecutionStarted. */
  childStart: number;
  /** File workflow: started → its first workflow task picked up by the worker. */
  firstTaskWait: number;
  /** First workflow task picked up → completed (the worker starts the file workflow). */
  firstTaskRun: number;
  /** Activity scheduled → completed: store check, HTTP call, L, answer. */
  activity: number;
  /** Activity completed → file workflow completed (its second workflow task). */
  lastTask: number;
  /** File workflow completed → the parent's ChildWorkflowExecutionCompleted. */
  toParent: number;
  /** A child closed → the parent's next StartChildWorkflowExecutionInitiated (its workflow task). */
  refill: number;
}

export interface DispatchHistory {
  runs: number;
  /** Events of the largest run of the chain. */
  maxEvents: number;
  /** Server time of the chain's first ChildWorkflowExecutionStarted. */
  firstChildStartedAt?: number;
  dispatchWorkflowTasks: number;
  cycle: SlotCycle;
}

const num = (value: number | { toNumber(): number } | null | undefined): number =>
  typeof value === 'number' ? value : (value?.toNumber() ?? 0);
const mean = (values: number[]): number =>
  values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
const timeOf = (event: HistoryEvent): number => tsToMs(event.eventTime);

async function fetchChain(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | null | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events: HistoryEvent[] = history.events ?? [];
    runs.push(events);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}

/** Reads the chain and `sample` file workflows (spread over the backlog). */
export async function readDispatchHistory(
  client: Client,
  workflowId: string,
  firstRunId: string,
  sample: number,
): Promise<DispatchHistory> {
  const chain = await fetchChain(client, workflowId, firstRunId);
  const childStart: number[] = [];
  const refill: number[] = [];
  const childIds: string[] = [];
  /** By file workflow id: when the parent recorded it closed. */
  const closedInParent = new Map<string, number>();
  let firstChildStartedAt: number | undefined;
  let dispatchWorkflowTasks = 0;

  for (const events of chain) {
    const initiated = new Map<number, { at: number; workflowId: string }>();
    let closedSinceLastStart: number[] = [];
    for (const event of events) {
      const at = timeOf(event);
      const started = event.childWorkflowExecutionStartedEventAttributes;
      const closed =
        event.childWorkflowExecutionCompletedEventAttributes ??
        event.childWorkflowExecutionFailedEventAttributes ??
        event.childWorkflowExecutionCanceledEventAttributes ??
        event.childWorkflowExecutionTimedOutEventAttributes ??
        event.childWorkflowExecutionTerminatedEventAttributes;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        dispatchWorkflowTasks += 1;
      } else if (event.startChildWorkflowExecutionInitiatedEventAttributes) {
        const id = event.startChildWorkflowExecutionInitiatedEventAttributes.workflowId ?? '';
        initiated.set(num(event.eventId), { at, workflowId: id });
        childIds.push(id);
        refill.push(...closedSinceLastStart.map((closedAt) => at - closedAt));
        closedSinceLastStart = [];
      } else if (started) {
        const start = initiated.get(num(started.initiatedEventId));
        if (start) childStart.push(at - start.at);
        firstChildStartedAt ??= at;
      } else if (closed) {
        const start = initiated.get(num(closed.initiatedEventId));
        if (start) closedInParent.set(start.workflowId, at);
        closedSinceLastStart.push(at);
      }
    }
  }

  const phases: Record<Exclude<keyof SlotCycle, 'childStart' | 'refill'>, number[]> = {
    firstTaskWait: [],
    firstTaskRun: [],
    activity: [],
    lastTask: [],
    toParent: [],
  };
  const step = Math.max(1, Math.floor(childIds.length / sample));
  for (let i = 0; i < childIds.length; i += step) {
    const history = await client.workflow.getHandle(childIds[i]).fetchHistory();
    const first = (type: temporal.api.enums.v1.EventType): number | undefined => {
      const event = history.events?.find((candidate) => candidate.eventType === type);
      return event && timeOf(event);
    };
    const started = first(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    const taskStarted = first(EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const scheduled = first(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const done = first(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    const closed = first(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
    const inParent = closedInParent.get(childIds[i]);
    if (!started || !taskStarted || !scheduled || !done || !closed || inParent === undefined) {
      continue;
    }
    phases.firstTaskWait.push(taskStarted - started);
    phases.firstTaskRun.push(scheduled - taskStarted);
    phases.activity.push(done - scheduled);
    phases.lastTask.push(closed - done);
    phases.toParent.push(inParent - closed);
  }

  return {
    runs: chain.length,
    maxEvents: Math.max(...chain.map((events) => events.length)),
    firstChildStartedAt,
    dispatchWorkflowTasks,
    cycle: {
      childStart: mean(childStart),
      firstTaskWait: mean(phases.firstTaskWait),
      firstTaskRun: mean(phases.firstTaskRun),
      activity: mean(phases.activity),
      lastTask: mean(phases.lastTask),
      toParent: mean(phases.toParent),
      refill: mean(refill),
    },
  };
}
