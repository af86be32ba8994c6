import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { FileStore } from '../src/files/file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';
import { TranscribeOutcome } from '../workflows/transcribe-outcome';
import { TranscriberCallError, type TranscriberClient } from './transcriber-client';
import { TranscriptionErrorType } from './transcription-error-type';

export interface TranscribeAudioFileInput {
  filePath: string;
}

export { TranscribeOutcome };

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
  /** True once that request got a definite answer, or is known lost: a retry need not wait for it. */
  answered?: boolean;
}

export interface TranscribeDependencies {
  store: FileStore;
  transcriber: TranscriberClient;
  /**
   * Records the heartbeat that says "a request is about to be sent" on the server before the
   * request leaves (the worker's own heartbeats are throttled and would arrive up to 0.8 x the
   * heartbeat timeout later, too late if the worker dies meanwhile).
   */
  temporalClient?: Client;
  requestTimeoutMs: number;
  watchDeadlineMs: number;
  statusPollIntervalMs: number;
}

/**
 * Transcribes one file through api-transcriber, heartbeating all the while. See DESIGN §3:
 * only `processed_files` means done; a request whose answer is lost (client timeout, broken
 * connection, crashed or stopped worker) may still be running on the transcriber, which writes
 * `completed` itself, so the row is watched instead of sending the file a second time.
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
    let beaten = false;
    const beat = (): void => {
      beaten = true;
      ctx.heartbeat(details);
    };
    // The first beat comes after a quarter of the timeout: a quick attempt sends just one (the
    // durable one before its request), which spares the server a write per file.
    const intervalMs = Math.max(200, Math.floor((ctx.info.heartbeatTimeoutMs ?? 30_000) / 4));
    const timer = setInterval(beat, intervalMs);
    const result = (outcome: TranscribeOutcome, executionTimeSeconds?: number) => ({
      filePath,
      outcome,
      attempt,
      executionTimeSeconds,
    });
    /** The request is answered or known lost: a retry may send the file again at once. */
    const settled = (): void => {
      details = { ...details, answered: true };
      beat();
    };
    /** Until when a request started at `startedAtMs` may still write `completed`. */
    const watchLimit = (startedAtMs: number): number =>
      startedAtMs + deps.requestTimeoutMs + deps.watchDeadlineMs;

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
      // shutdown, lost answer): wait for it instead of queueing the same file a second time.
      if (previous.requestStartedAtMs !== undefined && !previous.answered) {
        const watchUntil = watchLimit(previous.requestStartedAtMs);
        if (Date.now() < watchUntil) {
          ctx.log.info('Watching the row for an earlier request before sending a new one', {
            filePath,
            watchUntil: new Date(watchUntil).toISOString(),
          });
          const watched = await watchRow(deps, filePath, watchUntil);
          if (watched.completed) return result(TranscribeOutcome.CompletedByEarlierRequest);
          ctx.log.warn(`${watched.reason}; sending ${filePath} again`, { filePath });
        }
      }

      details = { requestStartedAtMs: Date.now() };
      await recordHeartbeat(ctx, deps.temporalClient, details, beaten);
      let response;
      try {
        response = await deps.transcriber.transcribe(filePath, {
          signal: ctx.cancellationSignal,
          timeoutMs: deps.requestTimeoutMs,
        });
      } catch (error) {
        if (error instanceof TranscriberCallError && error.mayStillRun) {
          const watchUntil = watchLimit(details.requestStartedAtMs!);
          ctx.log.warn(
            `${error.message}; watching the row until ${new Date(watchUntil).toISOString()}`,
            { filePath },
          );
          const watched = await watchRow(deps, filePath, watchUntil);
          if (watched.completed) return result(TranscribeOutcome.CompletedByEarlierRequest);
          settled();
          throw failure(`${error.message}; ${watched.reason}`, error.type, attempt, true);
        }
        if (error instanceof TranscriberCallError) {
          settled();
          throw failure(error.message, error.type, attempt, error.retryable);
        }
        throw error;
      }
      try {
        return classifyResponse(filePath, deps.transcriber.host, response, attempt);
      } catch (error) {
        settled();
        throw error;
      }
    } catch (error) {
      throw asCancellation(ctx, error, filePath, attempt, details) ?? error;
    } finally {
      clearInterval(timer);
    }
  };
}

