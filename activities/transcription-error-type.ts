/** Failure types of the transcribe activity, as they appear in the Web UI and in retry policies. */
export const TranscriptionErrorType = {
  /** The transcriber answered 200 but listed the file in error_files: retried. */
  FileError: 'TranscriberFileError',
  /** 400 or 422: the request itself is wrong, retrying cannot help. */
  Rejected: 'TranscriberRejectedRequest',
  /** 5xx from the transcriber: retried. */
  ServerError: 'TranscriberServerError',
  /** Connection refused, DNS failure, reset: retried, the message names host and likely cause. */
  Unreachable: 'TranscriberUnreachable',
  /** The wait ended without an answer and the row never turned completed: retried. */
  NoAnswer: 'TranscriberNoAnswer',
  /** A 200 that does not mention the file, or an unreadable body: retried. */
  UnexpectedResponse: 'TranscriberUnexpectedResponse',
  /** No row in audio_files has that path: nothing to transcribe. */
  FileNotFound: 'AudioFileNotFound',
} as const;
export type TranscriptionErrorType =
  (typeof TranscriptionErrorType)[keyof typeof TranscriptionErrorType];
