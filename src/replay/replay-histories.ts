import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';

type History = temporal.api.history.v1.IHistory;

export interface NamedHistory {
  /** What to call it in reports: a fixture's file name or a workflow id. */
  name: string;
  workflowId: string;
  history: History;
}

export interface ReplayOutcome {
  name: string;
  ok: boolean;
  /** The SDK's description of the first mismatch (or other replay error). */
  error?: string;
  errorName?: string;
}

/** Reads a history exported by `temporal workflow show -o json`, the Web UI, or the recorder. */
export async function readHistoryFile(file: string): Promise<NamedHistory> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file} is not a JSON history: ${(error as Error).message}`, { cause: error });
  }
  const events = (json as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0) {
    throw new Error(
      `${file} has no "events" array: export it with "temporal workflow show -w <id> -o json"`,
    );
  }
  return {
    name: path.basename(file),
    workflowId: path.basename(file, '.json'),
    history: historyFromJSON(json),
  };
}

/** Replays each history against the workflow code given and reports each outcome. */
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
    const { name } = histories[index++];
    outcomes.push(
      result.error
        ? { name, ok: false, error: result.error.message, errorName: result.error.name }
        : { name, ok: true },
    );
  }
  return outcomes;
}

export function formatOutcome(outcome: ReplayOutcome): string {
  return outcome.ok
    ? `OK       ${outcome.name}`
    : `MISMATCH ${outcome.name}: ${outcome.errorName}: ${outcome.error}`;
}
