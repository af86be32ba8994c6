/** Values of `audio_files.transcriptions_status` (DESIGN §2). */
export const TranscriptionStatus = {
  Pending: 'pending',
  Processing: 'processing',
  Completed: 'completed',
  Failed: 'failed',
} as const;
export type TranscriptionStatus = (typeof TranscriptionStatus)[keyof typeof TranscriptionStatus];

export const TRANSCRIPTION_STATUSES: readonly string[] = Object.values(TranscriptionStatus);

/** The first of these values that is not a status, for an error that names it; else undefined. */
export function firstInvalidStatus(values: readonly string[]): string | undefined {
  return values.find((value) => !TRANSCRIPTION_STATUSES.includes(value));
}
