/**
 * The main job on a real Temporal dev server: the worker as the product builds it, the transcriber
 * simulator as a real HTTP server, and the Supabase store through supabase-js over HTTP against a
 * PostgREST-compatible double on the local PostgreSQL. Nothing is mocked.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { AppConfig } from '../src/config/app-config';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../src/files/file-path';
import { LocalFileStore } from '../src/files/local-file-store';
import { SupabaseFileStore } from '../src/files/supabase-file-store';
import type { FileStore } from '../src/files/file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';
import { dispatchPendingFiles, transcribeFile } from '../workflows';
import type { DispatchResult } from '../workflows/dispatch-pending-files';
import { PostgrestDouble } from './support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from './support/temporal-harness';
import { testSecret } from './support/test-secret';

const TEST_TOKEN = testSecret('test-token');

function filePath(device: string, slot: number): string {
  const hours = String(Math.floor(slot / 2)).padStart(2, '0');
  const minutes = slot % 2 === 0 ? '00' : '30';
  return `files/${device}/2026-12-01/${hours}-${minutes}/audio.wav`;
}

function pendingRows(count: number, devices = ['d-7f3a21c9', 'd-0b44e1d2']) {
  return Array.from({ length: count }, (_, index) => {
    const device = devices[index % devices.length];
    return {
      file_path: filePath(device, Math.floor(index / devices.length)),
      device_id: device,
      // Distinct created_at values, oldest first in insertion order.
      created_at: new Date(Date.UTC(2026, 11, 1, 0, index)).toISOString(),
      transcriptions_status: 'pending',
    };
  });
}

let temporal: TemporalHarness;
let simulator: TranscriberSimulator;

beforeAll(async () => {
  temporal = await startTemporal();
});

afterAll(async () => {
  await temporal?.stop();
});

afterEach(async () => {
  await simulator?.stop();
});

async function runDispatch(config: AppConfig, store: FileStore): Promise<DispatchResult> {
  const worker = await createTestWorker(temporal, config, store);
  return worker.runUntil(
    temporal.env.client.workflow.execute(dispatchPendingFiles, {
      workflowId: `dispatch-test-${config.temporal.taskQueue}`,
      taskQueue: config.temporal.taskQueue,
      args: [{}],
    }),
  );
}

describe('dispatch over the Supabase store (supabase-js over HTTP)', () => {
  let supabase: PostgrestDouble;

  beforeAll(async () => {
    supabase = await PostgrestDouble.start();
  });
  afterAll(async () => {
    await supabase?.stop();
  });

  test('20 pending files: all transcribed, counts exact, rows completed, never two at once per file', async () => {
    await supabase.insertRows(pendingRows(20));
    const store = new SupabaseFileStore({
      url: supabase.url,
      serviceRoleKey: supabase.serviceRoleKey,
    });
    simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 30, logger: quiet });
    const config = testConfig(temporal, {
      SUPABASE_URL: supabase.url,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
      TRANSCRIBER_URL: simulator.url,
      API_TOKEN: TEST_TOKEN,
      BATCH_SIZE: '7',
      MAX_CONCURRENT_TRANSCRIPTIONS: '3',
    });

    const result = await runDispatch(config, store);

    expect(result).toMatchObject({
      found: 20,
      started: 20,
      alreadyRunning: 0,
      succeeded: 20,
      failed: 0,
      invalid: 0,
      duplicates: 0,
      capReached: false,
    });
    const statuses = await supabase.query<{ transcriptions_status: string; n: string }>(
      'select transcriptions_status, count(*) as n from audio_files group by 1',
    );
    expect(statuses).toEqual([{ transcriptions_status: 'completed', n: '20' }]);
    expect(simulator.stats.filesProcessed).toBe(20);
    expect(simulator.stats.maxConcurrentPerPath).toBe(1);
    expect([...simulator.stats.requestsByPath.values()].every((n) => n === 1)).toBe(true);
    // The window of 3 concurrent children queues at the one-at-a-time transcriber.
    expect(simulator.stats.maxConcurrentRequests).toBeLessThanOrEqual(3);
    // Oldest created_at first: the simulator saw the first rows first.
    expect(simulator.stats.processingLog[0].filePath).toBe(pendingRows(20)[0].file_path);
  });

  test('a file always in error_files ends failed after the configured attempts; the others succeed', async () => {
    await supabase.query('delete from audio_files');
    const rows = pendingRows(3);
    const poison = rows[1].file_path;
    await supabase.insertRows(rows);
    const store = new SupabaseFileStore({
      url: supabase.url,
      serviceRoleKey: supabase.serviceRoleKey,
    });
    simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 20,
      failPattern: new RegExp(`^${poison.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`),
      logger: quiet,
    });
    const config = testConfig(temporal, {
      SUPABASE_URL: supabase.url,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
      TRANSCRIBER_URL: simulator.url,
      API_TOKEN: TEST_TOKEN,
      TRANSCRIBE_MAX_ATTEMPTS: '3',
    });

    const result = await runDispatch(config, store);

    expect(result).toMatchObject({ found: 3, started: 3, succeeded: 2, failed: 1 });
    expect(await supabase.statusOf(poison)).toBe('failed');
    expect(await supabase.statusOf(rows[0].file_path)).toBe('completed');
    expect(await supabase.statusOf(rows[2].file_path)).toBe('completed');
    expect(simulator.stats.requestsByPath.get(poison)).toBe(3);

    const failure = await temporal.env.client.workflow
      .getHandle(transcribeWorkflowId(poison))
      .result()
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause?.message).toContain('error_files');
    expect(cause?.message).toContain('gave up after 3 attempts');
    expect((cause as ApplicationFailure).details?.[0]).toMatchObject({
      filePath: poison,
      attempts: 3,
    });
  });

  test('a row the transcriber completes just before it would be marked failed stays completed', async () => {
    await supabase.query('delete from audio_files');
    const [row] = pendingRows(1);
    const late = row.file_path;
    await supabase.insertRows([row]);
    /**
     * The real Supabase store; only the instant is injected: the transcriber's own `completed`
     * write (a request we had stopped waiting for) lands just before the failed mark.
     */
    class TranscriberFinishesLate extends SupabaseFileStore {
      override async moveStatus(
        filePaths: string[],
        from: readonly TranscriptionStatus[],
        to: TranscriptionStatus,
      ): Promise<string[]> {
        if (to === TranscriptionStatus.Failed) {
          await this.setStatus(late, TranscriptionStatus.Completed);
        }
        return super.moveStatus(filePaths, from, to);
      }
    }
    const store = new TranscriberFinishesLate({
      url: supabase.url,
      serviceRoleKey: supabase.serviceRoleKey,
    });
    simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 20,
      failPattern: /./,
      logger: quiet,
    });
    const config = testConfig(temporal, {
      SUPABASE_URL: supabase.url,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
      TRANSCRIBER_URL: simulator.url,
      API_TOKEN: TEST_TOKEN,
      TRANSCRIBE_MAX_ATTEMPTS: '2',
    });

    const result = await runDispatch(config, store);

    expect(result).toMatchObject({ found: 1, started: 1, succeeded: 1, failed: 0 });
    expect(await supabase.statusOf(late)).toBe('completed');
    expect(simulator.stats.requestsByPath.get(late)).toBe(2);
    const fileResult: unknown = await temporal.env.client.workflow
      .getHandle(transcribeWorkflowId(late))
      .result();
    expect(fileResult).toMatchObject({
      filePath: late,
      outcome: 'completed-by-earlier-request',
      attempt: 2,
    });
  });
});

