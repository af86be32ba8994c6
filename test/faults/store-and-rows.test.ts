/**
 * Fault cases 7, 9 and 12 of issue 4: Supabase down or erroring at dispatch time, rows stuck in
 * `processing`, malformed and duplicated rows. Real Temporal dev server, the product's worker,
 * supabase-js over HTTP against the PostgREST double, the simulator as an HTTP server.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { AppConfig, StoreRetrySettings } from '../../src/config/app-config';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import { dispatchPendingFiles, transcribeFile } from '../../workflows';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  captureWorkerLogs,
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import {
  API_TOKEN,
  audioPath,
  collectRetryIntervals,
  pendingActivity,
  pendingRows,
  printFigures,
  quiet,
  statusCounts,
  waitFor,
} from './fault-support';

let temporal: TemporalHarness;
let supabase: PostgrestDouble;
let store: SupabaseFileStore;
let simulator: TranscriberSimulator;

beforeAll(async () => {
  [temporal, supabase] = await Promise.all([startTemporal(), PostgrestDouble.start()]);
  store = new SupabaseFileStore({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey });
});

beforeEach(async () => {
  supabase.setFailure(null);
  await supabase.query('delete from audio_files');
  simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 30, logger: quiet });
});

afterEach(async () => {
  supabase.setFailure(null);
  await simulator?.stop();
});

afterAll(async () => {
  await supabase?.stop();
  await temporal?.stop();
});

function config(vars: Record<string, string> = {}): AppConfig {
  return testConfig(temporal, {
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    TRANSCRIBER_URL: simulator.url,
    API_TOKEN,
    MAX_CONCURRENT_TRANSCRIPTIONS: '2',
    ...vars,
  });
}

/**
 * Starts a dispatch; with `storeRetry`, its store activities retry on that policy instead of the
 * product's (5 s doubling to 2 min, 20 attempts), so that an outage plays out in seconds.
 */
function startDispatch(appConfig: AppConfig, name: string, storeRetry?: StoreRetrySettings) {
  return temporal.env.client.workflow.start(dispatchPendingFiles, {
    workflowId: `dispatch-${name}-${appConfig.temporal.taskQueue}`,
    taskQueue: appConfig.temporal.taskQueue,
    args: [storeRetry ? { settings: { ...appConfig.dispatch, storeRetry } } : {}],
  });
}

