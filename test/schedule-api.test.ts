/** The minimal schedule API over HTTP, against a real dev server, worker and simulator. */
import type { INestApplication } from '@nestjs/common';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import type { AppConfig } from '../src/config/app-config';
import { createApi } from '../src/create-api';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';
import { upsertTranscriptionSchedule } from '../src/temporal/transcription-schedule';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from './support/temporal-harness';

let temporal: TemporalHarness;
let simulator: TranscriberSimulator;
let store: LocalFileStore;
let config: AppConfig;
let api: INestApplication;
let worker: Worker;
let workerRun: Promise<void>;

beforeAll(async () => {
  temporal = await startTemporal();
  store = new LocalFileStore();
  await store.insert(
    ['00-00', '00-30', '01-00'].map((slot) => ({
      file_path: `files/d-1/2026-12-01/${slot}/audio.wav`,
    })),
  );
  simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: 1_000,
    logger: { log() {}, warn() {} },
  });
  config = testConfig(temporal, { SIMULATOR_PORT: new URL(simulator.url).port });
  await upsertTranscriptionSchedule(temporal.env.client, {
    ...config.schedule,
    taskQueue: config.temporal.taskQueue,
  });
  worker = await createTestWorker(temporal, config, store);
  workerRun = worker.run();
  api = await createApi({ config, store }, false);
  await api.init();
});

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await workerRun;
  await simulator?.stop();
  await temporal?.stop();
});

test('GET /api/schedule shows Asia/Tokyo, the cron, demo mode and next runs with +09:00', async () => {
  const response = await request(api.getHttpServer()).get('/api/schedule').expect(200);
  expect(response.body).toMatchObject({
    id: config.schedule.id,
    cron: '0 */3 * * *',
    timezone: 'Asia/Tokyo',
    paused: false,
    mode: 'demo',
  });
  expect(response.body.demoNotice).toContain('DEMO MODE');
  expect(response.body.nextRuns).toHaveLength(10);
  for (const run of response.body.nextRuns as string[]) {
    expect(run).toMatch(/T(00|03|06|09|12|15|18|21):00:00\+09:00$/);
  }
});

test('POST /api/schedule/trigger starts one dispatch; a second trigger while it runs is skipped', async () => {
  const first = await request(api.getHttpServer()).post('/api/schedule/trigger').expect(200);
  expect(first.body.started).toBe(true);
  expect(first.body.workflowId).toMatch(/^dispatch-/);

  const second = await request(api.getHttpServer()).post('/api/schedule/trigger').expect(200);
  expect(second.body).toMatchObject({ started: false, workflowId: first.body.workflowId });
  expect(second.body.message).toContain('SKIP');

  const result = await temporal.env.client.workflow
    .getHandle(first.body.workflowId as string)
    .result();
  expect(result).toMatchObject({ found: 3, started: 3, succeeded: 3, failed: 0 });
  expect(store.rows().map((row) => row.transcriptions_status)).toEqual([
    'completed',
    'completed',
    'completed',
  ]);
});
