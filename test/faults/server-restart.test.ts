/**
 * Fault case 8 of issue 4: the Temporal server restarts (same SQLite file, same port) while a
 * dispatch and its file workflows run. A dev server this test owns, the product's worker, the
 * Supabase double over HTTP, the simulator as an HTTP server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundle,
} from '@temporalio/worker';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { SupabaseFileStore } from '../../src/files/supabase-file-store';
import { loadConfig } from '../../src/config/load-config';
import { createTranscriptionWorker } from '../../src/temporal/create-worker';
import { dispatchPendingFiles } from '../../workflows';
import { RestartableDevServer } from '../support/dev-server-process';
import { freeLoopbackPort as freePort } from '../../src/metrics/free-port';
import { PostgrestDouble } from '../support/postgrest-double';
import {
  API_TOKEN,
  historyEvents,
  lastActivityStart,
  pendingRows,
  printFigures,
  quiet,
  sleep,
  statusCounts,
  waitFor,
} from './fault-support';

let dir: string;
let server: RestartableDevServer;
let supabase: PostgrestDouble;
let bundle: WorkflowBundle;

beforeAll(async () => {
  // The worker retries its calls while the server is down: expected here, so core's warnings
  // about it are kept out of the output.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  dir = mkdtempSync(path.join(tmpdir(), 'faults-restart-'));
  server = new RestartableDevServer(
    await freePort(),
    path.join(dir, 'temporal.sqlite'),
    path.join(dir, 'temporal.log'),
  );
  [, supabase, bundle] = await Promise.all([
    server.start(),
    PostgrestDouble.start(),
    bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    }),
  ]);
});

afterAll(async () => {
  await server?.stop();
  await supabase?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.each([
  { how: 'stopped (SIGTERM) and started again', hard: false },
  { how: 'killed (SIGKILL, a crash) and started again', hard: true },
])(
  'case 8: the Temporal server is $how during a dispatch: the dispatch and the files in flight finish afterwards',
  async ({ hard }) => {
    const name = hard ? 'killed' : 'stopped';
    await supabase.query('delete from audio_files');
    const rows = pendingRows(6, [`d-${name}1`, `d-${name}2`]);
    await supabase.insertRows(rows);
    const store = new SupabaseFileStore({
      url: supabase.url,
      serviceRoleKey: supabase.serviceRoleKey,
    });
    const simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 1_500,
      logger: quiet,
    });
    const config = loadConfig({
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: `faults-restart-${name}`,
      SUPABASE_URL: supabase.url,
      SUPABASE_SERVICE_ROLE_KEY: supabase.serviceRoleKey,
      TRANSCRIBER_URL: simulator.url,
      API_TOKEN,
      MAX_CONCURRENT_TRANSCRIPTIONS: '2',
      TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: '3000',
      TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '200',
      TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '1000',
      TRANSCRIBE_STATUS_POLL_INTERVAL_MS: '200',
    });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    const worker = await createTranscriptionWorker({
      config,
      store,
      connection: nativeConnection,
      workflowBundle: bundle,
    });
    const running = worker.run();

    try {
      const dispatch = await client.workflow.start(dispatchPendingFiles, {
        workflowId: `dispatch-restart-${name}`,
        taskQueue: config.temporal.taskQueue,
        args: [{}],
      });
      await waitFor(
        () => simulator.stats.filesProcessed >= 1 && simulator.stats.inFlightPaths().length > 0,
        'one file done and one in flight',
      );
      const inFlightAtStop = simulator.stats.inFlightPaths();
      const stoppedAt = Date.now();
      await server.stop(hard);
      await sleep(2_000);
      await server.start();
      const downMs = Date.now() - stoppedAt;

      const result = await dispatch.result();
      await simulator.idle();
      const attempts: Record<string, number> = {};
      for (const row of rows) {
        const events = await historyEvents(client, transcribeWorkflowId(row.file_path!));
        attempts[row.file_path!] = lastActivityStart(events)?.attempt ?? 0;
      }
      printFigures(`case 8 Temporal server ${name} and restarted`, {
        serverDownMs: downMs,
        inFlightAtStop,
        attemptsPerFile: Object.values(attempts),
        requests: simulator.stats.requests,
        maxConcurrentPerPath: simulator.stats.maxConcurrentPerPath,
        dispatch: result,
        statuses: await statusCounts(supabase),
      });
      expect(inFlightAtStop.length).toBeGreaterThan(0);
      expect(result).toMatchObject({ found: 6, started: 6, succeeded: 6, failed: 0 });
      expect(await statusCounts(supabase)).toEqual({ completed: 6 });
      expect(simulator.stats.maxConcurrentPerPath).toBe(1);
      for (const row of rows) expect(simulator.stats.requestsByPath.get(row.file_path!)).toBe(1);
    } finally {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await simulator.stop();
    }
  },
);
