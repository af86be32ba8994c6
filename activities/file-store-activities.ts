import { Context } from '@temporalio/activity';
import type { AudioFileRow, PendingCursor } from '../src/files/audio-file';
import type { FileStore } from '../src/files/file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';

export interface ListPendingFilesInput {
  limit: number;
  after?: PendingCursor;
}

export interface MarkFileFailedInput {
  filePath: string;
  reason: string;
}

export interface MarkFileFailedResult {
  /** False when the row was no longer pending or processing (e.g. the transcriber finished late). */
  markedFailed: boolean;
  /** The row's status after the call; null when there is no such row. */
  status: string | null;
}

/** Activities that read and write `audio_files` through the FileStore. */
export function createFileStoreActivities(store: FileStore) {
  return {
    async listPendingFiles(input: ListPendingFilesInput): Promise<AudioFileRow[]> {
      return store.listPending(input);
    },

    async markFilesProcessing(filePaths: string[]): Promise<string[]> {
      return store.markProcessing(filePaths);
    },

    /**
     * After the last attempt: the row becomes failed; the reason lives in the workflow's failure.
     * Conditional, because the transcriber may still finish a request we stopped waiting for and
     * write `completed`: that result is never overwritten.
     */
    async markFileFailed(input: MarkFileFailedInput): Promise<MarkFileFailedResult> {
      const log = Context.current().log;
      const changed = await store.moveStatus(
        [input.filePath],
        [TranscriptionStatus.Pending, TranscriptionStatus.Processing],
        TranscriptionStatus.Failed,
      );
      if (changed.length > 0) {
        log.warn('File marked failed', { ...input });
        return { markedFailed: true, status: TranscriptionStatus.Failed };
      }
      const status = await store.getStatus(input.filePath);
      log.warn(`File not marked failed: its row is "${String(status)}"`, { ...input, status });
      return { markedFailed: false, status };
    },

    /** A cancelled file workflow gives its row back, so the next dispatch picks it up again. */
    async markFilePending(filePath: string): Promise<void> {
      await store.moveStatus(
        [filePath],
        [TranscriptionStatus.Processing],
        TranscriptionStatus.Pending,
      );
    },

    async getFileStatus(filePath: string): Promise<string | null> {
      return store.getStatus(filePath);
    },
  };
}
