import type { AudioFileRow, PendingCursor } from './audio-file';
import type { TranscriptionStatus } from './transcription-status';

/** Why a store could not serve a call, as far as the caller must tell the cases apart. */
export const StoreFailure = {
  /** No answer: refused, DNS, reset, TLS, or the client-side timeout. */
  Unreachable: 'unreachable',
  /** It answered 5xx: the service itself is failing. */
  ServerError: 'server-error',
  /** It answered 401/403: the key was refused. */
  KeyRefused: 'key-refused',
  /** Something answered that is not the store's API (e.g. a wrong URL behind a proxy). */
  NotTheStore: 'not-the-store',
} as const;
export type StoreFailure = (typeof StoreFailure)[keyof typeof StoreFailure];

/**
 * The store cannot be used right now (down, failing, or refusing the key): an outage or a
 * deployment fault, not a bug in the call. The API answers it with 503, as it does when Temporal
 * is down. `message` names the store's host, the operation and the cause; never the key.
 */
export class FileStoreUnavailableError extends Error {
  override readonly name = 'FileStoreUnavailableError';

  constructor(
    message: string,
    readonly details: {
      /** The store as operators know it, e.g. "Supabase". */
      store: string;
      /** host[:port] the store talks to. */
      host: string;
      /** The FileStore method that failed, e.g. "getStatus". */
      operation: string;
      failure: StoreFailure;
      /** The HTTP status, when there was an answer. */
      httpStatus?: number;
    },
  ) {
    super(message);
  }
}

/**
 * Access to the `audio_files` table. Two implementations: Supabase (production) and the local
 * demo store. Every update is keyed by `file_path` and touches `transcriptions_status` only.
 * A store that cannot be reached or refuses its key throws {@link FileStoreUnavailableError};
 * any other failure (a refused query: a bug) is a plain Error.
 */
export interface FileStore {
  /** Human name for logs and health, e.g. "Supabase at https://x.supabase.co". */
  readonly description: string;

  /** Pending rows, oldest `created_at` first (ties by `file_path`), strictly after `after`. */
  listPending(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]>;

  /**
   * Moves the given rows from `pending` to `processing`. Rows no longer pending are left as they
   * are. Returns the paths that were changed.
   */
  markProcessing(filePaths: string[]): Promise<string[]>;

  /** Rows in `processing`: same order, keyset and NULL-path rules as {@link listPending}. */
  listProcessing(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]>;

  /**
   * Moves the given rows from `processing` back to `pending` (a stuck row put back in play).
   * Rows in any other status are left as they are. Returns the paths that were changed.
   */
  releaseProcessing(filePaths: string[]): Promise<string[]>;

  /**
   * Conditional update: rows of these paths whose status is one of `from` get status `to`, in
   * one statement per chunk, so a status written meanwhile by someone else (the transcriber's
   * `completed`) is never overwritten. Returns the paths that were changed.
   */
  moveStatus(
    filePaths: string[],
    from: readonly TranscriptionStatus[],
    to: TranscriptionStatus,
  ): Promise<string[]>;

  /** Sets one row's status unconditionally. Returns false when no row has that path. */
  setStatus(filePath: string, status: TranscriptionStatus): Promise<boolean>;

  /** The row's status, or null when there is no such row. */
  getStatus(filePath: string): Promise<string | null>;

  /** One row by path, or null. */
  findByPath(filePath: string): Promise<AudioFileRow | null>;

  /** Pending paths of one device and local date (the transcriber's device_id + local_date form). */
  listPendingPathsForDeviceDate(deviceId: string, localDate: string): Promise<string[]>;

  /** Cheap round trip for health checks; throws with a reason when the store is unreachable. */
  ping(): Promise<void>;
}
