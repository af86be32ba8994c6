import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  NotFoundException,
  Optional,
} from '@nestjs/common';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { transcribeFile } from '../../workflows';
import { APP_CONFIG, FILE_STORE, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import {
  DEVICE_ID_SEARCH_ATTRIBUTE,
  FILE_PATH_SEARCH_ATTRIBUTE,
} from '../temporal/search-attributes';
import { LiveTimezone } from '../schedule/live-timezone.service';
import { workflowUiLink } from '../temporal/web-ui-link';
import { failedFilesBounds, listFailedFiles, type FailedFileView } from './failed-file-workflows';
import { parseFilePath, transcribeWorkflowId } from './file-path';
import type { FileStore } from './file-store';
import { TRANSCRIPTION_STATUSES, TranscriptionStatus } from './transcription-status';

export interface RetryResult {
  filePath: string;
  workflowId: string;
  runId: string;
  link: string;
}

@Injectable()
export class FailedFilesService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FILE_STORE) private readonly store: FileStore,
    // Optional because scripts/record-histories.ts builds this service by hand, without Nest;
    // it then writes times in the configured zone.
    @Optional() private readonly timezone?: LiveTimezone,
  ) {}

  /** At most `limit` files for which `counts` holds (default: all), and any others seen. */
  async list(limit: number, counts?: (file: FailedFileView) => boolean): Promise<FailedFileView[]> {
    return listFailedFiles(
      {
        client: this.client,
        store: this.store,
        namespace: this.config.temporal.namespace,
        uiUrl: this.config.temporal.uiUrl,
        timezone: (await this.timezone?.get()) ?? this.config.schedule.timezone,
      },
      limit,
      failedFilesBounds(limit),
      counts,
    );
  }

  /**
   * Starts a new run of `transcribe:<file_path>` at once, with the row back to `processing`: one
   * file, so it may run beside a dispatch's window (re-running many goes through a dispatch).
   */
  async retry(filePath: string): Promise<RetryResult> {
    const parsed = parseFilePath(filePath);
    if ('error' in parsed) throw new BadRequestException(`filePath: ${parsed.error}`);
    const row = await this.store.findByPath(filePath);
    if (!row) throw new NotFoundException(`No row in audio_files has file_path "${filePath}"`);
    const previousStatus = row.transcriptions_status;
    if (previousStatus === TranscriptionStatus.Completed) {
      throw new ConflictException(`${filePath} is already completed; nothing to re-run`);
    }
    // A dispatch marks its rows `processing` before it starts their children, so a row in
    // `processing` may belong to a dispatch whose child is not running yet: starting one here
    // would run the file twice at the transcriber.
    if (previousStatus === TranscriptionStatus.Processing) {
      throw new ConflictException(
        `${filePath} is in processing: a dispatch or another re-run has it in hand; wait for it to end (a row left in processing with no workflow running goes back to pending at the next dispatch)`,
      );
    }
    const workflowId = transcribeWorkflowId(filePath);
    if (await this.isRunning(workflowId)) {
      throw new ConflictException(
        `${filePath} is being transcribed right now (workflow ${workflowId})`,
      );
    }
    // Conditional, so that a dispatch marking the row meanwhile wins and this re-run backs off.
    if (!(await this.moveToProcessing(filePath, previousStatus))) {
      throw new ConflictException(
        `${filePath} changed status meanwhile (a dispatch has probably taken it); look again before re-running it`,
      );
    }
    try {
      const handle = await this.client.workflow.start<typeof transcribeFile>('transcribeFile', {
        workflowId,
        taskQueue: this.config.temporal.taskQueue,
        args: [{ filePath, settings: this.config.transcribeActivity }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [
          { key: FILE_PATH_SEARCH_ATTRIBUTE, value: filePath },
          { key: DEVICE_ID_SEARCH_ATTRIBUTE, value: row.device_id ?? parsed.deviceId },
        ],
        staticSummary: `Re-run of ${filePath} (from the API)`,
      });
      return {
        filePath,
        workflowId,
        runId: handle.firstExecutionRunId,
        link: workflowUiLink(this.config.temporal, workflowId, handle.firstExecutionRunId),
      };
    } catch (error) {
      // Nothing was started: give the row its status back (unless it moved on meanwhile).
      await this.store.moveStatus(
        [filePath],
        [TranscriptionStatus.Processing],
        knownStatus(previousStatus) ?? TranscriptionStatus.Pending,
      );
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictException(
          `${filePath} is being transcribed right now (workflow ${workflowId})`,
        );
      }
      throw error;
    }
  }

  /** The row to `processing` if it is still `pending` or `failed`; true if it moved. */
  private async moveToProcessing(filePath: string, from: string): Promise<boolean> {
    // A status some other system wrote (not one of ours) cannot be matched on: set it outright.
    if (!knownStatus(from)) return this.store.setStatus(filePath, TranscriptionStatus.Processing);
    const moved = await this.store.moveStatus(
      [filePath],
      [TranscriptionStatus.Pending, TranscriptionStatus.Failed],
      TranscriptionStatus.Processing,
    );
    return moved.length > 0;
  }

  private async isRunning(workflowId: string): Promise<boolean> {
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      return description.status.name === 'RUNNING';
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}

function knownStatus(status: string): TranscriptionStatus | undefined {
  return TRANSCRIPTION_STATUSES.includes(status) ? (status as TranscriptionStatus) : undefined;
}
