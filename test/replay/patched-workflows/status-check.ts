/**
 * The change that test/replay/patched-workflow.test.ts makes to `transcribeFile`, in the three
 * forms workflows/CHANGING-WORKFLOWS.md describes: a new first step (ask the store for the row's
 * status; skip the transcription when it is already completed), wrapped around the REAL workflow
 * (workflows/transcribe-file.ts) so that everything after the new step is today's code.
 *
 * Each form is the `transcribeFile` of its own bundle entry next to this file (`unguarded.ts`,
 * `patched.ts`, `deprecated.ts`); never register them with a production worker.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { TranscriptionActivities } from '../../../activities';
import { TranscriptionStatus } from '../../../src/files/transcription-status';
import {
  transcribeFile as currentTranscribeFile,
  type TranscribeFileInput,
  type TranscribeFileResult,
} from '../../../workflows/transcribe-file';

/** The patch id: one per change, never reused. */
export const STATUS_CHECK_PATCH_ID = 'check-status-before-transcribe';

const { getFileStatus } = proxyActivities<TranscriptionActivities>({
  startToCloseTimeout: '1 minute',
});

/** The new behaviour: the status check, then (unless already completed) the current workflow. */
export async function checkStatusThenTranscribe(
  input: TranscribeFileInput,
): Promise<TranscribeFileResult> {
  const status = await getFileStatus(input.filePath);
  if (status === TranscriptionStatus.Completed) {
    return { filePath: input.filePath, outcome: 'already-completed', attempt: 0 };
  }
  return currentTranscribeFile(input);
}

/** The old behaviour: today's workflow as it is. */
export { currentTranscribeFile };
