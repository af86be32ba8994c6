/**
 * Fault cases 1, 3 and 11 of issue 4: the worker process dies (SIGKILL) or is stopped (SIGTERM)
 * while a transcription is in flight. The worker is `src/worker.ts` in its own process against a
 * real Temporal dev server, the Supabase double (supabase-js over HTTP, shared by both processes)
 * and the transcriber simulator as a real HTTP server.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Worker } from '@temporalio/worker';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import { dispatchPendingFiles, transcribeFile } from '../../workflows';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process';
import {
  API_TOKEN,
  historyEvents,
  lastActivityStart,
  pendingRows,
  printFigures,
  quiet,
  waitFor,
  workerEnv,
} from './fault-support';

const HEARTBEAT_TIMEOUT_MS = 2_000;
/** Very large, so that a retry "within about the heartbeat timeout" is told apart from it. */
const START_TO_CLOSE_MS = 3_600_000;

/** Timings shared by the worker process and the in-process worker that takes over. */
const TIMINGS = {
  TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
  TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: String(START_TO_CLOSE_MS),
  TRANSCRIBER_REQUEST_TIMEOUT_MS: String(START_TO_CLOSE_MS / 2),
  TRANSCRIBE_WATCH_DEADLINE_MS: String(START_TO_CLOSE_MS / 2),
  TRANSCRIBE_STATUS_POLL_INTERVAL_MS: '200',
  TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '200',
  TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '1000',
  TRANSCRIBE_MAX_ATTEMPTS: '5',
  MAX_CONCURRENT_TRANSCRIPTIONS: '1',
};

let temporal: TemporalHarness;
let supabase: PostgrestDouble;
let store: SupabaseFileStore;
let simulator: TranscriberSimulator;
const processes: WorkerProcess[] = [];
let bundleDir: string;
let bundlePath: string;

beforeAll(async () => {
  [temporal, supabase] = await Promise.all([startTemporal(), PostgrestDouble.start()]);
  store = new SupabaseFileStore({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey });
  // The worker processes load the workflow bundle built ahead of time, as the production image
  // does (WORKFLOW_BUNDLE_PATH), instead of bundling at every start.
  bundleDir = mkdtempSync(path.join(tmpdir(), 'faults-bundle-'));
  bundlePath = path.join(bundleDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, temporal.bundle.code);
});

beforeEach(async () => {
  await supabase.query('delete from audio_files');
  simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 50, logger: quiet });
});

afterEach(async () => {
  await Promise.all(processes.splice(0).map((child) => child.stop()));
  await simulator?.stop();
});

