/**
 * Fault cases 2, 4, 5 and 6 of issue 4: the transcriber answers late, drops the connection,
 * restarts, is unreachable, keeps failing a file, or rejects the request. Real Temporal dev
 * server, the product's worker, the Supabase double over HTTP, the simulator as an HTTP server.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { AppConfig } from '../../src/config/app-config';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import { upsertTranscriptionSchedule } from '../../src/temporal/transcription-schedule';
import { dispatchPendingFiles, transcribeFile } from '../../workflows';
import type { DispatchResult } from '../../workflows/dispatch-pending-files';
import type { TranscribeFileResult } from '../../workflows/transcribe-file';
import { freeLoopbackPort as freePort } from '../../src/metrics/free-port';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import {
  API_TOKEN,
  collectRetryIntervals,
  eventMillis,
  historyEvents,
  lastActivityStart,
  pendingActivity,
  pendingRows,
  printFigures,
  quiet,
  waitFor,
} from './fault-support';
import { temporal as proto } from '@temporalio/proto';

let temporal: TemporalHarness;
let supabase: PostgrestDouble;
let store: SupabaseFileStore;
const simulators: TranscriberSimulator[] = [];

beforeAll(async () => {
  [temporal, supabase] = await Promise.all([startTemporal(), PostgrestDouble.start()]);
  store = new SupabaseFileStore({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey });
});

beforeEach(async () => {
  await supabase.query('delete from audio_files');
});

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((simulator) => simulator.stop()));
});

afterAll(async () => {
  await supabase?.stop();
  await temporal?.stop();
});

async function startSimulator(port = 0, latencyMs = 50): Promise<TranscriberSimulator> {
  const simulator = await TranscriberSimulator.start({ store, port, latencyMs, logger: quiet });
  simulators.push(simulator);
  return simulator;
}

function config(transcriberUrl: string, vars: Record<string, string> = {}): AppConfig {
  return testConfig(temporal, {
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    TRANSCRIBER_URL: transcriberUrl,
    API_TOKEN,
    ...vars,
  });
}

/** One row in `processing` (as the dispatch leaves it) and its file workflow, run to the end. */
async function transcribeOne(
  appConfig: AppConfig,
  during: (filePath: string) => Promise<void> = () => Promise.resolve(),
): Promise<{ filePath: string; result?: TranscribeFileResult; error?: WorkflowFailedError }> {
  const [row] = pendingRows(1, [`d-${randomUUID().slice(0, 8)}`]);
  const filePath = row.file_path!;
  await supabase.insertRows([{ ...row, transcriptions_status: 'processing' }]);
  const worker = await createTestWorker(temporal, appConfig, store);
  return worker.runUntil(async () => {
    const handle = await temporal.env.client.workflow.start(transcribeFile, {
      workflowId: transcribeWorkflowId(filePath),
      taskQueue: appConfig.temporal.taskQueue,
      args: [{ filePath, settings: appConfig.transcribeActivity }],
    });
    await during(filePath);
    try {
      return { filePath, result: await handle.result() };
    } catch (error) {
      if (!(error instanceof WorkflowFailedError)) throw error;
      return { filePath, error };
    }
  });
}

const EventType = proto.api.enums.v1.EventType;

