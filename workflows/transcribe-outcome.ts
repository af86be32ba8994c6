/** How a file's transcription ended well: the activity's and the file workflow's result. */
export const TranscribeOutcome = {
  /** This attempt's request was answered with the file in processed_files. */
  Transcribed: 'transcribed',
  /** The row was already completed when the attempt started: nothing sent. */
  AlreadyCompleted: 'already-completed',
  /**
   * An earlier request (timed out, cut off, or from a crashed attempt) finished and marked the
   * row, seen by an attempt or, after the last one, when the row was to be marked failed.
   */
  CompletedByEarlierRequest: 'completed-by-earlier-request',
} as const;
export type TranscribeOutcome = (typeof TranscribeOutcome)[keyof typeof TranscribeOutcome];