afterAll(async () => {
  await supabase?.stop();
  await temporal?.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** The in-process worker that takes over, configured like the process it replaces. */
async function takeOverWorker(taskQueue: string): Promise<Worker> {
  const config = testConfig(temporal, {
    ...TIMINGS,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    TRANSCRIBER_URL: simulator.url,
    API_TOKEN,
  });
  return createTestWorker(temporal, config, store);
}

function startWorkerProcess(taskQueue: string, vars: Record<string, string> = {}): WorkerProcess {
  const child = spawnWorkerProcess(
    workerEnv(temporal.address, taskQueue, supabase, simulator.url, {
      ...TIMINGS,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      ...vars,
    }),
  );
  processes.push(child);
  return child;
}

test('case 1: SIGKILL of the worker mid-transcription: retried within about the heartbeat timeout, completed, never two requests at once', async () => {
  const rows = pendingRows(2);
  const [slow, quick] = rows.map((row) => row.file_path!);
  await supabase.insertRows(rows);
  simulator.setLatency((filePath) => (filePath === slow ? 6_000 : 50));
  const taskQueue = `faults-${randomUUID()}`;
  const spawnedAt = Date.now();
  const child = startWorkerProcess(taskQueue);
  await child.ready;
  const workerProcessStartMs = Date.now() - spawnedAt;

  const dispatch = await temporal.env.client.workflow.start(dispatchPendingFiles, {
    workflowId: `dispatch-kill-${taskQueue}`,
    taskQueue,
    args: [{}],
  });
  await waitFor(
    () => simulator.stats.inFlightPaths().includes(slow),
    'the request for the slow file',
  );
  child.kill('SIGKILL');
  const killedAt = Date.now();
  await child.exited;

  const worker = await takeOverWorker(taskQueue);
  const result = await worker.runUntil(dispatch.result());

  const events = await historyEvents(temporal.env.client, transcribeWorkflowId(slow));
  const retry = lastActivityStart(events)!;
  const retryDelayMs = retry.startedAtMs - killedAt;
  const fileResult = await temporal.env.client.workflow
    .getHandle(transcribeWorkflowId(slow))
    .result();
  printFigures('case 1 worker killed', {
    workerProcessStartMs,
    attempts: retry.attempt,
    retryDelayMs,
    heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
    startToCloseMs: START_TO_CLOSE_MS,
    retryCause: retry.lastFailure,
    retryCauseTimeoutType: retry.lastFailureTimeoutType,
    outcome: fileResult.outcome,
    requestsForFile: simulator.stats.requestsByPath.get(slow),
    maxConcurrentPerPath: simulator.stats.maxConcurrentPerPath,
    dispatch: result,
  });

  expect(retry.attempt).toBe(2);
  // The proof that the retry came from the heartbeat timeout, not the hour-long start-to-close
  // (the delay itself is only printed: this machine's timing is noisy).
  expect(retry.lastFailureTimeoutType).toBe('TIMEOUT_TYPE_HEARTBEAT');
  expect(fileResult.outcome).toBe('completed-by-earlier-request');
  expect(simulator.stats.requestsByPath.get(slow)).toBe(1);
  expect(simulator.stats.maxConcurrentPerPath).toBe(1);
  expect(await supabase.statusOf(slow)).toBe('completed');
  expect(await supabase.statusOf(quick)).toBe('completed');
  expect(result).toMatchObject({ found: 2, started: 2, succeeded: 2, failed: 0 });
});

test('case 3: the retry after a crash finds the row completed: no new request is sent', async () => {
  const [row] = pendingRows(1);
  const filePath = row.file_path!;
  await supabase.insertRows([{ ...row, transcriptions_status: 'processing' }]);
  simulator.setLatency(1_500);
  const taskQueue = `faults-${randomUUID()}`;
  const child = startWorkerProcess(taskQueue);
  await child.ready;
  const config = testConfig(temporal, { ...TIMINGS, TEMPORAL_TASK_QUEUE: taskQueue });

  const handle = await temporal.env.client.workflow.start(transcribeFile, {
    workflowId: transcribeWorkflowId(filePath),
    taskQueue,
    args: [{ filePath, settings: config.transcribeActivity }],
  });
  await waitFor(() => simulator.stats.inFlightPaths().includes(filePath), 'the request');
  child.kill('SIGKILL');
  await child.exited;
  // The transcriber finishes the work of the dead worker's request before any retry starts.
  await simulator.idle();
  const statusBeforeRetry = await supabase.statusOf(filePath);

  const worker = await takeOverWorker(taskQueue);
  const result = await worker.runUntil(handle.result());

  const retry = lastActivityStart(await historyEvents(temporal.env.client, handle.workflowId))!;
  printFigures('case 3 retry finds the work done', {
    statusBeforeRetry,
    attempts: retry.attempt,
    retryCause: retry.lastFailure,
    outcome: result.outcome,
    requests: simulator.stats.requests,
    requestsForFile: simulator.stats.requestsByPath.get(filePath),
  });
  expect(statusBeforeRetry).toBe('completed');
  expect(retry.attempt).toBe(2);
  expect(result).toMatchObject({ outcome: 'already-completed', attempt: 2 });
  expect(simulator.stats.requests).toBe(1);
});

describe('case 11: SIGTERM to the worker process (graceful shutdown, grace time = heartbeat timeout)', () => {
  async function sigtermDuringTranscription(latencyMs: number, graceMs: number) {
    const [row] = pendingRows(1);
    const filePath = row.file_path!;
    await supabase.insertRows([{ ...row, transcriptions_status: 'processing' }]);
    simulator.setLatency(latencyMs);
    const taskQueue = `faults-${randomUUID()}`;
    const vars = { TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: String(graceMs) };
    const child = startWorkerProcess(taskQueue, vars);
    await child.ready;
    const config = testConfig(temporal, { ...TIMINGS, ...vars, TEMPORAL_TASK_QUEUE: taskQueue });
    const handle = await temporal.env.client.workflow.start(transcribeFile, {
      workflowId: transcribeWorkflowId(filePath),
      taskQueue,
      args: [{ filePath, settings: config.transcribeActivity }],
    });
    await waitFor(() => simulator.stats.inFlightPaths().includes(filePath), 'the request');
    const sigtermAt = Date.now();
    child.kill('SIGTERM');
    const exit = await child.exited;
    const shutdownMs = Date.now() - sigtermAt;
    const statusAtExit = await supabase.statusOf(filePath);
    const pendingAtExit = (await handle.describe()).raw.pendingActivities ?? [];

    // A new worker takes over whatever was handed over.
    const worker = await takeOverWorker(taskQueue);
    const result = await worker.runUntil(handle.result());
    const last = lastActivityStart(await historyEvents(temporal.env.client, handle.workflowId))!;
    return {
      filePath,
      exit,
      shutdownMs,
      statusAtExit,
      pendingAtExit,
      result,
      last,
      output: child.output(),
    };
  }

  test('a transcription shorter than the grace time finishes on the stopping worker', async () => {
    const graceMs = 10_000;
    const run = await sigtermDuringTranscription(1_500, graceMs);
    printFigures('case 11a SIGTERM, work finishes within the grace time', {
      graceMs,
      shutdownMs: run.shutdownMs,
      exit: run.exit,
      statusAtExit: run.statusAtExit,
      attempts: run.last.attempt,
      outcome: run.result.outcome,
      requests: simulator.stats.requests,
    });
    expect(run.exit).toEqual({ code: 0, signal: null });
    // The wait is said, not silent.
    expect(run.output).toContain(
      'SIGTERM: waiting up to 10 s for 1 activity in flight to finish (the heartbeat timeout)',
    );
    expect(run.statusAtExit).toBe('completed');
    expect(run.pendingAtExit).toHaveLength(0);
    expect(run.result).toMatchObject({ outcome: 'transcribed', attempt: 1 });
    expect(simulator.stats.requests).toBe(1);
  });

  test('a longer transcription is cancelled at the end of the grace time and handed over: the retry watches the row, nothing is sent twice', async () => {
    const graceMs = 2_000;
    const run = await sigtermDuringTranscription(8_000, graceMs);
    const pending = run.pendingAtExit[0];
    printFigures('case 11b SIGTERM, work handed over', {
      graceMs,
      shutdownMs: run.shutdownMs,
      exit: run.exit,
      statusAtExit: run.statusAtExit,
      pendingAttemptAtExit: pending?.attempt,
      handedOverBecause: pending?.lastFailure?.message,
      attempts: run.last.attempt,
      outcome: run.result.outcome,
      requests: simulator.stats.requests,
      maxConcurrentPerPath: simulator.stats.maxConcurrentPerPath,
    });
    expect(run.exit).toEqual({ code: 0, signal: null });
    expect(run.statusAtExit).toBe('processing');
    // Handed over: the attempt is reported failed by the stopping worker itself (not left to time
    // out), and its retry waits for a worker.
    expect(pending?.attempt).toBe(2);
    expect(pending?.lastFailure?.message).toContain('The worker shut down');
    expect(run.result).toMatchObject({ outcome: 'completed-by-earlier-request', attempt: 2 });
    expect(simulator.stats.requests).toBe(1);
    expect(simulator.stats.maxConcurrentPerPath).toBe(1);
    expect(await supabase.statusOf(run.filePath)).toBe('completed');
  });
});