describe('case 7: Supabase unavailable or erroring when the dispatch reads it', () => {
  test('7a: unreachable for a while when the pending rows are read: the list activity retries with backoff, no row changes, then the same dispatch takes them all', async () => {
    const rows = pendingRows(4);
    await supabase.insertRows(rows);
    const appConfig = config();
    const storeRetry = { initialIntervalMs: 200, maximumIntervalMs: 800, maximumAttempts: 30 };
    const worker = await createTestWorker(temporal, appConfig, store);
    // Only the read of pending rows (the other reads and writes go through): the outage meets
    // listPendingFiles itself, after the dispatch has checked for stuck rows.
    supabase.setFailure(
      'refuse',
      ({ method, url }) =>
        method === 'GET' && url.searchParams.get('transcriptions_status') === 'eq.pending',
    );

    const figures = await worker.runUntil(async () => {
      const dispatch = await startDispatch(appConfig, 'store-down', storeRetry);
      let reading: Awaited<ReturnType<typeof pendingActivity>>;
      const fiveAttempts = waitFor(async () => {
        reading = await pendingActivity(temporal.env.client, dispatch.workflowId);
        return (reading?.attempt ?? 0) >= 5;
      }, 'five attempts against the unreachable store');
      const { intervalsMs } = await collectRetryIntervals(
        temporal.env.client,
        dispatch.workflowId,
        fiveAttempts,
      );
      await fiveAttempts;
      // Read the table directly (SQL), not through the refusing HTTP layer.
      const statusesDuringOutage = await statusCounts(supabase);
      supabase.setFailure(null);
      const result = await dispatch.result();
      return { reading: reading!, statusesDuringOutage, intervalsMs, result };
    });
    printFigures('case 7a store unreachable', {
      activity: figures.reading.activityType,
      attemptsSeen: figures.reading.attempt,
      lastFailure: figures.reading.lastFailure,
      retryIntervalsMsByFailedAttempt: figures.intervalsMs,
      statusesDuringOutage: figures.statusesDuringOutage,
      dispatch: figures.result,
      statusesAfter: await statusCounts(supabase),
    });
    expect(figures.reading.activityType).toBe('listPendingFiles');
    expect(figures.reading.lastFailure).toContain(`Supabase (${new URL(supabase.url).host})`);
    expect(figures.reading.lastFailure).toContain('listPending');
    expect(figures.statusesDuringOutage).toEqual({ pending: 4 });
    expect(Object.keys(figures.intervalsMs).length).toBeGreaterThan(0);
    for (const [attempt, ms] of Object.entries(figures.intervalsMs)) {
      expect(ms).toBe(Math.min(200 * 2 ** (Number(attempt) - 1), 800));
    }
    expect(figures.result).toMatchObject({ found: 4, started: 4, succeeded: 4, failed: 0 });
    expect(await statusCounts(supabase)).toEqual({ completed: 4 });
  });

  test('7b: erroring (HTTP 503) past the retry budget: the dispatch fails with the reason, no row changed, the next dispatch takes them', async () => {
    const rows = pendingRows(3);
    await supabase.insertRows(rows);
    const appConfig = config();
    const storeRetry = { initialIntervalMs: 200, maximumIntervalMs: 400, maximumAttempts: 3 };
    const worker = await createTestWorker(temporal, appConfig, store);
    supabase.setFailure({ status: 503, message: 'upstream unavailable' });

    const { failure, statusesAfterFailure, next } = await worker.runUntil(async () => {
      const first = await startDispatch(appConfig, 'store-503', storeRetry);
      const error: unknown = await first.result().catch((e: unknown) => e);
      const statuses = await statusCounts(supabase);
      supabase.setFailure(null);
      const second = await startDispatch(appConfig, 'store-503-next');
      return {
        failure: error as WorkflowFailedError,
        statusesAfterFailure: statuses,
        next: await second.result(),
      };
    });
    // WorkflowFailedError → ActivityFailure → the activity's ApplicationFailure.
    const reason = (failure.cause?.cause as Error | undefined)?.message ?? '';
    printFigures('case 7b store erroring past the retry budget', {
      dispatchFailedWith: reason,
      statusesAfterFailure,
      nextDispatch: next,
      statusesAfter: await statusCounts(supabase),
    });
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(reason).toContain(`Supabase (${new URL(supabase.url).host})`);
    expect(reason).toContain('HTTP 503');
    expect(statusesAfterFailure).toEqual({ pending: 3 });
    expect(next).toMatchObject({ found: 3, started: 3, succeeded: 3, released: 0 });
    expect(await statusCounts(supabase)).toEqual({ completed: 3 });
  });
});

test('case 9: rows stuck in processing with no running workflow are put back in play; rows whose workflow runs are left alone', async () => {
  const rows = pendingRows(4);
  const [running, ...neverStarted] = rows.map((row) => row.file_path!);
  await supabase.insertRows(rows);
  const terminated = audioPath('d-terminat', 3);
  simulator.setLatency((filePath) => (filePath === running ? 6_000 : 30));
  const appConfig = config({ MAX_CONCURRENT_TRANSCRIPTIONS: '1' });
  const worker = await createTestWorker(temporal, appConfig, store);
  const client = temporal.env.client;

  const figures = await worker.runUntil(async () => {
    // The first dispatch marks its four rows processing, starts the first file, and is
    // terminated: the running file workflow goes on (ABANDON), the other three are never started.
    const first = await startDispatch(appConfig, 'terminated');
    await waitFor(() => simulator.stats.inFlightPaths().includes(running), 'the first file');
    await first.terminate('test: an operator ends the dispatch');
    // And a row whose file workflow was terminated mid-way (its bookkeeping never ran).
    await supabase.insertRows([
      {
        file_path: terminated,
        device_id: 'd-terminat',
        created_at: '2026-11-30T00:00:00.000Z',
        transcriptions_status: 'processing',
      },
    ]);
    const doomed = await client.workflow.start(transcribeFile, {
      workflowId: transcribeWorkflowId(terminated),
      taskQueue: `nowhere-${appConfig.temporal.taskQueue}`,
      args: [{ filePath: terminated, settings: appConfig.transcribeActivity }],
    });
    await doomed.terminate('test: a file workflow ended without its bookkeeping');
    const stuck = await statusCounts(supabase);

    const seenStatusesOfRunning = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        seenStatusesOfRunning.add(String(await supabase.statusOf(running)));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const next = await (await startDispatch(appConfig, 'next')).result();
    await client.workflow.getHandle(transcribeWorkflowId(running)).result();
    sampling = false;
    await sampler;
    return { stuck, next, seenStatusesOfRunning: [...seenStatusesOfRunning] };
  });
  printFigures('case 9 stuck rows', {
    statusesBeforeNextDispatch: figures.stuck,
    nextDispatch: figures.next,
    statusesSeenForTheRunningFile: figures.seenStatusesOfRunning,
    requestsForTheRunningFile: simulator.stats.requestsByPath.get(running),
    statusesAfter: await statusCounts(supabase),
  });
  expect(figures.stuck).toEqual({ processing: 5 });
  expect(figures.next).toMatchObject({
    released: 4,
    alreadyRunning: 1,
    found: 4,
    started: 4,
    succeeded: 4,
    failed: 0,
  });
  expect(figures.seenStatusesOfRunning).not.toContain('pending');
  expect(simulator.stats.requestsByPath.get(running)).toBe(1);
  for (const filePath of [...neverStarted, terminated]) {
    expect(simulator.stats.requestsByPath.get(filePath)).toBe(1);
  }
  expect(await statusCounts(supabase)).toEqual({ completed: 5 });
});

