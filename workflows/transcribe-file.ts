import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { TranscriptionActivities } from '../activities';
import type {
  TranscribeAudioFileResult,
  TranscribeFailureDetails,
} from '../activities/transcribe-audio-file';
import { TranscribeOutcome } from './transcribe-outcome';
import type { TranscribeActivitySettings } from '../src/config/app-config';
import { TranscriptionStatus } from '../src/files/transcription-status';

export interface TranscribeFileInput {
  filePath: string;
  settings: TranscribeActivitySettings;
}

export type TranscribeFileResult = TranscribeAudioFileResult;

export const TRANSCRIPTION_FAILED_ERROR_TYPE = 'TranscriptionFailed';

/** The failed workflow's details: what the failed-files list shows. */
export interface TranscriptionFailedDetails {
  filePath: string;
  reason: string;
  attempts: number;
}

const { markFileFailed, markFilePending } = proxyActivities<TranscriptionActivities>({
  startToCloseTimeout: '1 minute',
  // Bookkeeping must not be lost to a short store outage: retry until it succeeds.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute' },
});

/**
 * One file, one workflow (id `transcribe:<file_path>`), so Temporal refuses a second concurrent run.
 * Retries live in the activity's retry policy; after the last attempt the row becomes `failed`
 * and this workflow fails with the reason, which is what the Web UI shows.
 */
export async function transcribeFile(input: TranscribeFileInput): Promise<TranscribeFileResult> {
  const { settings, filePath } = input;
  const { transcribeAudioFile } = proxyActivities<TranscriptionActivities>({
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    startToCloseTimeout: settings.startToCloseTimeoutMs,
    retry: {
      maximumAttempts: settings.maximumAttempts,
      initialInterval: settings.initialIntervalMs,
      maximumInterval: settings.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  });

  try {
    return await transcribeAudioFile({ filePath });
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() => markFilePending(filePath));
      throw error;
    }
    if (!(error instanceof ActivityFailure)) throw error;
    const attempts = attemptsMade(error, settings.maximumAttempts);
    const reason = describeActivityFailure(error, attempts);
    const marked = await markFileFailed({ filePath, reason });
    // The transcriber finished a request we had stopped waiting for: the file is done after all.
    // (`marked` is undefined when replaying histories recorded before the activity returned it.)
    if (marked?.status === TranscriptionStatus.Completed) {
      log.info('Row turned completed before it could be marked failed', { filePath, reason });
      return { filePath, outcome: TranscribeOutcome.CompletedByEarlierRequest, attempt: attempts };
    }
    const details: TranscriptionFailedDetails = { filePath, reason, attempts };
    throw ApplicationFailure.create({
      message: `Transcription of ${filePath} failed: ${reason}`,
      type: TRANSCRIPTION_FAILED_ERROR_TYPE,
      nonRetryable: true,
      details: [details],
      cause: error,
    });
  }
}

/** The attempt the activity reported in its failure details; the retry cap when it could not. */
function attemptsMade(error: ActivityFailure, maximumAttempts: number): number {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as Partial<TranscribeFailureDetails> | undefined;
    if (typeof details?.attempt === 'number') return details.attempt;
  }
  return maximumAttempts;
}

function describeActivityFailure(error: ActivityFailure, attempts: number): string {
  const cause = error.cause;
  const message = cause?.message ?? error.message;
  const type = cause instanceof ApplicationFailure && cause.type ? `${cause.type}: ` : '';
  switch (error.retryState) {
    case RetryState.MAXIMUM_ATTEMPTS_REACHED:
      return `${type}${message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
    case RetryState.NON_RETRYABLE_FAILURE:
      return `${type}${message} (not retryable, attempt ${attempts})`;
    case RetryState.TIMEOUT:
      return `${type}${message} (activity timed out)`;
    default:
      return `${type}${message}`;
  }
}
