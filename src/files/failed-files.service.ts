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
import { listFailedFiles, type FailedFileView } from './failed-file-workflows';
import { parseFilePath, transcribeWorkflowId } from './file-path';
import type { FileStore } from './file-store';
import { TranscriptionStatus } from './transcription-status';

export interface RetryResult {
  filePath: string;
  workflowId: string;
  runId: string;
  link: string;
}

export interface RetryFailedResult {
  retried: number;
  files: RetryResult[];
  skipped: Array<{ filePath: string; reason: string }>;
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

  async list(limit: number): Promise<FailedFileView[]> {
    return listFailedFiles(
      {
        client: this.client,
        store: this.store,
        namespace: this.config.temporal.namespace,
        uiUrl: this.config.temporal.uiUrl,
        timezone: (await this.timezone?.get()) ?? this.config.schedule.timezone,
      },
      limit,
    );
  }

  /** Starts a new run of `transcribe:<file_path>`, with the row back to `processing`. */
  async retry(filePath: string): Promise<RetryResult> {
    const parsed = parseFilePath(filePath);
    if ('error' in parsed) throw new BadRequestException(`filePath: ${parsed.error}`);
    const row = await this.store.findByPath(filePath);
    if (!row) throw new NotFoundException(`No row in audio_files has file_path "${filePath}"`);
    if (row.transcriptions_status === TranscriptionStatus.Completed) {
      throw new ConflictException(`${filePath} is already completed; nothing to re-run`);
    }
    const workflowId = transcribeWorkflowId(filePath);
    if (await this.isRunning(workflowId)) {
      throw new ConflictException(
        `${filePath} is being transcribed right now (workflow ${workflowId})`,
      );
    }
    const previousStatus = row.transcriptions_status;
    await this.store.setStatus(filePath, TranscriptionStatus.Processing);
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
      // Nothing was started: give the row its status back.
      await this.store.setStatus(filePath, previousStatus as TranscriptionStatus);
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        throw new ConflictException(
          `${filePath} is being transcribed right now (workflow ${workflowId})`,
        );
      }
      throw error;
    }
  }

  /** Re-runs the failed files, newest failures first, at most `limit`. */
  async retryFailed(limit: number): Promise<RetryFailedResult> {
    const failed = await this.list(limit);
    const result: RetryFailedResult = { retried: 0, files: [], skipped: [] };
    for (const file of failed) {
      try {
        result.files.push(await this.retry(file.filePath));
        result.retried += 1;
      } catch (error) {
        if (
          error instanceof NotFoundException ||
          error instanceof ConflictException ||
          error instanceof BadRequestException
        ) {
          result.skipped.push({ filePath: file.filePath, reason: error.message });
        } else {
          throw error;
        }
      }
    }
    return result;
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