const quiet = { log() {}, warn() {} };

describe('dispatch over the local demo store', () => {
  function demoConfig(vars: Record<string, string> = {}): AppConfig {
    return testConfig(temporal, { SIMULATOR_PORT: String(new URL(simulator.url).port), ...vars });
  }

  test('a file whose workflow is already running is counted alreadyRunning and never started twice', async () => {
    const store = new LocalFileStore();
    const rows = pendingRows(3);
    const busy = rows[0].file_path;
    await store.insert(rows);
    simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 30, logger: quiet });
    simulator.setLatency((path) => (path === busy ? 3_000 : 30));
    const config = demoConfig();
    const worker = await createTestWorker(temporal, config, store);

    const result = await worker.runUntil(async () => {
      // An earlier run of this file is still transcribing when the dispatch comes.
      const earlier = await temporal.env.client.workflow.start(transcribeFile, {
        workflowId: transcribeWorkflowId(busy),
        taskQueue: config.temporal.taskQueue,
        args: [{ filePath: busy, settings: config.transcribeActivity }],
      });
      await waitFor(() => simulator.stats.inFlightPaths().includes(busy));
      const dispatched = await temporal.env.client.workflow.execute(dispatchPendingFiles, {
        workflowId: `dispatch-already-running-${config.temporal.taskQueue}`,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
      });
      await earlier.result();
      return dispatched;
    });

    expect(result).toMatchObject({
      found: 3,
      started: 2,
      alreadyRunning: 1,
      succeeded: 2,
      failed: 0,
    });
    expect(simulator.stats.requestsByPath.get(busy)).toBe(1);
    expect(simulator.stats.maxConcurrentPerPath).toBe(1);
    expect(store.rows().every((row) => row.transcriptions_status === 'completed')).toBe(true);
  });

  test('a transcription lasting several heartbeat timeouts succeeds on its first attempt', async () => {
    const store = new LocalFileStore();
    const [row] = pendingRows(1);
    await store.insert([row]);
    // Heartbeat timeout 2 s (testConfig); the transcriber takes 4 times as long.
    simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 8_000,
      logger: quiet,
    });
    const config = demoConfig();
    const worker = await createTestWorker(temporal, config, store);

    const result = await worker.runUntil(
      temporal.env.client.workflow.execute(transcribeFile, {
        workflowId: transcribeWorkflowId(row.file_path),
        taskQueue: config.temporal.taskQueue,
        args: [{ filePath: row.file_path, settings: config.transcribeActivity }],
      }),
    );

    expect(result).toMatchObject({ outcome: 'transcribed', attempt: 1 });
    expect(simulator.stats.requests).toBe(1);
    expect(await store.getStatus(row.file_path)).toBe('completed');
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
