import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { historyFromJSON, type History } from './history-json';

export interface NamedHistory {
  /** What to call it in reports: a fixture's file name or a workflow id. */
  name: string;
  workflowId: string;
  history: History;
}

export interface ReplayOutcome {
  name: string;
  ok: boolean;
  /** `DeterminismViolationError` for a mismatch; `ReplayError` for anything else. */
  errorName?: string;
  /** The SDK's full description of the first mismatch (or other replay error). */
  error?: string;
  /** One line: the first mismatching event, as far as the error names it, and why. */
  mismatch?: string;
}

/** Thrown for a history file that cannot be used; the message says which and why. */
export class HistoryFileError extends Error {
  override name = 'HistoryFileError';
}

/** Reads a history exported by `temporal workflow show -o json`, the Web UI, or the recorder. */
export async function readHistoryFile(file: string): Promise<NamedHistory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new HistoryFileError(
      code === 'ENOENT'
        ? `${file}: no such file`
        : `${file}: cannot be read (${(error as Error).message})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HistoryFileError(`${file} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const events = (json as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new HistoryFileError(
      `${file} is not a workflow history (no "events" array): export one with ` +
        `"temporal workflow show -w <id> -o json > history.json" or the Web UI's Download button`,
    );
  }
  let history: History;
  try {
    history = historyFromJSON(json);
  } catch (error) {
    throw new HistoryFileError(
      `${file} is not a readable workflow history: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const started = history.events?.[0];
  if (
    started?.eventType !== temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
  ) {
    throw new HistoryFileError(
      `${file} does not start with a WorkflowExecutionStarted event: export the whole history`,
    );
  }
  return { name: path.basename(file), workflowId: path.basename(file, '.json'), history };
}

/** Replays each history against the workflow code given and reports each outcome, in order. */
export async function replayHistories(
  histories: NamedHistory[],
  workflows: Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle'>,
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  const results = Worker.runReplayHistories(
    { ...workflows, replayName: 'replay-check' },
    histories.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  let index = 0;
  for await (const result of results) {
    const { name, history } = histories[index++];
    outcomes.push(
      result.error
        ? {
            name,
            ok: false,
            errorName: result.error.name,
            error: result.error.message,
            mismatch: describeMismatch(result.error.message, history),
          }
        : { name, ok: true },
    );
  }
  return outcomes;
}

const EVENT_TYPE_PREFIX = 'EVENT_TYPE_';

function eventTypeName(event: temporal.api.history.v1.IHistoryEvent): string {
  const constant = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'UNKNOWN';
  return constant
    .replace(EVENT_TYPE_PREFIX, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** `ActivityTaskScheduled (activity markFilesProcessing)`, `StartChild… (transcribe:…)`. */
export function describeEvent(event: temporal.api.history.v1.IHistoryEvent): string {
  const attributes = Object.entries(event).find(
    ([key, value]) => key.endsWith('EventAttributes') && value,
  )?.[1] as
    | {
        activityType?: { name?: string | null } | null;
        workflowType?: { name?: string | null } | null;
        workflowId?: string | null;
        timerId?: string | null;
        signalName?: string | null;
        markerName?: string | null;
      }
    | undefined;
  const what = [
    attributes?.activityType?.name && `activity ${attributes.activityType.name}`,
    attributes?.workflowType?.name && `workflow ${attributes.workflowType.name}`,
    attributes?.workflowId && `id ${attributes.workflowId}`,
    attributes?.timerId && `timer ${attributes.timerId}`,
    attributes?.signalName && `signal ${attributes.signalName}`,
    attributes?.markerName && `marker ${attributes.markerName}`,
  ].filter(Boolean);
  return `${eventTypeName(event)}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
}

/**
 * One line out of the SDK's long nondeterminism message: the core's reason, and the event it
 * names (its id, looked up in the history for its type and activity/workflow), e.g.
 * `event 23 ActivityTaskScheduled (activity markFilesProcessing): Child workflow machine does
 * not handle this event`.
 */
export function describeMismatch(message: string, history: History): string {
  const reasonMatch = /Nondeterminism error: (.*?)(?:: HistoryEvent \{|", source:|$)/s.exec(
    message,
  );
  const reason = (reasonMatch?.[1] ?? message).trim();
  const idMatch = /HistoryEvent \{ (?:id|event_id): (\d+)/.exec(message);
  if (!idMatch) return reason;
  const id = Number(idMatch[1]);
  const event = history.events?.find((e) => Number(e.eventId) === id);
  return `event ${id} ${event ? describeEvent(event) : '(not in this history)'}: ${reason}`;
}

export function formatOutcome(outcome: ReplayOutcome): string {
  return outcome.ok
    ? `OK       ${outcome.name}`
    : `MISMATCH ${outcome.name}: ${outcome.errorName}: ${outcome.mismatch ?? outcome.error}`;
}
