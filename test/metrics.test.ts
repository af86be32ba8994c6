/**
 * GET /metrics after a real dispatch: the product's counters (observed by the worker's activity
 * interceptor), the Temporal SDK's own metrics (Core's Prometheus exporter) served through the
 * worker's metrics endpoint, and the API's schedule and dispatch gauges read from Temporal.
 */
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApi } from '../src/create-api';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';
import { startWorkerMetricsServer } from '../src/metrics/metrics-server';
import { WorkerMetrics } from '../src/metrics/worker-metrics';
import { upsertTranscriptionSchedule } from '../src/temporal/transcription-schedule';
import { dispatchPendingFiles } from '../workflows';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from './support/temporal-harness';

let temporal: TemporalHarness;

beforeAll(async () => {
  temporal = await startTemporal();
});
afterAll(async () => {
  await temporal?.stop();
});

/** The value of one sample line, e.g. metric('x_total') or metric('x{status="Completed"}'). */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test('both kinds of metrics after a dispatch: product counters, SDK metrics, schedule gauges', async () => {
  const store = new LocalFileStore();
  const paths = ['00-00', '00-30', '01-00'].map(
    (slot) => `files/d-5e7a9c01/2026-12-01/${slot}/audio.wav`,
  );
  await store.insert(paths.map((file_path) => ({ file_path })));
  const simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: 20,
    failPattern: /01-00/,
    logger: { log() {}, warn() {} },
  });
  const metrics = new WorkerMetrics();
  const server = await startWorkerMetricsServer({
    port: 0,
    host: '127.0.0.1',
    registry: metrics.registry,
    sdkMetricsUrl: temporal.sdkMetricsUrl,
  });
  const config = testConfig(temporal, {
    SIMULATOR_PORT: new URL(simulator.url).port,
    TRANSCRIBE_MAX_ATTEMPTS: '2',
  });
  const apiConfig = { ...config, metrics: { ...config.metrics, workerUrl: server.url } };
  await upsertTranscriptionSchedule(temporal.env.client, {
    ...config.schedule,
    taskQueue: config.temporal.taskQueue,
  });
  await temporal.env.client.schedule.getHandle(config.schedule.id).pause('metrics test');
  let api: INestApplication | undefined;
  try {
    const worker = await createTestWorker(temporal, config, store, metrics);
    const result = await worker.runUntil(
      temporal.env.client.workflow.execute(dispatchPendingFiles, {
        workflowId: `dispatch-metrics-${config.temporal.taskQueue}`,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
      }),
    );
    expect(result).toMatchObject({ succeeded: 2, failed: 1 });

    api = await createApi({ config: apiConfig, store }, false);
    await api.init();
    const { text } = await request(api.getHttpServer()).get('/metrics').expect(200);
    console.log(
      text
        .split('\n')
        .filter((line) => line.startsWith('transcription_') && !line.includes('_worker_'))
        .join('\n'),
    );

    expect(sample(text, 'transcription_files_succeeded_total')).toBe(2);
    expect(sample(text, 'transcription_files_failed_total')).toBe(1);
    expect(sample(text, 'transcription_files_retried_total')).toBe(1);
    expect(
      sample(
        text,
        'transcription_attempts_total{outcome="failed",error_type="TranscriberFileError"}',
      ),
    ).toBe(2);
    expect(sample(text, 'transcription_attempt_duration_seconds_count{outcome="succeeded"}')).toBe(
      2,
    );
    expect(sample(text, 'transcription_schedule_paused')).toBe(1);
    expect(sample(text, 'transcription_dispatch_runs{status="Completed"}')).toBeGreaterThanOrEqual(
      1,
    );
    expect(sample(text, 'transcription_dispatch_last_run_files{count="found"}')).toBe(3);
    // The Temporal SDK's own metrics, from Core's exporter.
    expect(text).toMatch(/^temporal_workflow_completed_total\{/m);
    expect(text).toMatch(/^temporal_activity_execution_failed_total\{/m);

    // A read that fails leaves no sample, not the previous scrape's value: with the schedule
    // gone, "paused 1" would be a lie.
    await temporal.env.client.schedule.getHandle(config.schedule.id).delete();
    const after = (await request(api.getHttpServer()).get('/metrics').expect(200)).text;
    expect(after).toMatch(/^# TYPE transcription_schedule_paused gauge$/m);
    expect(sample(after, 'transcription_schedule_paused')).toBeUndefined();
    expect(after).not.toMatch(/^transcription_schedule_next_run_timestamp_seconds /m);
    // The reads that still work still answer.
    expect(sample(after, 'transcription_dispatch_last_run_files{count="found"}')).toBe(3);
  } finally {
    await api?.close();
    server.server.close();
    await simulator.stop();
  }
});