describe('case 2: the client stops waiting while the transcriber keeps working', () => {
  test('2a: an answer after the client timeout: no failure, no resend; the row is watched until completed', async () => {
    const simulator = await startSimulator(0, 5_000);
    const appConfig = config(simulator.url, {
      TRANSCRIBER_REQUEST_TIMEOUT_MS: '1000',
      TRANSCRIBE_WATCH_DEADLINE_MS: '60000',
      TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: '2000',
    });
    const { filePath, result } = await transcribeOne(appConfig);
    const started = lastActivityStart(
      await historyEvents(temporal.env.client, transcribeWorkflowId(filePath)),
    )!;
    const entry = simulator.stats.processingLog[0];
    printFigures('case 2a answer after the client timeout', {
      requestTimeoutMs: 1000,
      transcriberTookMs: entry.finishedAt! - entry.startedAt,
      heartbeatTimeoutMs: 2000,
      attempts: started.attempt,
      outcome: result?.outcome,
      requests: simulator.stats.requests,
    });
    // Watching lasted longer than the heartbeat timeout, on the first attempt: it heartbeated.
    expect(result).toMatchObject({ outcome: 'completed-by-earlier-request', attempt: 1 });
    expect(simulator.stats.requests).toBe(1);
    expect(await supabase.statusOf(filePath)).toBe('completed');
  });

  test('2b: no completed row by the deadline: the attempt fails then, not before, with the reason', async () => {
    const simulator = await startSimulator(0, 120_000);
    const requestTimeoutMs = 1_000;
    const watchDeadlineMs = 3_000;
    const appConfig = config(simulator.url, {
      TRANSCRIBER_REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      TRANSCRIBE_WATCH_DEADLINE_MS: String(watchDeadlineMs),
      TRANSCRIBE_MAX_ATTEMPTS: '1',
    });
    const { filePath, error } = await transcribeOne(appConfig);
    const events = await historyEvents(temporal.env.client, transcribeWorkflowId(filePath));
    const started = lastActivityStart(events)!;
    const failedEvent = events.find(
      (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    )!;
    const failedAfterMs = eventMillis(failedEvent) - started.startedAtMs;
    const reason = error?.cause?.message ?? '';
    printFigures('case 2b watch deadline', {
      requestTimeoutMs,
      watchDeadlineMs,
      failedAfterMs,
      attempts: started.attempt,
      requests: simulator.stats.requests,
      row: await supabase.statusOf(filePath),
      reason,
    });
    expect(failedAfterMs).toBeGreaterThanOrEqual(requestTimeoutMs + watchDeadlineMs);
    expect(reason).toContain('gave no answer within 1 s');
    expect(reason).toContain('watch deadline');
    expect(reason).toContain('gave up after 1 attempt)');
    expect(simulator.stats.requests).toBe(1);
    expect(await supabase.statusOf(filePath)).toBe('failed');
  });

  test('2c: the connection is cut while the transcriber keeps working: the row is watched, nothing resent', async () => {
    const simulator = await startSimulator(0, 3_000);
    simulator.setDropConnections({ afterMs: 300 });
    const appConfig = config(simulator.url, {
      TRANSCRIBER_REQUEST_TIMEOUT_MS: '600000',
      TRANSCRIBE_WATCH_DEADLINE_MS: '600000',
      TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: '1200000',
    });
    const { filePath, result } = await transcribeOne(appConfig);
    printFigures('case 2c connection cut', {
      connectionsDropped: simulator.stats.connectionsDropped,
      outcome: result?.outcome,
      attempt: result?.attempt,
      requests: simulator.stats.requests,
      maxConcurrentPerPath: simulator.stats.maxConcurrentPerPath,
    });
    expect(simulator.stats.connectionsDropped).toBe(1);
    expect(result).toMatchObject({ outcome: 'completed-by-earlier-request', attempt: 1 });
    expect(simulator.stats.requests).toBe(1);
    expect(await supabase.statusOf(filePath)).toBe('completed');
  });

  test('2d: the transcriber restarts mid-request and loses the work: it is sent again at once, not after the watch deadline', async () => {
    const port = await freePort();
    const first = await startSimulator(port, 60_000);
    const watchLimitMs = 600_000 + 600_000;
    const appConfig = config(first.url, {
      TRANSCRIBER_REQUEST_TIMEOUT_MS: '600000',
      TRANSCRIBE_WATCH_DEADLINE_MS: '600000',
      TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: '1200000',
    });
    let second: TranscriberSimulator | undefined;
    const startedAt = Date.now();
    const { filePath, result } = await transcribeOne(appConfig, async (path) => {
      await waitFor(() => first.stats.inFlightPaths().includes(path), 'the request');
      await first.stop(); // the transcriber dies: connections reset, the file's work is lost
      second = await startSimulator(port, 100);
    });
    const tookMs = Date.now() - startedAt;
    const started = lastActivityStart(
      await historyEvents(temporal.env.client, transcribeWorkflowId(filePath)),
    )!;
    printFigures('case 2d transcriber restarted', {
      tookMs,
      watchLimitMs,
      attempts: started.attempt,
      firstAttemptFailure: started.lastFailure,
      outcome: result?.outcome,
      requestsBeforeRestart: first.stats.requests,
      requestsAfterRestart: second?.stats.requests,
    });
    expect(result).toMatchObject({ outcome: 'transcribed', attempt: 2 });
    // The proof that the watch ended early: its reason (the time taken is only printed).
    expect(started.lastFailure).toContain('no longer running');
    expect(first.stats.requests + second!.stats.requests).toBe(2);
    expect(await supabase.statusOf(filePath)).toBe('completed');
  });
});

describe('case 4: transcriber unreachable', () => {
  test('4a: connection refused: retried with backoff, the failure names host and cause, the schedule keeps firing, files complete when it is back', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const rows = pendingRows(2);
    await supabase.insertRows(rows);
    const appConfig = config(url, {
      TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '500',
      TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '2000',
      TRANSCRIBE_MAX_ATTEMPTS: '20',
      MAX_CONCURRENT_TRANSCRIPTIONS: '1',
    });
    const client = temporal.env.client;
    const scheduleSettings = { ...appConfig.schedule, taskQueue: appConfig.temporal.taskQueue };
    await upsertTranscriptionSchedule(client, scheduleSettings);
    const schedule = client.schedule.getHandle(appConfig.schedule.id);
    // The product's schedule, made to fire every 2 s so that firing during the outage shows.
    await schedule.update((previous) => ({ ...previous, spec: { intervals: [{ every: '2s' }] } }));
    const worker = await createTestWorker(temporal, appConfig, store);
    const firstFile = transcribeWorkflowId(rows[0].file_path!);

    const figures = await worker.runUntil(async () => {
      const intervals = new Map<number, number>();
      let failure: string | undefined;
      await waitFor(
        async () => {
          const pending = await pendingActivity(client, firstFile).catch(() => undefined);
          if (pending?.currentRetryIntervalMs !== undefined) {
            // While an attempt waits for its retry, Temporal shows the backoff it applied.
            intervals.set(pending.attempt - 1, pending.currentRetryIntervalMs);
            failure = pending.lastFailure;
          }
          return (pending?.attempt ?? 0) >= 5;
        },
        'five attempts',
        60_000,
        100,
      );
      const during = await schedule.describe();
      const dispatchId = during.info.runningActions[0]?.workflow.workflowId;
      // The transcriber comes back on the same address.
      await startSimulator(port);
      const dispatched = (await client.workflow.getHandle(dispatchId).result()) as DispatchResult;
      await schedule.delete();
      return { intervals, failure, during, dispatched };
    });

    const delays = [...figures.intervals.entries()].sort(([a], [b]) => a - b);
    printFigures('case 4a connection refused', {
      retryIntervalsMsByFailedAttempt: Object.fromEntries(delays),
      failure: figures.failure,
      scheduleActionsTaken: figures.during.info.numActionsTaken,
      scheduleSkippedOverlap: figures.during.info.numActionsSkippedOverlap,
      schedulePaused: figures.during.state.paused,
      dispatch: figures.dispatched,
    });
    expect(figures.failure).toContain(`127.0.0.1:${port}`);
    expect(figures.failure).toContain('connection refused');
    const values = delays.map(([, ms]) => ms);
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values[values.length - 1]).toBeGreaterThan(values[0]);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(figures.during.state.paused).toBe(false);
    expect(figures.during.info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(1);
    expect(figures.dispatched).toMatchObject({ found: 2, started: 2, succeeded: 2, failed: 0 });
    expect(await supabase.statusOf(rows[0].file_path!)).toBe('completed');
    expect(await supabase.statusOf(rows[1].file_path!)).toBe('completed');
  });

  test('4b: DNS failure (host.docker.internal): retried, the failure names the host and the fix; cancelling gives the row back', async () => {
    const appConfig = config('http://host.docker.internal:8001', {
      TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '300',
      TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '600',
      TRANSCRIBE_MAX_ATTEMPTS: '20',
    });
    let reading: Awaited<ReturnType<typeof pendingActivity>>;
    const { filePath, error } = await transcribeOne(appConfig, async (path) => {
      const id = transcribeWorkflowId(path);
      await waitFor(
        async () => {
          reading = await pendingActivity(temporal.env.client, id).catch(() => undefined);
          return (reading?.attempt ?? 0) >= 3;
        },
        'three attempts',
        60_000,
        100,
      );
      await temporal.env.client.workflow.getHandle(id).cancel();
    });
    printFigures('case 4b DNS failure', {
      attempts: reading!.attempt,
      failure: reading!.lastFailure,
      workflow: error?.cause?.name,
      rowAfterCancel: await supabase.statusOf(filePath),
    });
    expect(reading!.lastFailure).toContain('DNS lookup failed for host.docker.internal');
    expect(reading!.lastFailure).toContain('does not resolve on Linux');
    expect(reading!.lastFailure).toContain('http://api-transcriber:8001');
    expect(error?.cause?.name).toBe('CancelledFailure');
    expect(await supabase.statusOf(filePath)).toBe('pending');
  });
});

