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
  /**
   * The connection broke after the request was sent (reset by the server or a proxy): the
   * transcriber may still be working, so the row is watched before the file is sent again.
   */
  ConnectionLost: 'TranscriberConnectionLost',
  /** The worker shut down during the attempt: retried at once, and the retry watches the row. */
  WorkerShutdown: 'WorkerShutdown',
  /** A 200 that does not mention the file, or an unreadable body: retried. */
  UnexpectedResponse: 'TranscriberUnexpectedResponse',
  /** No row in audio_files has that path: nothing to transcribe. */
  FileNotFound: 'AudioFileNotFound',
} as const;
export type TranscriptionErrorType =
  (typeof TranscriptionErrorType)[keyof typeof TranscriptionErrorType];
