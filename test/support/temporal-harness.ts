import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type Logger,
  type Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import type { FileStore } from '../../src/files/file-store';
import { createTranscriptionWorker } from '../../src/temporal/create-worker';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { locateTemporalCli } from '../../src/temporal/temporal-binaries';
import { freeLoopbackPort } from '../../src/metrics/free-port';
import type { WorkerMetrics } from '../../src/metrics/worker-metrics';

/**
 * A real Temporal dev server (the CLI provisioned by `npm run setup:temporal`, never a download)
 * and the workflow bundle, built once per test file.
 */
export interface TemporalHarness {
  env: TestWorkflowEnvironment;
  address: string;
  bundle: WorkflowBundle;
  /** The Temporal SDK's Prometheus exporter of this test process. */
  sdkMetricsUrl: string;
  stop(): Promise<void>;
}

let sdkMetricsUrl: string | undefined;

export interface CapturedLogEntry {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

const logListeners = new Set<(entry: CapturedLogEntry) => void>();

/**
 * The worker runtime's logger (workflow and activity logs included): prints warnings and errors
 * as DefaultLogger('WARN') does, and hands every entry to the listeners of captureWorkerLogs().
 */
class TeeLogger implements Logger {
  private readonly printer = new DefaultLogger('WARN');
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    for (const listener of logListeners) listener({ level, message, meta });
    this.printer.log(level, message, meta);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** Collects the worker runtime's log entries (every level) until stop() is called. */
export function captureWorkerLogs(): { entries: CapturedLogEntry[]; stop(): void } {
  const entries: CapturedLogEntry[] = [];
  const listener = (entry: CapturedLogEntry): void => void entries.push(entry);
  logListeners.add(listener);
  return { entries, stop: () => logListeners.delete(listener) };
}

export async function startTemporal(): Promise<TemporalHarness> {
  if (!sdkMetricsUrl) {
    // Keep the SDK's own logs to warnings so test output stays readable; export its metrics
    // on loopback as the product does.
    const port = await freeLoopbackPort();
    Runtime.install({
      logger: new TeeLogger(),
      telemetryOptions: {
        metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, countersTotalSuffix: true } },
      },
    });
    sdkMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  }
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: locateTemporalCli().path },
      ip: '127.0.0.1',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
  });
  const address = env.connection.options.address;
  return { env, address, bundle, sdkMetricsUrl, stop: () => env.teardown() };
}

/**
 * Config as the product would load it from these variables, with timings short enough for
 * tests. Each call gets its own task queue so tests in one file never share a worker.
 */
export function testConfig(harness: TemporalHarness, vars: Record<string, string> = {}): AppConfig {
  return loadConfig({
    TEMPORAL_ADDRESS: harness.address,
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    SCHEDULE_ID: `schedule-${randomUUID()}`,
    TRANSCRIBE_HEARTBEAT_TIMEOUT_MS: '2000',
    TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS: '200',
    TRANSCRIBE_RETRY_MAX_INTERVAL_MS: '500',
    TRANSCRIBE_MAX_ATTEMPTS: '3',
    TRANSCRIBER_REQUEST_TIMEOUT_MS: '60000',
    TRANSCRIBE_WATCH_DEADLINE_MS: '5000',
    TRANSCRIBE_STATUS_POLL_INTERVAL_MS: '200',
    TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: '120000',
    ...vars,
  });
}

export async function createTestWorker(
  harness: TemporalHarness,
  config: AppConfig,
  store: FileStore,
  metrics?: WorkerMetrics,
): Promise<Worker> {
  return createTranscriptionWorker({
    config,
    store,
    metrics,
    connection: harness.env.nativeConnection,
    workflowBundle: harness.bundle,
  });
}
