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
import type { TranscriptionActivities } from '../activities';
import type { PendingCursor } from '../src/files/audio-file';
import type { DispatchSettings } from '../src/config/app-config';
import { parseFilePath, transcribeWorkflowId } from '../src/files/file-path';
import {
  DEVICE_ID_SEARCH_ATTRIBUTE,
  FILE_PATH_SEARCH_ATTRIBUTE,
} from '../src/temporal/search-attributes';
import { ZERO_COUNTS, type DispatchCounts } from './dispatch-counts';
import { transcribeFile } from './transcribe-file';

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

const { listPendingFiles, markFilesProcessing, getDispatchSettings } =
  proxyActivities<TranscriptionActivities>({
    startToCloseTimeout: '1 minute',
    // A store outage only delays the dispatch: rows stay as they are until the call succeeds.
    retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 20 },
  });

/**
 * Takes the pending rows, oldest first, and runs one `transcribeFile` child per file with at most
 * `maxConcurrentTranscriptions` in flight. Pages until nothing is pending or the per-run cap is
 * hit; continues-as-new (after draining its children) to keep each run's history small.
 */
export async function dispatchPendingFiles(input: DispatchInput = {}): Promise<DispatchResult> {
  const settings = input.settings ?? (await getDispatchSettings());
  const counts: DispatchCounts = { ...ZERO_COUNTS, ...input.carried?.counts };
  const skippedRows: SkippedRow[] = [...(input.carried?.skippedRows ?? [])];
  const runs = (input.carried?.runs ?? 0) + 1;
  let cursor = input.carried?.cursor;
  let childrenThisRun = 0;
  let inFlight = 0;
  const seenPaths = new Set<string>();

  const skip = (row: SkippedRow, kind: 'invalid' | 'duplicates'): void => {
    counts[kind] += 1;
    log.warn(`Skipping row: ${row.reason}`, { filePath: row.filePath });
    if (skippedRows.length < MAX_REPORTED_SKIPPED_ROWS) skippedRows.push(row);
  };

  const startFile = async (filePath: string, deviceId: string): Promise<void> => {
    await condition(() => inFlight < settings.maxConcurrentTranscriptions);
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
      childrenThisRun += 1;
      inFlight += 1;
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
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      counts.alreadyRunning += 1;
      log.info('File workflow already running; not started again', { filePath });
    }
  };

  let capReached = false;
  for (;;) {
    const remainingCap = settings.maxFilesPerRun - counts.found;
    if (remainingCap <= 0) {
      capReached = true;
      break;
    }
    if (childrenThisRun >= settings.childrenPerRun || workflowInfo().continueAsNewSuggested) {
      // Drain first: the counts of running children would be lost across continue-as-new.
      await condition(() => inFlight === 0);
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
    await markFilesProcessing(valid.map(({ filePath }) => filePath));
    for (const { filePath, deviceId } of valid) {
      await startFile(filePath, deviceId);
    }
    if (page.length < limit) break;
  }

  await condition(() => inFlight === 0);
  return { ...counts, runs, capReached, skippedRows };
}
