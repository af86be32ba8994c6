/**
 * The process the bench measures, forked by scripts/bench-run.ts and driven over IPC: the
 * product's worker (createTranscriptionWorker, with a prebuilt workflow bundle as in the
 * production image), a local store of N pending files and the transcriber simulator on loopback.
 * The store and the simulator live here because both write the same rows, as under `npm start`.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { loadConfig } from '../src/config/load-config';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';
import { connectWorker, createTranscriptionWorker } from '../src/temporal/create-worker';
import type { DriverMessage, WorkerMessage, WorkerStartOptions } from './bench-protocol';

function send(message: WorkerMessage, then: () => void = () => {}): void {
  if (process.connected) process.send!(message, undefined, undefined, then);
  else then();
}

function fail(error: unknown): void {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  send({ type: 'error', message }, () => process.exit(1));
}

/** N pending rows, oldest first: 48 half-hour files per device and day, as in production. */
function seedRows(files: number): Array<{ file_path: string; created_at: string }> {
  return Array.from({ length: files }, (_, i) => {
    const device = `d-bench${String(Math.floor(i / 48)).padStart(4, '0')}`;
    const slot = i % 48;
    const block = `${String(Math.floor(slot / 2)).padStart(2, '0')}-${slot % 2 ? '30' : '00'}`;
    return {
      file_path: `files/${device}/2026-01-01/${block}/audio.wav`,
      created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    };
  });
}

interface Running {
  store: LocalFileStore;
  simulator: TranscriberSimulator;
  worker: Worker;
  run: Promise<void>;
}

async function start(options: WorkerStartOptions): Promise<Running> {
  // Temporal's logs at WARN; no signal handlers: the bench owns Ctrl-C.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const store = new LocalFileStore();
  await store.insert(seedRows(options.files));
  const simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: options.latencyMs,
    capacity: options.concurrency,
    logger: { log() {}, warn() {} },
  });
  const config = loadConfig({
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    SIMULATOR_PORT: new URL(simulator.url).port,
    // The files in flight; above the simulator's capacity the rest wait in its queue.
    MAX_CONCURRENT_TRANSCRIPTIONS: String(options.window),
    // One dispatch takes the whole backlog.
    MAX_FILES_PER_RUN: String(Math.max(options.files, 5000)),
    WORKFLOW_BUNDLE_PATH: options.bundlePath,
    DATA_DIR: path.join(os.tmpdir(), 'bench-unused'),
    LOG_LEVEL: 'warn',
  });
  const connection = await connectWorker(config);
  const worker = await createTranscriptionWorker({ config, store, connection });
  const run = worker.run().finally(() => connection.close());
  run.catch(fail);
  setInterval(() => {
    send({ type: 'progress', transcribed: simulator.stats.filesProcessed });
  }, 5_000).unref();
  send({ type: 'ready' });
  return { store, simulator, worker, run };
}

/** Counts what the store and the simulator saw, stops the worker, reports and exits. */
async function finish({ store, simulator, worker, run }: Running): Promise<void> {
  const completed = store
    .rows()
    .filter((row) => row.transcriptions_status === TranscriptionStatus.Completed).length;
  const maxRequestsPerFile = simulator.stats.maxConcurrentPerPath;
  worker.shutdown();
  await run;
  await simulator.stop();
  // Exit once the message is out (a clean exit also lets --cpu-prof write its profiles).
  send({ type: 'stopped', completed, maxRequestsPerFile }, () => process.exit(0));
}

let started: Promise<Running> | undefined;
let serverPid: number | undefined;
let tmpDir: string | undefined;

process.on('message', (message: DriverMessage) => {
  if (message.type === 'start') {
    serverPid = message.options.serverPid;
    tmpDir = message.options.tmpDir;
    started = start(message.options);
    started.catch(fail);
  } else {
    started?.then(finish).catch(fail);
  }
});

// The bench is gone without stopping us (killed): stop its dev server too, remove its scratch
// folder (the server may still write its log for a moment: the removal waits for it), then exit.
process.once('disconnect', () => {
  let serverGone: Promise<void> = Promise.resolve();
  if (serverPid !== undefined) {
    const pid = serverPid;
    try {
      process.kill(pid, 'SIGTERM');
      serverGone = waitForExit(pid, 5_000);
    } catch {
      // already gone
    }
  }
  void serverGone.finally(() => {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    process.exit(1);
  });
});

/** Resolves when the process is gone, or after the timeout. */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
