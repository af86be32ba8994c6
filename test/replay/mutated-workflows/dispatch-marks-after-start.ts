/**
 * A DELIBERATELY CHANGED copy of workflows/dispatch-pending-files.ts, for the replay guard test
 * (test/replay/replay-fixtures.test.ts, "the guard catches a nondeterministic change", and the
 * mismatch cases of test/replay/replay-command.test.ts): identical except for the block marked
 * MUTATION below, a plausible refactor that breaks determinism. Never register it with a worker.
 * It is a snapshot: it need not follow later changes of the real workflow.
 */
import {
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { TranscriptionActivities } from '../../../activities';
import type { PendingCursor } from '../../../src/files/audio-file';
import type { DispatchSettings, StoreRetrySettings } from '../../../src/config/app-config';
import { parseFilePath, transcribeWorkflowId } from '../../../src/files/file-path';
import {
  DEVICE_ID_SEARCH_ATTRIBUTE,
  FILE_PATH_SEARCH_ATTRIBUTE,
} from '../../../src/temporal/search-attributes';
import { ZERO_COUNTS, type DispatchCounts } from '../../../workflows/dispatch-counts';
import { transcribeFile } from '../../../workflows/transcribe-file';

export interface DispatchInput {
  /** Overrides the worker's settings (tests); normally read by an activity at the start. */
  settings?: DispatchSettings;
  /** Carried over continue-as-new. */
  carried?: {
    cursor?: PendingCursor;
    counts: DispatchCounts;
    runs: number;
    skippedRows: SkippedRow[];
  };
}

export interface SkippedRow {
  filePath: string | null;
  reason: string;
}

export interface DispatchResult extends DispatchCounts {
  /** Workflow runs in this dispatch's chain, 1 when it never continued-as-new. */
  runs: number;
  /** True when MAX_FILES_PER_RUN stopped the dispatch with files still pending. */
  capReached: boolean;
  /** The first invalid or duplicate rows, with why they were skipped. */
  skippedRows: SkippedRow[];
}

const MAX_REPORTED_SKIPPED_ROWS = 50;

const { getDispatchSettings } = proxyActivities<TranscriptionActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 20 },
});

/** When the settings name none (a dispatch started with its own settings). */
const DEFAULT_STORE_RETRY: StoreRetrySettings = {
  initialIntervalMs: 5_000,
  maximumIntervalMs: 120_000,
  maximumAttempts: 20,
};

/** Rows in `processing` checked per page when the dispatch looks for stuck rows. */
const STUCK_ROWS_PAGE_SIZE = 200;

function storeActivities(retry: StoreRetrySettings = DEFAULT_STORE_RETRY) {
  const policy = {
    initialInterval: retry.initialIntervalMs,
    maximumInterval: retry.maximumIntervalMs,
    maximumAttempts: retry.maximumAttempts,
    backoffCoefficient: 2,
  };
  // A store outage only delays the dispatch: rows stay as they are until the call succeeds; once
  // the attempts are spent the dispatch fails with the reason and the next one starts over.
  const { listPendingFiles, markFilesProcessing } = proxyActivities<TranscriptionActivities>({
    startToCloseTimeout: '1 minute',
    retry: policy,
  });
  const { releaseStuckFiles } = proxyActivities<TranscriptionActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '2 minutes',
    retry: policy,
  });
  return { listPendingFiles, markFilesProcessing, releaseStuckFiles };
}

/**
 * Takes the pending rows, oldest first, and runs one `transcribeFile` child per file with at most
 * `maxConcurrentTranscriptions` in flight. Pages until nothing is pending or the per-run cap is
 * hit; continues-as-new (after draining its children) to keep each run's history small.
 */
