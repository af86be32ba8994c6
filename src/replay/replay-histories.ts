import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { WORKFLOW_TYPES } from '../../workflows/workflow-types';
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
  /** One line: the first mismatching event and why, e.g. `event 23 ActivityTaskScheduled (…): …`. */
  mismatch?: string;
  /** That event's id, when the error names it or the history shows which event it means. */
  mismatchEventId?: number;
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
  const unusable = whyNotReplayable(history);
  if (unusable) throw new HistoryFileError(`${file}: ${unusable}`);
  return { name: path.basename(file), workflowId: path.basename(file, '.json'), history };
}

/**
 * Why this product's code cannot replay a history, or undefined when it can. The replay worker
 * itself reports neither case usefully: a type the bundle lacks fails every workflow task, which
 * the SDK reports as a replay that passed (or as an internal dump), and a history with no
 * workflow task gives it nothing to do, so it waits for one forever.
 */
export function whyNotReplayable(history: History): string | undefined {
  const events = history.events ?? [];
  const type = events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
  if (!(WORKFLOW_TYPES as readonly string[]).includes(type)) {
    return (
      `a workflow of type ${type ? `"${type}"` : '(none)'}, which this product does not have ` +
      `(its workflows: ${WORKFLOW_TYPES.join(', ')}): nothing of this code to check`
    );
  }
  if (!events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)) {
    return 'no workflow task in this history yet (no WorkflowTaskScheduled event): nothing to replay; export the whole history';
  }
  return undefined;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type ReplayWorkflows = Pick<ReplayWorkerOptions, 'workflowsPath' | 'workflowBundle'>;
const EventType = temporal.api.enums.v1.EventType;

/** Replays each history against the workflow code given and reports each outcome, in order. */
export async function replayHistories(
  histories: NamedHistory[],
  workflows: ReplayWorkflows,
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for await (const outcome of replayHistoryStream(histories, workflows)) outcomes.push(outcome);
  return outcomes;
}

/**
 * Replays the histories one by one, as the iterable hands them over (so a caller can fetch them
 * while earlier ones replay), in one replay worker, and yields each outcome in input order.
 *
 * When the SDK's message names no event (an activity or child workflow whose type differs, for
 * one) and more than one event of the history fits what it does name, the mismatching one is
 * found by replaying prefixes of the history, each cut just before a candidate's workflow task
 * completed: a prefix that still fails holds the mismatch, one that replays does not. A binary
 * search, so a few extra replays of that history at most.
 */
export async function* replayHistoryStream(
  histories: Iterable<NamedHistory> | AsyncIterable<NamedHistory>,
  workflows: ReplayWorkflows,
): AsyncGenerator<ReplayOutcome> {
  const source = toAsyncIterator(histories);
  /** Prefix replays waiting to go, ahead of the next history from the source. */
  const probes: Probe[] = [];
  /** What the worker is replaying now (one history at a time). */
  const replaying: Array<{ named: NamedHistory } | Probe> = [];

  async function* feed(): AsyncGenerator<{ workflowId: string; history: History }> {
    for (;;) {
      const probe = probes.shift();
      if (probe) {
        replaying.push(probe);
        yield { workflowId: probe.search.named.workflowId, history: probe.history };
        continue;
      }
      const next = await source.next();
      if (next.done) return;
      replaying.push({ named: next.value });
      yield { workflowId: next.value.workflowId, history: next.value.history };
    }
  }

  for await (const result of Worker.runReplayHistories(
    { ...workflows, replayName: 'replay-check' },
    feed(),
  )) {
    const item = replaying.shift();
    if (!item) throw new Error('replay result without a history (SDK contract changed?)');
    let search: MismatchSearch;
    if ('named' in item) {
      if (!result.error) {
        yield { name: item.named.name, ok: true };
        continue;
      }
      search = startSearch(item.named, result.error);
    } else {
      search = item.search;
      advanceSearch(search, item.group, result.error);
    }
    const probe = nextProbe(search);
    if (probe) probes.push(probe);
    else yield searchOutcome(search);
  }
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return items[Symbol.asyncIterator]();
  const iterator = items[Symbol.iterator]();
  return { next: () => Promise.resolve(iterator.next()) };
}

/** Looking for the first mismatching event of one history among the candidates that fit. */
interface MismatchSearch {
  named: NamedHistory;
  error: Error;
  reason: string;
  /** The SDK named the event: nothing to search. */
  namedEventId?: number;
  /** Candidates grouped by the workflow task that produced them, in history order. */
  groups: Array<{ startedEventId: number; events: HistoryEvent[] }>;
  /** Binary search bounds over `groups`: the mismatch is in groups[lo..hi]. */
  lo: number;
  hi: number;
  /** A prefix failed for another reason: stop and report the first candidate left. */
  aborted: boolean;
}

