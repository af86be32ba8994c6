// Bundle entry: step 2 of workflows/CHANGING-WORKFLOWS.md, once no run from before the patch can
// still be running: deprecatePatch() and the old branch deleted. Replays runs recorded with the
// patch; runs recorded before it no longer replay (that is why their fixtures go at this step).
import { deprecatePatch } from '@temporalio/workflow';
import type { TranscribeFileInput, TranscribeFileResult } from '../../../workflows/transcribe-file';
import { checkStatusThenTranscribe, STATUS_CHECK_PATCH_ID } from './status-check';

export { dispatchPendingFiles } from '../../../workflows/dispatch-pending-files';

export async function transcribeFile(input: TranscribeFileInput): Promise<TranscribeFileResult> {
  deprecatePatch(STATUS_CHECK_PATCH_ID);
  return checkStatusThenTranscribe(input);
}
