// Bundle entry: step 1 of workflows/CHANGING-WORKFLOWS.md, the status check guarded by patched().
// Runs recorded without the patch marker replay on the old branch; new runs take the new one.
import { patched } from '@temporalio/workflow';
import type { TranscribeFileInput, TranscribeFileResult } from '../../../workflows/transcribe-file';
import {
  checkStatusThenTranscribe,
  currentTranscribeFile,
  STATUS_CHECK_PATCH_ID,
} from './status-check';

export { dispatchPendingFiles } from '../../../workflows/dispatch-pending-files';

export async function transcribeFile(input: TranscribeFileInput): Promise<TranscribeFileResult> {
  if (patched(STATUS_CHECK_PATCH_ID)) return checkStatusThenTranscribe(input);
  return currentTranscribeFile(input);
}
