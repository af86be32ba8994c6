/**
 * A DELIBERATELY CHANGED version of workflows/transcribe-file.ts, for the replay guard test
 * (test/replay/replay-fixtures.test.ts, "the guard catches a nondeterministic change", and the
 * mismatch cases of test/replay/replay-command.test.ts): before transcribing, it asks the store
 * for the row's status through an activity (the block marked MUTATION), a plausible change that
 * adds a command ahead of the ones recorded. The rest is the real workflow's happy path. Never
 * register it with a worker. The same change made safe with patched() is in
 * test/replay/patched-workflows/ (test/replay/patched-workflow.test.ts).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { TranscriptionActivities } from '../../../activities';
import type { TranscribeFileInput, TranscribeFileResult } from '../../../workflows/transcribe-file';

const { getFileStatus } = proxyActivities<TranscriptionActivities>({
  startToCloseTimeout: '1 minute',
});

export async function transcribeFile(input: TranscribeFileInput): Promise<TranscribeFileResult> {
  const { settings, filePath } = input;
  // MUTATION: a status check before the transcription (not in the recorded histories).
  const status = await getFileStatus(filePath);
  if (status === 'completed') return { filePath, outcome: 'already-completed', attempt: 0 };
  const { transcribeAudioFile } = proxyActivities<TranscriptionActivities>({
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    startToCloseTimeout: settings.startToCloseTimeoutMs,
    retry: {
      maximumAttempts: settings.maximumAttempts,
      initialInterval: settings.initialIntervalMs,
      maximumInterval: settings.maximumIntervalMs,
      backoffCoefficient: 2,
    },
  });
  return transcribeAudioFile({ filePath });
}
