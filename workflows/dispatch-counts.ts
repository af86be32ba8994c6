/** What one dispatch did, summed over its continue-as-new chain. */
export interface DispatchCounts {
  /** Pending rows read from the store. */
  found: number;
  /** File workflows this dispatch started. */
  started: number;
  /**
   * Files whose workflow was already running (started earlier, by an earlier dispatch or a re-run
   * from the API): reported, not restarted. Counts pending rows whose workflow runs and
   * `processing` rows found with a running workflow when the dispatch starts.
   */
  alreadyRunning: number;
  /** Rows found stuck in `processing` with no running workflow, put back to `pending`. */
  released: number;
  /** Started file workflows that completed. */
  succeeded: number;
  /** Started file workflows that ended failed (the row is `failed`). */
  failed: number;
  /** Rows with an empty or malformed file_path: reported and left as they are. */
  invalid: number;
  /** Rows whose file_path appeared more than once in this dispatch. */
  duplicates: number;
}

export const ZERO_COUNTS: DispatchCounts = {
  found: 0,
  started: 0,
  alreadyRunning: 0,
  released: 0,
  succeeded: 0,
  failed: 0,
  invalid: 0,
  duplicates: 0,
};