interface Probe {
  search: MismatchSearch;
  group: number;
  history: History;
}

function startSearch(named: NamedHistory, error: Error): MismatchSearch {
  const { reason, eventId } = parseMismatch(error.message);
  const groups =
    eventId === undefined
      ? groupByWorkflowTask(named.history, mismatchCandidates(reason, named.history))
      : [];
  return {
    named,
    error,
    reason,
    namedEventId: eventId,
    groups,
    lo: 0,
    hi: groups.length - 1,
    aborted: false,
  };
}

/** The next prefix to replay, or undefined when the search is over. */
function nextProbe(search: MismatchSearch): Probe | undefined {
  if (search.aborted || search.lo >= search.hi) return undefined;
  // The last group whose prefix (everything before its workflow task completed) replays is
  // the one holding the mismatch: probe the upper half's first group.
  const group = Math.ceil((search.lo + search.hi) / 2);
  const cut = search.groups[group].startedEventId;
  const events = (search.named.history.events ?? []).filter((e) => Number(e.eventId) <= cut);
  return { search, group, history: { events } };
}

function advanceSearch(search: MismatchSearch, group: number, error: Error | undefined): void {
  if (!error) {
    search.lo = group;
  } else if (parseMismatch(error.message).reason === search.reason) {
    search.hi = group - 1;
  } else {
    search.aborted = true;
  }
}

function searchOutcome(search: MismatchSearch): ReplayOutcome {
  const { named, error, reason } = search;
  const base = { name: named.name, ok: false, errorName: error.name, error: error.message };
  const events = named.history.events ?? [];
  if (search.namedEventId !== undefined) {
    const id = search.namedEventId;
    const event = events.find((e) => Number(e.eventId) === id);
    return {
      ...base,
      mismatchEventId: id,
      mismatch: `event ${id} ${event ? describeEvent(event) : '(not in this history)'}: ${reason}`,
    };
  }
  if (search.groups.length === 0) return { ...base, mismatch: reason };
  // Aborted: the mismatch is still known to be in groups[lo..hi], but not which.
  const found = search.groups[search.lo];
  const event = found.events[0];
  const fits = search.aborted
    ? search.groups.slice(search.lo, search.hi + 1).reduce((n, g) => n + g.events.length, 0)
    : found.events.length;
  const note = fits > 1 ? ` [first of ${fits} events the message fits]` : '';
  return {
    ...base,
    mismatchEventId: Number(event.eventId),
    mismatch: `event ${Number(event.eventId)} ${describeEvent(event)}${note}: ${reason}`,
  };
}

/** Candidates grouped by the WorkflowTaskStarted of the task whose completion recorded them. */
function groupByWorkflowTask(
  history: History,
  candidates: HistoryEvent[],
): MismatchSearch['groups'] {
  const events = history.events ?? [];
  const groups: MismatchSearch['groups'] = [];
  for (const candidate of candidates) {
    const index = events.indexOf(candidate);
    let startedEventId = Number(candidate.eventId) - 1;
    for (let i = index - 1; i >= 0; i--) {
      const completed = events[i].workflowTaskCompletedEventAttributes;
      if (events[i].eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED && completed) {
        startedEventId = Number(completed.startedEventId);
        break;
      }
    }
    const last = groups[groups.length - 1];
    if (last?.startedEventId === startedEventId) last.events.push(candidate);
    else groups.push({ startedEventId, events: [candidate] });
  }
  return groups;
}

/**
 * The core's reason (without the event dump) and the id of the event it names, if any. The core
 * names events in two forms: `HistoryEvent { event_id: 23, … }` and `HistoryEvent(id: 5, …)`.
 */
