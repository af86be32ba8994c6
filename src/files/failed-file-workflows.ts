import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TranscriptionFailedDetails } from '../../workflows/transcribe-file';
import { settleAll } from '../common/settle-all';
import {
  DEVICE_ID_SEARCH_ATTRIBUTE,
  FILE_PATH_SEARCH_ATTRIBUTE,
} from '../temporal/search-attributes';
import { workflowUiLink } from '../temporal/web-ui-link';
import { formatInZone } from '../temporal/zoned-time';
import { parseFilePath } from './file-path';
import type { FileStore } from './file-store';
import { TranscriptionStatus } from './transcription-status';

export interface FailedFileView {
  filePath: string;
  deviceId: string | null;
  lastError: string;
  /** Attempts the last run made before it gave up. */
  attempts: number | null;
  failedAt: string | null;
  workflowId: string;
  runId: string;
  link: string;
  /**
   * The row's status now: `failed`, or `pending`/`processing` once it has been put back in the
   * queue and its new run has not started yet (the list shows the last run that did finish).
   */
  rowStatus: string | null;
}

export interface FailedFilesContext {
  client: Client;
  /** Where the row's status is read: a row already `completed` is no longer a failed file. */
  store: Pick<FileStore, 'getStatus'>;
  namespace: string;
  uiUrl: string;
  timezone: string;
}

/** How much one listing may read: visibility pages, and the executions it looks at. */
export interface FailedFilesBounds {
  pageSize: number;
  /** Distinct files examined at most (each costs a describe and a store read). */
  maxExamined: number;
  /**
   * Failed runs read from visibility at most, repeats of a file included: a file re-run and
   * failed a hundred times must not use up the budget of the distinct files (default 20 pages).
   */
  maxScanned?: number;
}

const FAILED_FILES_QUERY =
  "WorkflowType = 'transcribeFile' AND ExecutionStatus IN ('Failed', 'TimedOut')";

/** Candidates checked at once: enough to hide latency, few enough to spare Temporal and the store. */
const CHECK_CONCURRENCY = 10;

/**
 * Retention may hold thousands of failed runs, most of them re-run since: look at a few times
 * `limit` of the newest, never the whole history.
 */
export function failedFilesBounds(limit: number): FailedFilesBounds {
  return { pageSize: 100, maxExamined: Math.max(100, limit * 3) };
}

/**
 * Files whose latest transcribeFile run failed (or timed out), newest first. A file re-run
 * since then (still running or done), or whose row is `completed` by now, is not listed.
 */
export async function listFailedFiles(
  context: FailedFilesContext,
  limit: number,
  bounds: FailedFilesBounds = failedFilesBounds(limit),
  /**
   * Which files count toward `limit`; the others are listed too, without counting. A re-queue
   * of N files counts only rows still `failed`, not those already back in the queue.
   */
  counts: (file: FailedFileView) => boolean = () => true,
): Promise<FailedFileView[]> {
  const seen = new Set<string>();
  const failed: FailedFileView[] = [];
  let counted = 0;
  let batch: WorkflowExecutionInfo[] = [];
  const checkBatch = async (): Promise<void> => {
    const views = await settleAll(
      batch.map(async (execution) => {
        const { stillFailed, rowStatus } = await checkStillFailed(context, execution);
        return stillFailed ? describeFailedRun(context, execution, rowStatus) : undefined;
      }),
    );
    batch = [];
    for (const view of views) {
      if (!view || counted >= limit) continue;
      failed.push(view);
      if (counts(view)) counted += 1;
    }
  };
  let examined = 0;
  let scanned = 0;
  const maxScanned = bounds.maxScanned ?? bounds.pageSize * 20;
  for await (const execution of context.client.workflow.list({
    query: FAILED_FILES_QUERY,
    pageSize: bounds.pageSize,
  })) {
    if (scanned >= maxScanned) break;
    scanned += 1;
    // An older failed run of a file already seen: no check, and not counted as one.
    if (seen.has(execution.workflowId)) continue;
    if (examined >= bounds.maxExamined) break;
    examined += 1;
    seen.add(execution.workflowId);
    batch.push(execution);
    if (batch.length >= CHECK_CONCURRENCY) {
      await checkBatch();
      if (counted >= limit) return failed;
    }
  }
  await checkBatch();
  return failed;
}

function filePathOf(execution: WorkflowExecutionInfo): string {
  return (
    execution.typedSearchAttributes.get(FILE_PATH_SEARCH_ATTRIBUTE) ??
    execution.workflowId.replace(/^transcribe:/, '')
  );
}

/** Still the file's latest run, and its row not completed since (a retry would get 409). */
async function checkStillFailed(
  context: FailedFilesContext,
  execution: WorkflowExecutionInfo,
): Promise<{ stillFailed: boolean; rowStatus: string | null }> {
  const [latest, status] = await settleAll([
    isLatestRun(context.client, execution),
    context.store.getStatus(filePathOf(execution)),
  ]);
  return { stillFailed: latest && status !== TranscriptionStatus.Completed, rowStatus: status };
}

async function isLatestRun(client: Client, execution: WorkflowExecutionInfo): Promise<boolean> {
  try {
    const latest = await client.workflow.getHandle(execution.workflowId).describe();
    return latest.runId === execution.runId;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

async function describeFailedRun(
  context: FailedFilesContext,
  execution: WorkflowExecutionInfo,
  rowStatus: string | null,
): Promise<FailedFileView> {
  const filePath = filePathOf(execution);
  let lastError = `workflow ${execution.status.name.toLowerCase()}`;
  let attempts: number | null = null;
  try {
    await context.client.workflow.getHandle(execution.workflowId, execution.runId).result();
  } catch (error) {
    if (error instanceof WorkflowFailedError) {
      const cause = error.cause;
      lastError = cause?.message ?? error.message;
      if (cause instanceof ApplicationFailure) {
        const details = cause.details?.[0] as Partial<TranscriptionFailedDetails> | undefined;
        if (typeof details?.reason === 'string') lastError = details.reason;
        if (typeof details?.attempts === 'number') attempts = details.attempts;
      }
    }
  }
  const parsed = parseFilePath(filePath);
  return {
    filePath,
    deviceId:
      execution.typedSearchAttributes.get(DEVICE_ID_SEARCH_ATTRIBUTE) ??
      ('error' in parsed ? null : parsed.deviceId),
    lastError,
    attempts,
    failedAt: execution.closeTime ? formatInZone(execution.closeTime, context.timezone) : null,
    workflowId: execution.workflowId,
    runId: execution.runId,
    link: workflowUiLink(context, execution.workflowId, execution.runId),
    rowStatus,
  };
}
