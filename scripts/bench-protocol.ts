/** Messages between the bench (scripts/bench-run.ts) and its worker process (bench-worker.ts). */

export interface WorkerStartOptions {
  /** The bench's dev server. */
  address: string;
  taskQueue: string;
  files: number;
  /** The simulator's capacity. */
  concurrency: number;
  /** MAX_CONCURRENT_TRANSCRIPTIONS: the dispatch's files in flight. */
  window: number;
  latencyMs: number;
  /** The workflow bundle built ahead of time, as the production image does. */
  bundlePath: string;
  /** Stopped by the worker process if the bench vanishes without cleaning up (SIGKILL). */
  serverPid: number;
  /** The bench's scratch folder (bundle, server log): removed then too. */
  tmpDir: string;
}

export type DriverMessage = { type: 'start'; options: WorkerStartOptions } | { type: 'stop' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'progress'; transcribed: number }
  | {
      type: 'stopped';
      /** Rows `completed` in the store. */
      completed: number;
      /** Most requests the simulator had in flight for one same file (1: never sent twice). */
      maxRequestsPerFile: number;
    }
  | { type: 'error'; message: string };
