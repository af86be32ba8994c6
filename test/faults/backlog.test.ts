/**
 * Fault case 13 of issue 4: a backlog of 2,000 pending files. The dispatch pages, continues as
 * new, keeps at most the configured window of file workflows in flight, and every history stays
 * small. Real Temporal dev server, the product's worker, the Supabase store (supabase-js over
 * HTTP against the PostgREST double, so paging 2,000 rows goes through the real client) shared
 * with a fast simulator (several requests at once, as replicas behind one address would serve).
 */
import { temporal as proto } from '@temporalio/proto';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import { dispatchPendingFiles } from '../../workflows';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';
import {
  API_TOKEN,
  historyEvents,
  pendingRows,
  printFigures,
  quiet,
  statusCounts,
} from './fault-support';

const FILES = Number(process.env.FAULTS_BACKLOG_FILES ?? 2_000);
const WINDOW = 20;
const CHILDREN_PER_RUN = 200;

let temporal: TemporalHarness;
let supabase: PostgrestDouble;

beforeAll(async () => {
  [temporal, supabase] = await Promise.all([startTemporal(), PostgrestDouble.start()]);
});

afterAll(async () => {
  await supabase?.stop();
  await temporal?.stop();
});

const EventType = proto.api.enums.v1.EventType;
const CHILD_CLOSED = new Set([
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
]);

/** Most children in flight at once in one run, replayed from its history. */
function maxChildrenInFlight(events: proto.api.history.v1.IHistoryEvent[]): number {
  let inFlight = 0;
  let max = 0;
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED) {
      inFlight += 1;
      max = Math.max(max, inFlight);
    } else if (event.eventType !== null && event.eventType !== undefined) {
      if (CHILD_CLOSED.has(event.eventType)) inFlight -= 1;
    }
  }
  return max;
}

test('case 13: 2,000 pending files: pages, continues as new, all complete, small histories, never more than the window in flight', async () => {
  const store = new SupabaseFileStore({
    url: supabase.url,
    serviceRoleKey: supabase.serviceRoleKey,
  });
  const rows = pendingRows(FILES);
  await supabase.insertRows(rows);
  const simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: 2,
    capacity: 8,
    logger: quiet,
  });
  try {
    const config = testConfig(temporal, {
      SUPABASE_URL: supabase.url,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
      TRANSCRIBER_URL: simulator.url,
      API_TOKEN,
      BATCH_SIZE: '100',
      MAX_CONCURRENT_TRANSCRIPTIONS: String(WINDOW),
      DISPATCH_CHILDREN_PER_RUN: String(CHILDREN_PER_RUN),
    });
    const worker = await createTestWorker(temporal, config, store);
    const workflowId = `dispatch-backlog-${config.temporal.taskQueue}`;
    const startedAt = Date.now();
    const result = await worker.runUntil(
      temporal.env.client.workflow.execute(dispatchPendingFiles, {
        workflowId,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
      }),
    );
    const elapsedMs = Date.now() - startedAt;

    // Every run of the dispatch chain, and a sample of file workflows.
    const runIds: string[] = [];
    for await (const execution of temporal.env.client.workflow.list({
      query: `WorkflowId = '${workflowId}'`,
    })) {
      runIds.push(execution.runId);
    }
    const runHistories = await Promise.all(
      runIds.map((runId) => historyEvents(temporal.env.client, workflowId, runId)),
    );
    const sample = [0, Math.floor(FILES / 2), FILES - 1].map((index) => rows[index].file_path!);
    const fileHistories = await Promise.all(
      sample.map((filePath) => historyEvents(temporal.env.client, transcribeWorkflowId(filePath))),
    );
    const dispatchSizes = runHistories.map((events) => events.length);
    const largestHistory = Math.max(...dispatchSizes, ...fileHistories.map((e) => e.length));
    const maxInFlight = Math.max(...runHistories.map(maxChildrenInFlight));
    const statuses = await statusCounts(supabase);
    printFigures('case 13 backlog', {
      files: FILES,
      elapsedMs,
      filesPerSecond: Math.round((FILES / elapsedMs) * 1000),
      runs: result.runs,
      dispatchHistoryEventsPerRun: dispatchSizes,
      fileHistoryEvents: fileHistories.map((events) => events.length),
      largestHistory,
      window: WINDOW,
      maxChildrenInFlight: maxInFlight,
      simulatorMaxConcurrentRequests: simulator.stats.maxConcurrentRequests,
      maxConcurrentPerPath: simulator.stats.maxConcurrentPerPath,
      statuses,
      dispatch: { ...result, skippedRows: result.skippedRows.length },
    });

    expect(result).toMatchObject({
      found: FILES,
      started: FILES,
      succeeded: FILES,
      failed: 0,
      alreadyRunning: 0,
      capReached: false,
    });
    // One run per CHILDREN_PER_RUN children (plus, at most, a last one that finds nothing).
    expect(result.runs).toBeGreaterThanOrEqual(FILES / CHILDREN_PER_RUN);
    expect(result.runs).toBeLessThanOrEqual(FILES / CHILDREN_PER_RUN + 1);
    expect(runIds).toHaveLength(result.runs);
    expect(statuses).toEqual({ completed: FILES });
    expect(largestHistory).toBeLessThan(4_000);
    expect(maxInFlight).toBeLessThanOrEqual(WINDOW);
    expect(maxInFlight).toBeGreaterThan(1);
    expect(simulator.stats.maxConcurrentPerPath).toBe(1);
    expect(simulator.stats.filesProcessed).toBe(FILES);
  } finally {
    await simulator.stop();
  }
}, 300_000);
