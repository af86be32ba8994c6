/**
 * Records the replay fixtures: runs real scenarios on a throw-away Temporal dev server (the
 * project's CLI, in memory) with the worker, the local store and the transcriber simulator, and
 * writes each workflow run's history to test/fixtures/histories/<scenario>.json.
 *
 *   npm run record-histories
 *
 * Refresh the fixtures only on purpose: they are the proof that today's workflow code still
 * replays yesterday's runs. A change that makes an old fixture fail must be guarded with
 * patched() (see workflows/CHANGING-WORKFLOWS.md); then record new fixtures alongside, never
 * instead of, the old ones.
 */
import 'reflect-metadata';
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/config/load-config';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../src/files/file-path';
import { LocalFileStore } from '../src/files/local-file-store';
import { createTranscriptionWorker } from '../src/temporal/create-worker';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import { locateTemporalCli } from '../src/temporal/temporal-binaries';
import type { dispatchPendingFiles, transcribeFile } from '../workflows';

const OUTPUT = path.join(__dirname, '..', '..', 'test', 'fixtures', 'histories');
const TASK_QUEUE = 'record-histories';

function filePath(device: string, slot: number): string {
  const hours = String(Math.floor(slot / 2)).padStart(2, '0');
  return `files/${device}/2026-12-01/${hours}-${slot % 2 === 0 ? '00' : '30'}/audio.wav`;
}

/** Saves every run of a workflow id (a continue-as-new chain gives several files). */
async function save(client: Client, workflowId: string, scenario: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs.push(execution.runId);
  }
  const written: string[] = [];
  const histories = await Promise.all(
    runs.map(async (runId) => client.workflow.getHandle(workflowId, runId).fetchHistory()),
  );
  // Oldest run first, so names follow the chain.
  histories.sort(
    (a, b) =>
      Number(a.events?.[0]?.eventTime?.seconds ?? 0) -
      Number(b.events?.[0]?.eventTime?.seconds ?? 0),
  );
  for (const [index, history] of histories.entries()) {
    const name = histories.length > 1 ? `${scenario}.run-${index + 1}.json` : `${scenario}.json`;
    await writeFile(path.join(OUTPUT, name), `${historyToJSON(history)}\n`);
    written.push(`${name} (${history.events?.length ?? 0} events)`);
  }
  return written;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await mkdir(OUTPUT, { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: locateTemporalCli().path },
      ip: '127.0.0.1',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
    },
  });
  const store = new LocalFileStore();
  const simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: 50,
    logger: { log() {}, warn() {} },
  });
  const config = loadConfig({
    TEMPORAL_ADDRESS: env.connection.options.address,
    TEMPORAL_TASK_QUEUE: TASK_QUEUE,
    SIMULATOR_PORT: new URL(simulator.url).port,
    TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: '2000',
    TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '200',
    TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '500',
    TRANSCRIBE_MAX_ATTEMPTS: '3',
    TRANSCRIBER_REQUEST_TIMEOUT_MS: '60000',
    TRANSCRIBE_WATCH_DEADLINE_MS: '5000',
    TRANSCRIBE_STATUS_POLL_INTERVAL_MS: '200',
    TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: '120000',
    MAX_CONCURRENT_TRANSCRIPTIONS: '2',
    BATCH_SIZE: '3',
  });
  const client = env.client;
  const worker = await createTranscriptionWorker({
    config,
    store,
    connection: env.nativeConnection,
  });
  const written: string[] = [];
  const dispatch = (workflowId: string, input: Parameters<typeof dispatchPendingFiles>[0] = {}) =>
    client.workflow.execute<typeof dispatchPendingFiles>('dispatchPendingFiles', {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [input],
    });
  const transcribe = (path: string) =>
    client.workflow.start<typeof transcribeFile>('transcribeFile', {
      workflowId: transcribeWorkflowId(path),
      taskQueue: TASK_QUEUE,
      args: [{ filePath: path, settings: config.transcribeActivity }],
    });

  try {
    await worker.runUntil(async () => {
      // 1. A dispatch that completes several files (two pages, two at a time).
      await store.insert(
        [0, 1, 2, 3, 4].map((slot) => ({ file_path: filePath('d-0a1b2c3d', slot) })),
      );
      await dispatch('dispatch-completes-files');
      written.push(...(await save(client, 'dispatch-completes-files', 'dispatch-completes-files')));

      // 2. A dispatch that pages and continues-as-new (two children per run).
      await store.insert(
        [0, 1, 2, 3, 4].map((slot) => ({ file_path: filePath('d-1b2c3d4e', slot) })),
      );
      await dispatch('dispatch-continues-as-new', {
        settings: { ...config.dispatch, childrenPerRun: 2, batchSize: 2 },
      });
      written.push(
        ...(await save(client, 'dispatch-continues-as-new', 'dispatch-continues-as-new')),
      );

      // 3. A dispatch that meets a file whose workflow is already running.
      const busy = filePath('d-2c3d4e5f', 0);
      await store.insert([busy, filePath('d-2c3d4e5f', 1)].map((file_path) => ({ file_path })));
      simulator.setLatency((p) => (p === busy ? 2_000 : 50));
      const running = await transcribe(busy);
      while (!simulator.stats.inFlightPaths().includes(busy))
        await new Promise((r) => setTimeout(r, 20));
      await dispatch('dispatch-meets-running-file');
      await running.result();
      simulator.setLatency(50);
      written.push(
        ...(await save(client, 'dispatch-meets-running-file', 'dispatch-meets-running-file')),
      );

      // 4. A file that succeeds after retries (in error_files twice, then transcribed).
      const flaky = filePath('d-3d4e5f60', 0);
      await store.insert([{ file_path: flaky }]);
      simulator.setFailPattern(/d-3d4e5f60/);
      const flakyRun = await transcribe(flaky);
      while ((simulator.stats.requestsByPath.get(flaky) ?? 0) < 2)
        await new Promise((r) => setTimeout(r, 20));
      simulator.setFailPattern(undefined);
      await flakyRun.result();
      written.push(
        ...(await save(client, transcribeWorkflowId(flaky), 'file-succeeds-after-retries')),
      );

      // 5. A file that ends failed, then 6. its re-run, which succeeds.
      const poison = filePath('d-4e5f6071', 0);
      await store.insert([{ file_path: poison }]);
      simulator.setFailPattern(/d-4e5f6071/);
      await (await transcribe(poison)).result().catch(() => undefined);
      simulator.setFailPattern(undefined);
      written.push(...(await save(client, transcribeWorkflowId(poison), 'file-ends-failed')));
      await store.setStatus(poison, 'processing');
      await (await transcribe(poison)).result();
      const latest = (await client.workflow.getHandle(transcribeWorkflowId(poison)).describe())
        .runId;
      const rerun = await client.workflow
        .getHandle(transcribeWorkflowId(poison), latest)
        .fetchHistory();
      await writeFile(path.join(OUTPUT, 'rerun-of-failed-file.json'), `${historyToJSON(rerun)}\n`);
      written.push(`rerun-of-failed-file.json (${rerun.events?.length ?? 0} events)`);
    });
  } finally {
    await simulator.stop();
    await env.teardown();
  }
  for (const line of written) console.log(`recorded ${line}`);
}

main().catch((error: unknown) => {
  console.error(`record-histories: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
