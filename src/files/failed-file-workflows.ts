import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TranscriptionFailedDetails } from '../../workflows/transcribe-file';
import {
  DEVICE_ID_SEARCH_ATTRIBUTE,
  FILE_PATH_SEARCH_ATTRIBUTE,
} from '../temporal/search-attributes';
import { workflowUiLink } from '../temporal/web-ui-link';
import { formatInZone } from '../temporal/zoned-time';
import { parseFilePath } from './file-path';

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
}

export interface FailedFilesContext {
  client: Client;
  namespace: string;
  uiUrl: string;
  timezone: string;
}

const FAILED_FILES_QUERY =
  "WorkflowType = 'transcribeFile' AND ExecutionStatus IN ('Failed', 'TimedOut')";

/**
 * Files whose latest transcribeFile run failed (or timed out), newest first. A file re-run
 * since then, successfully or still running, is not listed.
 */
export async function listFailedFiles(
  context: FailedFilesContext,
  limit: number,
): Promise<FailedFileView[]> {
  const seen = new Set<string>();
  const failed: FailedFileView[] = [];
  for await (const execution of context.client.workflow.list({ query: FAILED_FILES_QUERY })) {
    if (seen.has(execution.workflowId)) continue;
    seen.add(execution.workflowId);
    if (!(await isLatestRun(context.client, execution))) continue;
    failed.push(await describeFailedRun(context, execution));
    if (failed.length >= limit) break;
  }
  return failed;
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
): Promise<FailedFileView> {
  const filePath =
    execution.typedSearchAttributes.get(FILE_PATH_SEARCH_ATTRIBUTE) ??
    execution.workflowId.replace(/^transcribe:/, '');
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
  };
}
