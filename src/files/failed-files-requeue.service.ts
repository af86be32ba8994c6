import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, FILE_STORE, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { DispatchTrigger } from '../schedule/dispatch-trigger.service';
import {
  describeTranscriptionSchedule,
  type TriggerResult,
} from '../temporal/transcription-schedule';
import { FailedFilesService } from './failed-files.service';
import type { FileStore } from './file-store';
import { TranscriptionStatus } from './transcription-status';

export interface RequeueSkip {
  filePath: string;
  /** The row's status now (null: no row), which is why it was not put back. */
  status: string | null;
  reason: string;
}

export interface RetryFailedResult {
  /** Failed rows put back to `pending`. */
  requeued: number;
  filePaths: string[];
  /** The same count under its earlier name, which the admin page reads. */
  retried: number;
  skipped: RequeueSkip[];
  /** The dispatch triggered to take them; null when there was nothing to take. */
  dispatch: TriggerResult | null;
  /** What happens to them now, in one or two sentences. */
  message: string;
}

/** Rows read at once to say why a file was not put back. */
const STATUS_READ_CONCURRENCY = 10;

/**
 * POST /api/files/retry-failed. Starting every failed file's workflow at once would send them
 * all to a transcriber that works one file at a time; instead the rows go back to `pending` and
 * a dispatch takes them within its window (MAX_CONCURRENT_TRANSCRIPTIONS), like any pending file.
 */
@Injectable()
export class FailedFilesRequeue {
  constructor(
    private readonly files: FailedFilesService,
    private readonly dispatches: DispatchTrigger,
    @Inject(FILE_STORE) private readonly store: FileStore,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Puts at most `limit` failed files (newest failures first) back to pending, then triggers.
   * Only rows still `failed` count toward the limit: listed files already back in the queue are
   * reported as skipped, and must not crowd out the failed ones.
   */
  async requeue(limit: number): Promise<RetryFailedResult> {
    const listed = await this.files.list(
      limit,
      (file) => file.rowStatus === TranscriptionStatus.Failed,
    );
    const paths = listed.map((file) => file.filePath);
    // Conditional: a row re-run or completed since the listing keeps its status.
    const requeued = await this.store.moveStatus(
      paths,
      [TranscriptionStatus.Failed],
      TranscriptionStatus.Pending,
    );
    const moved = new Set(requeued);
    const skipped = await this.whyNotRequeued(paths.filter((path) => !moved.has(path)));
    // Rows already pending (put back by an earlier call that no dispatch has reached yet) are
    // the dispatch's to take as well.
    const waiting = skipped.filter((skip) => skip.status === TranscriptionStatus.Pending).length;
    const result = { requeued: requeued.length, filePaths: requeued, retried: requeued.length };
    if (requeued.length + waiting === 0) {
      return {
        ...result,
        skipped,
        dispatch: null,
        message:
          paths.length === 0
            ? 'There are no failed files to re-run'
            : `None of the ${paths.length} failed file(s) was put back to pending: their rows are no longer failed (see skipped)`,
      };
    }
    const dispatch = await this.dispatches.trigger();
    return {
      ...result,
      skipped,
      dispatch,
      message: await this.describeOutcome(requeued.length, waiting, dispatch),
    };
  }

  private async whyNotRequeued(paths: string[]): Promise<RequeueSkip[]> {
    const skipped: RequeueSkip[] = [];
    for (let index = 0; index < paths.length; index += STATUS_READ_CONCURRENCY) {
      const chunk = paths.slice(index, index + STATUS_READ_CONCURRENCY);
      const statuses = await Promise.all(chunk.map((path) => this.store.getStatus(path)));
      chunk.forEach((filePath, at) => {
        const status = statuses[at];
        skipped.push({ filePath, status, reason: skipReason(status) });
      });
    }
    return skipped;
  }

  private async describeOutcome(
    requeued: number,
    waiting: number,
    dispatch: TriggerResult,
  ): Promise<string> {
    const files =
      `${requeued} failed file(s) put back to pending` +
      (waiting > 0 ? ` (and ${waiting} put back earlier, still pending)` : '');
    if (dispatch.started) {
      return `${files}; dispatch ${dispatch.workflowId} started and takes them with the other pending files, oldest first, within its window (the worker's MAX_CONCURRENT_TRANSCRIPTIONS)`;
    }
    if (!dispatch.workflowId) {
      return `${files}; ${dispatch.message}. They stay pending until a dispatch takes them`;
    }
    // The running dispatch pages through pending rows with a keyset cursor (oldest created_at
    // first) and never goes back: rows older than its position are not read by it again.
    return `${files}. Dispatch ${dispatch.workflowId} is already running, so none was started (overlap SKIP). It reads pending rows oldest first and never goes back, so it takes only those created after the point it has reached; the others wait for ${await this.nextDispatch()}`;
  }

  /** "the next dispatch (…)", as the schedule stands. */
  private async nextDispatch(): Promise<string> {
    const retry = 'or run POST /api/schedule/trigger once the running one has ended';
    try {
      const view = await describeTranscriptionSchedule(this.client, this.config.schedule.id);
      if (view.paused) {
        return `the next dispatch: the schedule is paused, so resume it ${retry}`;
      }
      const next = view.nextRuns[0];
      return next
        ? `the next dispatch, scheduled for ${next}, ${retry}`
        : `the next dispatch, ${retry}`;
    } catch {
      // The answer is about rows already put back; a failed look at the schedule must not hide it.
      return `the next dispatch, ${retry}`;
    }
  }
}

function skipReason(status: string | null): string {
  switch (status) {
    case null:
      return 'no row in audio_files has this file_path any more';
    case TranscriptionStatus.Pending:
      return 'its row is already pending: a dispatch takes it';
    case TranscriptionStatus.Processing:
      return 'its row is in processing: a dispatch or a re-run has it in hand';
    case TranscriptionStatus.Completed:
      return 'its row is completed by now: nothing to re-run';
    default:
      return `its row is "${status}", not failed: only failed rows are put back`;
  }
}
