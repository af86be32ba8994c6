// Bundle entry: the status check added WITHOUT patched() (the change as one would first write it).
// Histories recorded before the change do not replay against it.
import type { TranscribeFileInput, TranscribeFileResult } from '../../../workflows/transcribe-file';
import { checkStatusThenTranscribe } from './status-check';

export { dispatchPendingFiles } from '../../../workflows/dispatch-pending-files';

export async function transcribeFile(input: TranscribeFileInput): Promise<TranscribeFileResult> {
  return checkStatusThenTranscribe(input);
}