test('case 5: a poison file: exactly the configured attempts, then failed with the reason; the other files are unaffected', async () => {
  const rows = pendingRows(3);
  const poison = rows[1].file_path!;
  await supabase.insertRows(rows);
  const simulator = await startSimulator();
  simulator.setFailPattern(new RegExp(`^${poison.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  const appConfig = config(simulator.url, {
    TRANSCRIBE_MAX_ATTEMPTS: '4',
    TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '200',
    TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '800',
    MAX_CONCURRENT_TRANSCRIPTIONS: '2',
  });
  const worker = await createTestWorker(temporal, appConfig, store);
  const [result, retries] = await worker.runUntil(async () => {
    const dispatch = temporal.env.client.workflow.execute(dispatchPendingFiles, {
      workflowId: `dispatch-poison-${appConfig.temporal.taskQueue}`,
      taskQueue: appConfig.temporal.taskQueue,
      args: [{}],
    });
    return Promise.all([
      dispatch,
      collectRetryIntervals(temporal.env.client, transcribeWorkflowId(poison), dispatch),
    ]);
  });
  const failure = await temporal.env.client.workflow
    .getHandle(transcribeWorkflowId(poison))
    .result()
    .catch((error: unknown) => error as WorkflowFailedError);
  printFigures('case 5 poison file', {
    configuredAttempts: 4,
    requestsForPoison: simulator.stats.requestsByPath.get(poison),
    retryIntervalsMsByFailedAttempt: retries.intervalsMs,
    poisonRow: await supabase.statusOf(poison),
    reason: failure.cause?.message,
    dispatch: result,
  });
  expect(simulator.stats.requestsByPath.get(poison)).toBe(4);
  // Backoff as configured: 200 ms doubling up to 800 ms after failed attempt n.
  const seen = Object.entries(retries.intervalsMs);
  expect(seen.length).toBeGreaterThan(0);
  for (const [attempt, ms] of seen)
    expect(ms).toBe(Math.min(200 * 2 ** (Number(attempt) - 1), 800));
  expect(await supabase.statusOf(poison)).toBe('failed');
  expect(failure.cause?.message).toContain('error_files');
  expect(failure.cause?.message).toContain('gave up after 4 attempts');
  expect(result).toMatchObject({ found: 3, started: 3, succeeded: 2, failed: 1 });
  for (const row of [rows[0], rows[2]]) {
    expect(await supabase.statusOf(row.file_path!)).toBe('completed');
    expect(simulator.stats.requestsByPath.get(row.file_path!)).toBe(1);
  }
});

describe('case 6: the transcriber rejects the request', () => {
  test('6a: HTTP 400 (unsupported model): no retry, failed at once with the server message', async () => {
    const simulator = await startSimulator();
    // loadConfig refuses any model but "base" (test/config.test.ts); forced here, as a
    // transcriber that dropped a model would answer, to get the simulator's real 400.
    const baseConfig = config(simulator.url);
    const appConfig = {
      ...baseConfig,
      transcriber: { ...baseConfig.transcriber, model: 'large-v3' },
    };
    const { filePath, error } = await transcribeOne(appConfig);
    const reason = error?.cause?.message ?? '';
    printFigures('case 6a HTTP 400', {
      requests: simulator.stats.requests,
      row: await supabase.statusOf(filePath),
      reason,
    });
    expect(simulator.stats.requests).toBe(1);
    expect(reason).toContain('HTTP 400');
    expect(reason).toContain('Unsupported model: large-v3');
    expect(reason).toContain('not retryable, attempt 1');
    expect(await supabase.statusOf(filePath)).toBe('failed');
  });

  test('6b: HTTP 422 (validation error): no retry, failed at once with the server message', async () => {
    const simulator = await startSimulator();
    simulator.setHttpFailure({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'file_paths'], msg: 'Field required' }] },
    });
    const { filePath, error } = await transcribeOne(config(simulator.url));
    const reason = error?.cause?.message ?? '';
    printFigures('case 6b HTTP 422', {
      requests: simulator.stats.requests,
      row: await supabase.statusOf(filePath),
      reason,
    });
    expect(simulator.stats.requests).toBe(1);
    expect(reason).toContain('HTTP 422');
    expect(reason).toContain('Field required');
    expect(reason).toContain('not retryable, attempt 1');
    expect(await supabase.statusOf(filePath)).toBe('failed');
  });
});