/**
 * When the attempt was cancelled, the error to end it with: a server-side cancellation (the
 * workflow was cancelled, the attempt timed out) is reported as such; a worker shutdown becomes
 * a retryable failure that says what the retry will do, so the Web UI shows it.
 */
function asCancellation(
  ctx: Context,
  error: unknown,
  filePath: string,
  attempt: number,
  details: TranscribeHeartbeat,
): Error | undefined {
  if (!ctx.cancellationSignal.aborted) return undefined;
  const reason: unknown = ctx.cancellationSignal.reason;
  if (reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN') {
    const inFlight = details.requestStartedAtMs !== undefined && !details.answered;
    return failure(
      `The worker shut down during attempt ${attempt} for ${filePath}` +
        (inFlight
          ? `; the request sent at ${new Date(details.requestStartedAtMs!).toISOString()} may still be running, so the retry watches the row instead of sending the file again`
          : '; the retry starts over'),
      TranscriptionErrorType.WorkerShutdown,
      attempt,
      true,
    );
  }
  if (reason instanceof CancelledFailure) return reason;
  return error instanceof Error ? error : undefined;
}

/**
 * Heartbeats now and waits until the server has the details (when a client is available).
 * Failing to record them fails the attempt before anything is sent, which is safe to retry.
 * When the worker has heartbeated already in this attempt, it gets the new details too, so
 * that older details it may still hold back (throttling) cannot overwrite them later.
 */
async function recordHeartbeat(
  ctx: Context,
  client: Client | undefined,
  details: TranscribeHeartbeat,
  workerHasBeaten: boolean,
): Promise<void> {
  if (workerHasBeaten || !client) ctx.heartbeat(details);
  if (client) await client.activity.heartbeat(ctx.info.taskToken, details);
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
    `api-transcriber at ${host} answered ${response.status === undefined ? 'without a status' : `status "${response.status}"`} but listed ${filePath} neither in processed_files nor in error_files: ${response.message ?? 'no message'}`,
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

type WatchOutcome = { completed: true } | { completed: false; reason: string };

/**
 * Polls the row (heartbeating via the caller's timer) until it is completed or `untilMs`.
 *
 * Meanwhile one `GET /` waits at the transcriber. It processes one request at a time, first come
 * first served, and answers `GET /` only between files (DESIGN §2), so the answer comes after any
 * request of ours that it still holds. An answer while the row is still not completed therefore
 * means the request is gone (lost in a transcriber restart, or it failed): the watch ends early
 * instead of waiting for the deadline. A refused connection or an unknown host means the same.
 */
async function watchRow(
  deps: TranscribeDependencies,
  filePath: string,
  untilMs: number,
): Promise<WatchOutcome> {
  const ctx = Context.current();
  const stopProbe = new AbortController();
  /** Set when the probe showed that no request of ours can be running any more. */
  let notRunning: string | undefined;
  let probe: Promise<void> | undefined;
  const startProbe = (): void => {
    const signal = AbortSignal.any([
      ctx.cancellationSignal,
      stopProbe.signal,
      AbortSignal.timeout(Math.max(1, untilMs - Date.now())),
    ]);
    probe = deps.transcriber.probeIdle(signal).then((reason) => {
      notRunning = reason;
      probe = undefined;
    });
  };
  try {
    for (;;) {
      // Taken before the row is read: the probe's answer predates the status read below.
      const idleReason = notRunning;
      const status = await deps.store.getStatus(filePath);
      if (status === TranscriptionStatus.Completed) return { completed: true };
      if (idleReason !== undefined) {
        return {
          completed: false,
          reason: `${idleReason}, and the row is still "${status}": the earlier request is no longer running`,
        };
      }
      const remaining = untilMs - Date.now();
      if (remaining <= 0) {
        return {
          completed: false,
          reason: `the row stayed "${status}" until the watch deadline (request timeout ${Math.round(deps.requestTimeoutMs / 1000)} s + TRANSCRIBE_WATCH_DEADLINE_MS ${Math.round(deps.watchDeadlineMs / 1000)} s after the request was sent)`,
        };
      }
      if (!probe) startProbe();
      // ctx.sleep rejects when the activity is cancelled, so watching never outlives the attempt.
      await ctx.sleep(Math.min(deps.statusPollIntervalMs, remaining));
    }
  } finally {
    stopProbe.abort();
    await probe;
  }
}
