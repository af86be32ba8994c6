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

/** Activities that read and write `audio_files` through the FileStore. */
export function createFileStoreActivities(store: FileStore) {
  return {
    async listPendingFiles(input: ListPendingFilesInput): Promise<AudioFileRow[]> {
      return store.listPending(input);
    },

    async markFilesProcessing(filePaths: string[]): Promise<string[]> {
      return store.markProcessing(filePaths);
    },

    /** After the last attempt: the row becomes failed; the reason lives in the workflow's failure. */
    async markFileFailed(input: MarkFileFailedInput): Promise<void> {
      await store.setStatus(input.filePath, TranscriptionStatus.Failed);
      Context.current().log.warn('File marked failed', { ...input });
    },

    /** A cancelled file workflow gives its row back, so the next dispatch picks it up again. */
    async markFilePending(filePath: string): Promise<void> {
      const status = await store.getStatus(filePath);
      if (status === TranscriptionStatus.Processing) {
        await store.setStatus(filePath, TranscriptionStatus.Pending);
      }
    },

    async getFileStatus(filePath: string): Promise<string | null> {
      return store.getStatus(filePath);
    },
  };
}
