/** Validated, typed configuration. Built only by loadConfig() from environment variables. */
export interface AppConfig {
  /** True when Supabase is not configured: local demo store and transcriber simulator. */
  demoMode: boolean;
  dataDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** json in production (one object per line), pretty for people at a terminal. */
  logFormat: 'json' | 'pretty';
  metrics: {
    /** The worker serves its metrics (SDK + product) on this port; 0 = off. */
    workerPort: number;
    /** Where the API fetches the worker's metrics for GET /metrics; unset when they share a process. */
    workerUrl?: string;
  };
  /** A workflow bundle built ahead of time (production image); unset = bundle at start. */
  workflowBundlePath?: string;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    cliPath?: string;
    /** Port of the embedded dev server's Web UI (npm start only). */
    uiPort: number;
  };
  supabase?: {
    url: string;
    serviceRoleKey: string;
  };
  transcriber: {
    url: string;
    model: string;
    /** How long one HTTP request may wait for the synchronous answer. */
    requestTimeoutMs: number;
    /** After a request ends without an answer, how long to watch the row before giving up. */
    watchDeadlineMs: number;
    statusPollIntervalMs: number;
  };
  transcribeActivity: TranscribeActivitySettings;
  dispatch: DispatchSettings;
  schedule: {
    id: string;
    cron: string;
    timezone: string;
    catchupWindowMs: number;
    /** Most slots one backfill request may run. */
    backfillMaxSlots: number;
  };
  api: {
    port: number;
    token?: string;
  };
  simulator: {
    /** Started by `npm start`: demo mode without TRANSCRIBER_URL. */
    enabled: boolean;
    port: number;
    latencyMs: number;
    failPattern?: string;
  };
}

/** Retry and timeout settings of the transcribe activity; passed to file workflows as input. */
export interface TranscribeActivitySettings {
  heartbeatTimeoutMs: number;
  startToCloseTimeoutMs: number;
  maximumAttempts: number;
  initialIntervalMs: number;
  maximumIntervalMs: number;
}

/** Settings the dispatch workflow reads from the worker at the start of each run. */
export interface DispatchSettings {
  batchSize: number;
  maxConcurrentTranscriptions: number;
  maxFilesPerRun: number;
  /** Children per workflow run before continue-as-new keeps the history small. */
  childrenPerRun: number;
  transcribe: TranscribeActivitySettings;
  /**
   * Retry policy of the dispatch's store activities (list, mark, release): a store outage only
   * delays the dispatch, which fails with the reason once the attempts are spent. Fixed by
   * loadConfig; a dispatch started with its own settings (tests) may leave it out and gets the
   * same defaults.
   */
  storeRetry?: StoreRetrySettings;
}

export interface StoreRetrySettings {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}