export function parseMismatch(message: string): { reason: string; eventId?: number } {
  const reasonMatch = /Nondeterminism error: (.*?)(?::? HistoryEvent(?: \{|\()|", source:|$)/s.exec(
    message,
  );
  const reason = (reasonMatch?.[1] ?? message).trim();
  const idMatch = /HistoryEvent(?: \{ (?:id|event_id): |\(id: )(\d+)/.exec(message);
  return { reason, eventId: idMatch ? Number(idMatch[1]) : undefined };
}

const PATCH_MARKER = 'core_patch';
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * For the core's messages that name no event, how to find the events they point to: the value
 * quoted from the recorded event, and which recorded events carry it.
 */
const POINTERS: Array<{ pattern: RegExp; fits: (event: HistoryEvent, value: string) => boolean }> =
  [
    {
      pattern: /^Activity id of scheduled event '(.*)' does not match/s,
      fits: (e, v) => e.activityTaskScheduledEventAttributes?.activityId === v,
    },
    {
      pattern: /^Activity type of scheduled event '(.*)' does not match/s,
      fits: (e, v) => e.activityTaskScheduledEventAttributes?.activityType?.name === v,
    },
    {
      pattern: /^Child workflow id of scheduled event '(.*)' does not match/s,
      fits: (e, v) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === v,
    },
    {
      pattern: /^Child workflow type of scheduled event '(.*)' does not match/s,
      fits: (e, v) =>
        e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === v,
    },
    {
      pattern: /^Activity (?:id|type) of recorded marker '(.*)' does not match/s,
      fits: (e, v) =>
        e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER &&
        markerDetailsText(e).includes(JSON.stringify(v)),
    },
    {
      pattern:
        /^Non-deprecated patch marker encountered for change (.*), but there is no corresponding/s,
      fits: (e, v) => patchId(e) === v,
    },
    {
      pattern: /^Change id (.*) does not match expected id/s,
      fits: (e, v) => patchId(e) === v,
    },
    {
      pattern: /^Timer fired event did not have expected timer id .*, it was (.*)!$/s,
      fits: (e, v) => e.timerFiredEventAttributes?.timerId === v,
    },
  ];

/** The recorded events a reason that names no event points to, in history order. */
export function mismatchCandidates(reason: string, history: History): HistoryEvent[] {
  for (const { pattern, fits } of POINTERS) {
    const match = pattern.exec(reason);
    if (match) return (history.events ?? []).filter((event) => fits(event, match[1]));
  }
  return [];
}

function markerDetailsText(event: HistoryEvent): string {
  const details = event.markerRecordedEventAttributes?.details ?? {};
  return Object.values(details)
    .flatMap((payloads) => payloads.payloads ?? [])
    .map((payload) => (payload.data ? Buffer.from(payload.data).toString('utf8') : ''))
    .join('\n');
}

/** The id of a `patched()` / `deprecatePatch()` marker. */
function patchId(event: HistoryEvent): string | undefined {
  const attributes = event.markerRecordedEventAttributes;
  if (attributes?.markerName !== PATCH_MARKER) return undefined;
  // `patch-data` in current cores, `patch_data` in older ones.
  const details = attributes.details ?? {};
  const data = (details['patch-data'] ?? details.patch_data)?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { id?: unknown };
    return typeof parsed.id === 'string' ? parsed.id : undefined;
  } catch {
    return undefined;
  }
}

const EVENT_TYPE_PREFIX = 'EVENT_TYPE_';

function eventTypeName(event: HistoryEvent): string {
  const constant = EventType[event.eventType ?? 0] ?? 'UNKNOWN';
  return constant
    .replace(EVENT_TYPE_PREFIX, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** `ActivityTaskScheduled (activity markFilesProcessing)`, `StartChild… (transcribe:…)`. */
export function describeEvent(event: HistoryEvent): string {
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
  const patch = patchId(event);
  const what = [
    attributes?.activityType?.name && `activity ${attributes.activityType.name}`,
    attributes?.workflowType?.name && `workflow ${attributes.workflowType.name}`,
    attributes?.workflowId && `id ${attributes.workflowId}`,
    attributes?.timerId && `timer ${attributes.timerId}`,
    attributes?.signalName && `signal ${attributes.signalName}`,
    attributes?.markerName && `marker ${attributes.markerName}`,
    patch && `patch ${patch}`,
  ].filter(Boolean);
  return `${eventTypeName(event)}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
}

/**
 * One line out of the SDK's long nondeterminism message: the first mismatching event and the
 * core's reason, e.g. `event 23 ActivityTaskScheduled (activity markFilesProcessing): Child
 * workflow machine does not handle this event`. When the message names no event id, the event
 * is found from what it does name (an activity id or type, a child workflow id or type, a patch
 * or timer id): the first that fits, since this function cannot replay; `replayHistoryStream`
 * narrows several candidates down by replaying. Just the reason when nothing fits.
 */
export function describeMismatch(message: string, history: History): string {
  const { reason, eventId } = parseMismatch(message);
  const events = history.events ?? [];
  if (eventId !== undefined) {
    const event = events.find((e) => Number(e.eventId) === eventId);
    return `event ${eventId} ${event ? describeEvent(event) : '(not in this history)'}: ${reason}`;
  }
  const candidates = mismatchCandidates(reason, history);
  if (candidates.length === 0) return reason;
  const note =
    candidates.length > 1 ? ` [first of ${candidates.length} events the message fits]` : '';
  return `event ${Number(candidates[0].eventId)} ${describeEvent(candidates[0])}${note}: ${reason}`;
}

export function formatOutcome(outcome: ReplayOutcome): string {
  return outcome.ok
    ? `OK       ${outcome.name}`
    : `MISMATCH ${outcome.name}: ${outcome.errorName}: ${outcome.mismatch ?? outcome.error}`;
}
