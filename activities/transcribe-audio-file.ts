import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { FileStore } from '../src/files/file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';
import { TranscriberCallError, type TranscriberClient } from './transcriber-client';
import { TranscriptionErrorType } from './transcription-error-type';

export interface TranscribeAudioFileInput {
  filePath: string;
}

export const TranscribeOutcome = {
  /** This attempt's request was answered with the file in processed_files. */
  Transcribed: 'transcribed',
  /** The row was already completed when the attempt started: nothing sent. */
  AlreadyCompleted: 'already-completed',
  /** An earlier request (timed out or from a crashed attempt) finished and marked the row. */
  CompletedByEarlierRequest: 'completed-by-earlier-request',
} as const;
export type TranscribeOutcome = (typeof TranscribeOutcome)[keyof typeof TranscribeOutcome];

export interface TranscribeAudioFileResult {
  filePath: string;
  outcome: TranscribeOutcome;
  attempt: number;
  executionTimeSeconds?: number;
}

/** Heartbeat details: what a retry needs to know about the previous attempt. */
export interface TranscribeHeartbeat {
  /** When the last request was sent; the transcriber may still be working on it. */
  requestStartedAtMs?: number;
  /** True once that request got a definite answer: a retry need not wait for it. */
  answered?: boolean;
}

export interface TranscribeDependencies {
  store: FileStore;
  transcriber: TranscriberClient;
  requestTimeoutMs: number;
  watchDeadlineMs: number;
  statusPollIntervalMs: number;
}

/**
 * Transcribes one file through api-transcriber, heartbeating all the while. See DESIGN §3:
 * only `processed_files` means done; a wait that ends without an answer is followed by watching
 * the row, since the transcriber keeps working and writes `completed` itself.
 */
export function createTranscribeAudioFile(deps: TranscribeDependencies) {
  return async function transcribeAudioFile(
    input: TranscribeAudioFileInput,
  ): Promise<TranscribeAudioFileResult> {
    const ctx = Context.current();
    const { attempt } = ctx.info;
    const { filePath } = input;
    const previous = (ctx.info.heartbeatDetails ?? {}) as TranscribeHeartbeat;
    let details: TranscribeHeartbeat = { ...previous };
    const beat = (): void => ctx.heartbeat(details);
    const intervalMs = Math.max(200, Math.floor((ctx.info.heartbeatTimeoutMs ?? 30_000) / 4));
    const timer = setInterval(beat, intervalMs);
    beat();
    const result = (outcome: TranscribeOutcome, executionTimeSeconds?: number) => ({
      filePath,
      outcome,
      attempt,
      executionTimeSeconds,
    });

    try {
      const status = await deps.store.getStatus(filePath);
      if (status === null) {
        throw failure(
          `No row in audio_files has file_path "${filePath}"`,
          TranscriptionErrorType.FileNotFound,
          attempt,
          false,
        );
      }
      if (status === TranscriptionStatus.Completed)
        return result(TranscribeOutcome.AlreadyCompleted);

      // A previous attempt's request may still be running on the transcriber (worker crash or
      // timeout): wait for it instead of queueing the same file a second time.
      if (previous.requestStartedAtMs !== undefined && !previous.answered) {
        const watchUntil =
          previous.requestStartedAtMs + deps.requestTimeoutMs + deps.watchDeadlineMs;
        if (Date.now() < watchUntil) {
          ctx.log.info('Watching the row for an earlier request before sending a new one', {
            filePath,
            watchUntil: new Date(watchUntil).toISOString(),
          });
          if (await watchRowUntilCompleted(deps, filePath, watchUntil)) {
            return result(TranscribeOutcome.CompletedByEarlierRequest);
          }
        }
      }

      details = { requestStartedAtMs: Date.now() };
      beat();
      let response;
      try {
        response = await deps.transcriber.transcribe(filePath, {
          signal: ctx.cancellationSignal,
          timeoutMs: deps.requestTimeoutMs,
        });
      } catch (error) {
        if (error instanceof TranscriberCallError && error.mayStillRun) {
          const watchUntil =
            details.requestStartedAtMs! + deps.requestTimeoutMs + deps.watchDeadlineMs;
          ctx.log.warn(
            `${error.message}; watching the row until ${new Date(watchUntil).toISOString()}`,
            {
              filePath,
            },
          );
          if (await watchRowUntilCompleted(deps, filePath, watchUntil)) {
            return result(TranscribeOutcome.CompletedByEarlierRequest);
          }
          details = { ...details, answered: true };
          throw failure(
            `${error.message}; the row stayed "${await deps.store.getStatus(filePath)}" for another ${Math.round(deps.watchDeadlineMs / 1000)} s of watching`,
            TranscriptionErrorType.NoAnswer,
            attempt,
            true,
          );
        }
        if (error instanceof TranscriberCallError) {
          details = { ...details, answered: true };
          throw failure(error.message, error.type, attempt, error.retryable);
        }
        throw error;
      }
      details = { ...details, answered: true };
      beat();
      return classifyResponse(filePath, deps.transcriber.host, response, attempt);
    } finally {
      clearInterval(timer);
    }
  };
}

function classifyResponse(
  filePath: string,
  host: string,
  response: Awaited<ReturnType<TranscriberClient['transcribe']>>,
  attempt: number,
): TranscribeAudioFileResult {
  if (Array.isArray(response.processed_files) && response.processed_files.includes(filePath)) {
    return {
      filePath,
      outcome: TranscribeOutcome.Transcribed,
      attempt,
      executionTimeSeconds: response.execution_time_seconds,
    };
  }
  if (Array.isArray(response.error_files) && response.error_files.includes(filePath)) {
    throw failure(
      `api-transcriber at ${host} reported ${filePath} in error_files (status "${response.status}", ${response.summary?.errors ?? '?'} error(s)): ${response.message ?? 'no message'}`,
      TranscriptionErrorType.FileError,
      attempt,
      true,
    );
  }
  throw failure(
    `api-transcriber at ${host} answered "${response.status}" but listed ${filePath} neither in processed_files nor in error_files: ${response.message ?? 'no message'}`,
    TranscriptionErrorType.UnexpectedResponse,
    attempt,
    true,
  );
}

/** Details carry the attempt number, so the workflow can report how many attempts were made. */
export interface TranscribeFailureDetails {
  attempt: number;
}

function failure(
  message: string,
  type: TranscriptionErrorType,
  attempt: number,
  retryable: boolean,
): ApplicationFailure {
  const details: TranscribeFailureDetails = { attempt };
  return ApplicationFailure.create({ message, type, nonRetryable: !retryable, details: [details] });
}

/** Polls the row (heartbeating via the caller's timer) until it is completed or the deadline. */
async function watchRowUntilCompleted(
  deps: TranscribeDependencies,
  filePath: string,
  untilMs: number,
): Promise<boolean> {
  const ctx = Context.current();
  for (;;) {
    const status = await deps.store.getStatus(filePath);
    if (status === TranscriptionStatus.Completed) return true;
    const remaining = untilMs - Date.now();
    if (remaining <= 0) return false;
    // ctx.sleep rejects when the activity is cancelled, so watching never outlives the attempt.
    await ctx.sleep(Math.min(deps.statusPollIntervalMs, remaining));
  }
}