test('case 12: empty, malformed and duplicated file_path rows are reported and logged; the rest proceed', async () => {
  const good = pendingRows(3);
  const at = (second: number) => new Date(Date.UTC(2026, 10, 30, 0, 0, second)).toISOString();
  const bad = [
    { file_path: null, device_id: 'd-1', created_at: at(1), transcriptions_status: 'pending' },
    { file_path: '', device_id: 'd-1', created_at: at(2), transcriptions_status: 'pending' },
    { file_path: 'garbage', device_id: 'd-1', created_at: at(3), transcriptions_status: 'pending' },
    {
      file_path: 'files/d-1/2026-12-01/25-70/audio.wav',
      device_id: 'd-1',
      created_at: at(4),
      transcriptions_status: 'pending',
    },
    // A second row for a path that is also a good row: sent once.
    { ...good[0], created_at: at(5) },
  ];
  await supabase.insertRows([...bad, ...good]);
  // A per-run cap below the rows read: skipped rows must not use it up, or old bad rows would
  // starve every valid file behind them.
  const appConfig = config({ BATCH_SIZE: '3', MAX_FILES_PER_RUN: '4' });
  const worker = await createTestWorker(temporal, appConfig, store);
  const logs = captureWorkerLogs();
  const result = await worker.runUntil(
    temporal.env.client.workflow.execute(dispatchPendingFiles, {
      workflowId: `dispatch-bad-rows-${appConfig.temporal.taskQueue}`,
      taskQueue: appConfig.temporal.taskQueue,
      args: [{}],
    }),
  );
  logs.stop();
  const skippedLogs = logs.entries.filter((entry) => entry.message.startsWith('Skipping row'));
  printFigures('case 12 bad rows', {
    dispatch: result,
    warningsLogged: skippedLogs.map((entry) => entry.message),
    requests: simulator.stats.requests,
  });
  expect(result).toMatchObject({
    found: 8,
    invalid: 4,
    duplicates: 1,
    started: 3,
    succeeded: 3,
    failed: 0,
    capReached: false,
  });
  expect(result.skippedRows.map((row) => row.reason)).toEqual([
    'file_path is empty',
    'file_path is empty',
    expect.stringContaining('"garbage" is not of the form'),
    expect.stringContaining('impossible time block 25-70'),
    expect.stringContaining('appears in more than one row'),
  ]);
  expect(skippedLogs).toHaveLength(5);
  expect(skippedLogs.every((entry) => entry.level === 'WARN')).toBe(true);
  expect(simulator.stats.requests).toBe(3);
  for (const row of good) expect(await supabase.statusOf(row.file_path!)).toBe('completed');
  // The malformed rows are left as they were, for a person to fix.
  expect(await statusCounts(supabase)).toEqual({ completed: 4, pending: 4 });
});