export async function dispatchPendingFiles(input: DispatchInput = {}): Promise<DispatchResult> {
  const settings = input.settings ?? (await getDispatchSettings());
  const { listPendingFiles, markFilesProcessing, releaseStuckFiles } = storeActivities(
    settings.storeRetry,
  );
  const counts: DispatchCounts = { ...ZERO_COUNTS, ...input.carried?.counts };
  const skippedRows: SkippedRow[] = [...(input.carried?.skippedRows ?? [])];
  const runs = (input.carried?.runs ?? 0) + 1;
  let cursor = input.carried?.cursor;
  /** Children this run started (counted when launched, with concurrent starts). */
  let childrenThisRun = 0;
  /** Children started or being started, and not yet closed: never above the window. */
  let inFlight = 0;
  const seenPaths = new Set<string>();
  const starts: Array<Promise<void>> = [];
  let startError: Error | undefined;

  const skip = (row: SkippedRow, kind: 'invalid' | 'duplicates'): void => {
    counts[kind] += 1;
    log.warn(`Skipping row: ${row.reason}`, { filePath: row.filePath });
    if (skippedRows.length < MAX_REPORTED_SKIPPED_ROWS) skippedRows.push(row);
  };

  /** Starts one child in a slot already counted in `inFlight`; frees it when the child closes. */
  const startOne = async (filePath: string, deviceId: string): Promise<void> => {
    try {
      const child = await startChild(transcribeFile, {
        workflowId: transcribeWorkflowId(filePath),
        args: [{ filePath, settings: settings.transcribe }],
        // A long transcription goes on even if this dispatch ends or is terminated.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [
          { key: FILE_PATH_SEARCH_ATTRIBUTE, value: filePath },
          { key: DEVICE_ID_SEARCH_ATTRIBUTE, value: deviceId },
        ],
        staticSummary: `Transcribe ${filePath}`,
      });
      counts.started += 1;
      child.result().then(
        () => {
          counts.succeeded += 1;
          inFlight -= 1;
        },
        (error: unknown) => {
          counts.failed += 1;
          inFlight -= 1;
          if (!(error instanceof ChildWorkflowFailure))
            log.error('Unexpected child error', { error });
        },
      );
    } catch (error) {
      inFlight -= 1;
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      counts.alreadyRunning += 1;
      log.info('File workflow already running; not started again', { filePath });
    }
  };

  /**
   * Waits for a free slot in the window, then starts the file's child. Starts are not awaited
   * one by one: the commands of many starts go out in one workflow task, so a window of N
   * really keeps N transcriptions in flight. Only a file that finds the window empty is started
   * alone first, so that the oldest file also reaches the transcriber first.
   */
  const startFile = async (filePath: string, deviceId: string): Promise<void> => {
    await condition(
      () => inFlight < settings.maxConcurrentTranscriptions || startError !== undefined,
    );
    if (startError !== undefined) throw startError;
    const windowWasEmpty = inFlight === 0;
    inFlight += 1;
    childrenThisRun += 1;
    if (windowWasEmpty) return startOne(filePath, deviceId);
    starts.push(
      startOne(filePath, deviceId).catch((error: unknown) => {
        startError ??= error instanceof Error ? error : new Error(String(error));
      }),
    );
  };

  /** Waits until every child of this run has closed; rethrows a failed start. */
  const drain = async (): Promise<void> => {
    await condition(() => inFlight === 0);
    await Promise.all(starts);
    if (startError !== undefined) throw startError;
  };

  // Once per dispatch, before it marks anything: rows an earlier run left in `processing` with
  // no running workflow go back to `pending` (and are listed below); running ones are reported.
  if (!input.carried) {
    const stuck = await releaseStuckFiles({ pageSize: STUCK_ROWS_PAGE_SIZE });
    counts.released += stuck.released;
    counts.alreadyRunning += stuck.stillRunning;
    if (stuck.released > 0) {
      log.warn('Put rows stuck in processing back to pending', {
        released: stuck.released,
        firstPaths: stuck.releasedPaths,
      });
    }
    if (stuck.stillRunning > 0) {
      log.info('Files in processing whose workflow still runs were left alone', {
        stillRunning: stuck.stillRunning,
      });
    }
  }

  let capReached = false;
  for (;;) {
    const remainingCap = settings.maxFilesPerRun - counts.found;
    if (remainingCap <= 0) {
      capReached = true;
      break;
    }
    if (childrenThisRun >= settings.childrenPerRun || workflowInfo().continueAsNewSuggested) {
      // Drain first: the counts of running children would be lost across continue-as-new.
      await drain();
      return continueAsNew<typeof dispatchPendingFiles>({
        settings: input.settings,
        carried: { cursor, counts, runs, skippedRows },
      });
    }
    const limit = Math.min(
      settings.batchSize,
      remainingCap,
      settings.childrenPerRun - childrenThisRun,
    );
    const page = await listPendingFiles({ limit, after: cursor });
    if (page.length === 0) break;
    const last = page[page.length - 1];
    cursor = { createdAt: last.created_at, filePath: last.file_path };
    counts.found += page.length;

    const valid: Array<{ filePath: string; deviceId: string }> = [];
    for (const row of page) {
      const parsed = parseFilePath(row.file_path);
      if ('error' in parsed) {
        skip({ filePath: row.file_path, reason: parsed.error }, 'invalid');
      } else if (seenPaths.has(parsed.filePath)) {
        skip(
          {
            filePath: parsed.filePath,
            reason: `file_path "${parsed.filePath}" appears in more than one row`,
          },
          'duplicates',
        );
      } else {
        seenPaths.add(parsed.filePath);
        valid.push({ filePath: parsed.filePath, deviceId: row.device_id ?? parsed.deviceId });
      }
    }
    if (valid.length === 0) continue;
    // MUTATION: the page's children are started before its rows are marked `processing` (in
    // workflows/dispatch-pending-files.ts the rows are marked first). Same activities, same
    // children, another order: the commands no longer match the recorded events.
    for (const { filePath, deviceId } of valid) {
      await startFile(filePath, deviceId);
    }
    await markFilesProcessing(valid.map(({ filePath }) => filePath));
    if (page.length < limit) break;
  }

  await drain();
  return { ...counts, runs, capReached, skippedRows };
}
