/**
 * Fault case 10 of issue 4: triggers while a dispatch runs, a long dispatch that continues as
 * new, and a file still running from an earlier dispatch. The product's schedule (overlap SKIP)
 * and its trigger on a real Temporal dev server; the product's worker; the Supabase double; the
 * simulator as an HTTP server.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { AppConfig } from '../../src/config/app-config';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import {
  triggerDispatch,
  upsertTranscriptionSchedule,
} from '../../src/temporal/transcription-schedule';
import type { DispatchResult } from '../../workflows/dispatch-pending-files';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import { API_TOKEN, pendingRows, printFigures, quiet, sleep, waitFor } from './fault-support';

let temporal: TemporalHarness;
let supabase: PostgrestDouble;
let store: SupabaseFileStore;
let simulator: TranscriberSimulator;

beforeAll(async () => {
  [temporal, supabase] = await Promise.all([startTemporal(), PostgrestDouble.start()]);
  store = new SupabaseFileStore({ url: supabase.url, serviceRoleKey: supabase.serviceRoleKey });
});

beforeEach(async () => {
  await supabase.query('delete from audio_files');
  simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 30, logger: quiet });
});

afterEach(async () => {
  await simulator?.stop();
});

afterAll(async () => {
  await supabase?.stop();
  await temporal?.stop();
});

async function scheduledSetup(vars: Record<string, string> = {}) {
  const appConfig: AppConfig = testConfig(temporal, {
    SUPABASE_URL: supabase.url,
    SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
    TRANSCRIBER_URL: simulator.url,
    API_TOKEN,
    // Fires only when triggered during the test.
    SCHEDULE_CRON: '0 0 1 1 *',
    MAX_CONCURRENT_TRANSCRIPTIONS: '1',
    ...vars,
  });
  await upsertTranscriptionSchedule(temporal.env.client, {
    ...appConfig.schedule,
    taskQueue: appConfig.temporal.taskQueue,
  });
  const worker = await createTestWorker(temporal, appConfig, store);
  return {
    appConfig,
    worker,
    schedule: temporal.env.client.schedule.getHandle(appConfig.schedule.id),
  };
}

async function runningDispatches(taskQueue: string): Promise<number> {
  const { count } = await temporal.env.client.workflow.count(
    `WorkflowType = 'dispatchPendingFiles' AND ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`,
  );
  return count;
}

test('case 10a: triggers during a long dispatch (which continues as new) are skipped; never two dispatches at once', async () => {
  await supabase.insertRows(pendingRows(12));
  simulator.setLatency(250);
  const { appConfig, worker, schedule } = await scheduledSetup({ DISPATCH_CHILDREN_PER_RUN: '10' });
  const client = temporal.env.client;
  const taskQueue = appConfig.temporal.taskQueue;

  const figures = await worker.runUntil(async () => {
    const first = await triggerDispatch(client, appConfig.schedule.id);
    expect(first.started).toBe(true);
    const dispatch = client.workflow.getHandle(first.workflowId!);
    let done = false;
    const finished = dispatch.result().finally(() => (done = true)) as Promise<DispatchResult>;
    // `done` turns true a moment after the dispatch closes on the server: a trigger in that
    // moment rightly starts a new one. Only the triggers answered before it closed count.
    const productTriggers: Array<{ answer: string; answeredAt: Date }> = [];
    let rawTriggers = 0;
    let maxRunning = 0;
    while (!done) {
      const answer = await triggerDispatch(client, appConfig.schedule.id);
      productTriggers.push({
        answer: answer.started ? 'started' : 'skipped',
        answeredAt: new Date(),
      });
      // Temporal's own overlap policy, without the product's check in front of it.
      await schedule.trigger(ScheduleOverlapPolicy.SKIP);
      rawTriggers += 1;
      maxRunning = Math.max(maxRunning, await runningDispatches(taskQueue));
      await sleep(300);
    }
    const result = await finished;
    // The chain's last run (the handle follows continue-as-new) and when it closed.
    const closedAt = (await dispatch.describe()).closeTime!;
    const description = await schedule.describe();
    const { count: dispatchesStarted } = await client.workflow.count(
      `WorkflowType = 'dispatchPendingFiles' AND TemporalScheduledById = '${appConfig.schedule.id}' ` +
        `AND ExecutionStatus != 'ContinuedAsNew' AND StartTime < '${closedAt.toISOString()}'`,
    );
    await schedule.delete();
    const duringDispatch = productTriggers
      .filter((trigger) => trigger.answeredAt < closedAt)
      .map((trigger) => trigger.answer);
    return { result, duringDispatch, rawTriggers, maxRunning, description, dispatchesStarted };
  });
  printFigures('case 10a overlapping triggers', {
    productTriggerAnswersDuringDispatch: figures.duringDispatch,
    rawTriggersWithSkip: figures.rawTriggers,
    scheduleSkippedOverlap: figures.description.info.numActionsSkippedOverlap,
    scheduleActionsTaken: figures.description.info.numActionsTaken,
    maxDispatchesRunningAtOnce: figures.maxRunning,
    dispatchChainsStartedBeforeFirstClosed: Number(figures.dispatchesStarted),
    dispatch: figures.result,
  });
  expect(figures.duringDispatch.length).toBeGreaterThanOrEqual(2);
  expect(figures.duringDispatch.every((answer) => answer === 'skipped')).toBe(true);
  expect(figures.description.info.numActionsSkippedOverlap).toBeGreaterThanOrEqual(1);
  expect(figures.maxRunning).toBe(1);
  expect(Number(figures.dispatchesStarted)).toBe(1);
  expect(figures.result).toMatchObject({ runs: 2, found: 12, started: 12, succeeded: 12 });
  expect(simulator.stats.maxConcurrentPerPath).toBe(1);
});

test('case 10b: a file started by an earlier dispatch and still running is reported alreadyRunning by the next one, and not sent again', async () => {
  const [row] = pendingRows(1);
  const filePath = row.file_path!;
  await supabase.insertRows([row]);
  simulator.setLatency(5_000);
  const { appConfig, worker, schedule } = await scheduledSetup();
  const client = temporal.env.client;

  const figures = await worker.runUntil(async () => {
    const first = await triggerDispatch(client, appConfig.schedule.id);
    await waitFor(() => simulator.stats.inFlightPaths().includes(filePath), 'the file');
    const whileRunning = await triggerDispatch(client, appConfig.schedule.id);
    // The earlier dispatch ends (an operator terminates it); its file workflow goes on.
    await client.workflow.getHandle(first.workflowId!).terminate('test: the earlier dispatch ends');
    await waitFor(
      async () => (await schedule.describe()).info.runningActions.length === 0,
      'the schedule to see the dispatch end',
    );
    // Scheduled workflow ids end in the start time to the second: a trigger within the same
    // second as the terminated run would reuse its id, which triggerDispatch cannot tell apart.
    await sleep(1_100);
    const second = await triggerDispatch(client, appConfig.schedule.id);
    const result = (await client.workflow.getHandle(second.workflowId!).result()) as DispatchResult;
    const fileResult = await client.workflow.getHandle(transcribeWorkflowId(filePath)).result();
    await schedule.delete();
    return { whileRunning, second, result, fileResult };
  });
  printFigures('case 10b alreadyRunning', {
    triggerWhileRunning: figures.whileRunning.message,
    nextDispatch: figures.result,
    fileOutcome: figures.fileResult,
    requestsForFile: simulator.stats.requestsByPath.get(filePath),
  });
  expect(figures.whileRunning.started).toBe(false);
  expect(figures.second.started).toBe(true);
  expect(figures.result).toMatchObject({ alreadyRunning: 1, started: 0, released: 0 });
  expect(simulator.stats.requestsByPath.get(filePath)).toBe(1);
  expect(await supabase.statusOf(filePath)).toBe('completed');
});
