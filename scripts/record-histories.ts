/**
 * Records the replay fixtures: runs real scenarios on a throw-away Temporal dev server (the
 * project's CLI, in memory) with the real worker, the local store and the transcriber simulator,
 * and writes each workflow run's history to test/fixtures/histories/<scenario>.json in Temporal's
 * JSON history format (what `temporal workflow show -o json` and the Web UI export).
 *
 *   npm run record-histories                 refuses if any of its fixtures already exists
 *   npm run record-histories -- --overwrite  replaces this script's fixtures (others are kept)
 *   npm run record-histories -- --out <dir>  writes elsewhere (a trial run)
 *
 * Each scenario checks that it did what its name says (counts, events) and every new history is
 * replayed once against the same code before anything is written; the files are replaced only
 * when all scenarios succeeded. Refresh the fixtures only on purpose (see
 * test/fixtures/histories/README.md and workflows/CHANGING-WORKFLOWS.md): they are the proof that
 * today's workflow code still replays yesterday's runs.
 */
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type NativeConnection,
  type WorkflowBundle,
} from '@temporalio/worker';
import type { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/load-config';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { FailedFilesService } from '../src/files/failed-files.service';
import { transcribeWorkflowId } from '../src/files/file-path';
import { LocalFileStore } from '../src/files/local-file-store';
import { TranscriptionStatus } from '../src/files/transcription-status';
import { createTranscriptionWorker } from '../src/temporal/create-worker';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import { locateTemporalCli } from '../src/temporal/temporal-binaries';
import { historyToJSON } from '../src/replay/history-json';
import { formatOutcome, replayHistories } from '../src/replay/replay-histories';
import type { dispatchPendingFiles, transcribeFile } from '../workflows';
import { TRANSCRIPTION_FAILED_ERROR_TYPE } from '../workflows/transcribe-file';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

/** The checkout: run from dist/scripts/ (npm run record-histories) or from scripts/. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return dir;
}

const PROJECT_ROOT = projectRoot();
const DEFAULT_OUTPUT = path.join(PROJECT_ROOT, 'test', 'fixtures', 'histories');

/** Every fixture this script writes: `<name>.json`, or `<name>.run-<n>.json` for a chain. */
export const SCENARIOS = [
  'dispatch-completes-files',
  'file-completes-first-attempt',
  'dispatch-continues-as-new',
  'dispatch-releases-stuck-row',
  'dispatch-meets-running-file',
  'file-succeeds-after-retries',
  'file-ends-failed',
  'rerun-of-failed-file',
  'file-cancelled',
] as const;
type Scenario = (typeof SCENARIOS)[number];

/** The whole recording takes well under a minute; this only keeps a stuck scenario from hanging. */
const RECORDING_TIMEOUT_MS = 5 * 60_000;
const USAGE = 'usage: npm run record-histories -- [--overwrite] [--out <dir>]';

interface Recorded {
  file: string;
  history: History;
}

/** Worker settings shared by the scenarios: short timings, as in the tests. */
const BASE_VARS: Record<string, string> = {
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
};

function filePath(device: string, slot: number): string {
  const hours = String(Math.floor(slot / 2)).padStart(2, '0');
  return `files/${device}/2026-12-01/${hours}-${slot % 2 === 0 ? '00' : '30'}/audio.wav`;
}

function check(scenario: Scenario, ok: boolean, what: string): void {
  if (!ok) throw new Error(`scenario ${scenario}: expected ${what}`);
}

function hasEvent(history: History, type: temporal.api.enums.v1.EventType): boolean {
  return (history.events ?? []).some((event) => event.eventType === type);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * The history of a run and of every run it continued-as-new into, oldest first: followed through
 * the ContinuedAsNew event, not a visibility query, so other runs of the same id never mix in.
 */
async function chainHistories(
  client: Client,
  workflowId: string,
  firstRunId: string,
): Promise<History[]> {
  const chain: History[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: History = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    chain.push(history);
    const last: temporal.api.history.v1.IHistoryEvent | undefined =
      history.events?.[history.events.length - 1];
    runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return chain;
}

function named(scenario: Scenario, chain: History[]): Recorded[] {
  return chain.map((history, index) => ({
    file: chain.length > 1 ? `${scenario}.run-${index + 1}.json` : `${scenario}.json`,
    history,
  }));
}

function isOwnFixture(file: string): boolean {
  const match = /^(.+?)(\.run-\d+)?\.json$/.exec(file);
  return match !== null && (SCENARIOS as readonly string[]).includes(match[1]);
}

interface Context {
  client: Client;
  connection: NativeConnection;
  store: LocalFileStore;
  simulator: TranscriberSimulator;
  bundle: WorkflowBundle;
  address: string;
}

/** Runs `body` with a worker of its own (own task queue, own settings), then stops the worker. */
async function withWorker<T>(
  ctx: Context,
  vars: Record<string, string>,
  body: (config: AppConfig) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    ...BASE_VARS,
    ...vars,
    TEMPORAL_ADDRESS: ctx.address,
    TEMPORAL_TASK_QUEUE: `record-histories-${Math.random().toString(36).slice(2, 10)}`,
    SIMULATOR_PORT: new URL(ctx.simulator.url).port,
  });
  const worker = await createTranscriptionWorker({
    config,
    store: ctx.store,
    connection: ctx.connection,
    workflowBundle: ctx.bundle,
  });
  return worker.runUntil(body(config));
}

/** Starts a dispatch exactly as the schedule does (input `{}`: settings come from the worker). */
async function runDispatch(ctx: Context, config: AppConfig, workflowId: string) {
  const handle = await ctx.client.workflow.start<typeof dispatchPendingFiles>(
    'dispatchPendingFiles',
    { workflowId, taskQueue: config.temporal.taskQueue, args: [{}] },
  );
  const result = await handle.result();
  const chain = await chainHistories(ctx.client, workflowId, handle.firstExecutionRunId);
  return { result, chain };
}

function startTranscribe(ctx: Context, config: AppConfig, file: string) {
  return ctx.client.workflow.start<typeof transcribeFile>('transcribeFile', {
    workflowId: transcribeWorkflowId(file),
    taskQueue: config.temporal.taskQueue,
    args: [{ filePath: file, settings: config.transcribeActivity }],
  });
}

async function runHistory(ctx: Context, handle: { workflowId: string; runId: string }) {
  return (await chainHistories(ctx.client, handle.workflowId, handle.runId))[0];
}

function failedFiles(ctx: Context, config: AppConfig): FailedFilesService {
  return new FailedFilesService(ctx.client, config, ctx.store);
}

function failedCount(ctx: Context, file: string): number {
  return ctx.simulator.stats.processingLog.filter(
    (entry) => entry.filePath === file && entry.outcome === 'failed',
  ).length;
}

async function recordAll(ctx: Context): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  const { store, simulator } = ctx;

  // A dispatch that completes several files over two pages, two at a time; one malformed row
  // (reported, left alone) and one duplicated path (sent once).
  await withWorker(ctx, {}, async (config) => {
    const device = 'd-0a1b2c3d';
    const files = [0, 1, 2, 3, 4].map((slot) => filePath(device, slot));
    const malformed = `files/${device}/not-a-valid-path.wav`;
    await store.insert([
      ...files.map((file_path) => ({ file_path })),
      { file_path: files[0] },
      { file_path: malformed },
    ]);
    const { result, chain } = await runDispatch(ctx, config, 'dispatch-completes-files');
    const s = 'dispatch-completes-files';
    check(s, result.started === 5 && result.succeeded === 5, `5 started and succeeded`);
    check(s, result.invalid === 1 && result.duplicates === 1, `1 invalid and 1 duplicate row`);
    check(s, result.runs === 1, 'a single run');
    recorded.push(...named(s, chain));
    // Out of the way of the next dispatches.
    await store.setStatus(malformed, TranscriptionStatus.Failed);

    // One of its children: a file transcribed at the first attempt, started by a dispatch.
    const child = ctx.client.workflow.getHandle<typeof transcribeFile>(
      transcribeWorkflowId(files[0]),
    );
    const childResult = await child.result();
    const f = 'file-completes-first-attempt';
    check(f, childResult.attempt === 1, 'the first attempt to succeed');
    const { runId } = await child.describe();
    recorded.push(...named(f, [await runHistory(ctx, { workflowId: child.workflowId, runId })]));
  });

  // A dispatch that pages and continues-as-new: 10 children per run (the smallest setting), 21
  // files, so a chain of 3 runs.
  await withWorker(
    ctx,
    { DISPATCH_CHILDREN_PER_RUN: '10', BATCH_SIZE: '4', MAX_CONCURRENT_TRANSCRIPTIONS: '3' },
    async (config) => {
      const files = Array.from({ length: 21 }, (_, slot) => filePath('d-1b2c3d4e', slot));
      await store.insert(files.map((file_path) => ({ file_path })));
      const { result, chain } = await runDispatch(ctx, config, 'dispatch-continues-as-new');
      const s = 'dispatch-continues-as-new';
      check(s, result.runs === 3 && chain.length === 3, `a chain of 3 runs (got ${result.runs})`);
      check(s, result.succeeded === 21, `21 files succeeded (got ${result.succeeded})`);
      check(
        s,
        chain
          .slice(0, -1)
          .every((h) => hasEvent(h, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)),
        'every run but the last to continue-as-new',
      );
      recorded.push(...named(s, chain));
    },
  );

  // A dispatch that finds a row stuck in `processing` with no workflow: back to pending, then sent.
  await withWorker(ctx, {}, async (config) => {
    const stuck = filePath('d-5f607182', 0);
    await store.insert([
      { file_path: stuck, transcriptions_status: TranscriptionStatus.Processing },
    ]);
    const { result, chain } = await runDispatch(ctx, config, 'dispatch-releases-stuck-row');
    const s = 'dispatch-releases-stuck-row';
    check(s, result.released === 1 && result.succeeded === 1, '1 row released and transcribed');
    recorded.push(...named(s, chain));
  });

  // A dispatch that meets files whose workflow already runs: one re-run from the API (row in
  // `processing`, seen when the dispatch starts) and one whose row is still `pending` (its child
  // start fails with "already started"); a third file is started normally.
  await withWorker(ctx, {}, async (config) => {
    const device = 'd-2c3d4e5f';
    const [fromApi, pendingButRunning, normal] = [0, 1, 2].map((slot) => filePath(device, slot));
    await store.insert([fromApi, pendingButRunning, normal].map((file_path) => ({ file_path })));
    simulator.setLatency((p) => (p === fromApi || p === pendingButRunning ? 2_500 : 50));
    try {
      const rerun = await failedFiles(ctx, config).retry(fromApi);
      const running = await startTranscribe(ctx, config, pendingButRunning);
      await waitFor('both files at the transcriber', () => {
        const inFlight = simulator.stats.inFlightPaths();
        return inFlight.includes(fromApi) && inFlight.includes(pendingButRunning);
      });
      const { result, chain } = await runDispatch(ctx, config, 'dispatch-meets-running-file');
      await ctx.client.workflow.getHandle(rerun.workflowId, rerun.runId).result();
      await running.result();
      const s = 'dispatch-meets-running-file';
      check(
        s,
        result.alreadyRunning === 2,
        `2 files already running (got ${result.alreadyRunning})`,
      );
      check(s, result.started === 1 && result.succeeded === 1, '1 file started and succeeded');
      check(
        s,
        hasEvent(chain[0], EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED),
        'a StartChildWorkflowExecutionFailed event',
      );
      recorded.push(...named(s, chain));
    } finally {
      simulator.setLatency(50);
    }
  });

  // A file that succeeds after retries: in error_files twice, then transcribed.
  await withWorker(ctx, {}, async (config) => {
    const flaky = filePath('d-3d4e5f60', 0);
    await store.insert([{ file_path: flaky }]);
    simulator.setFailPattern(/d-3d4e5f60/);
    try {
      const handle = await startTranscribe(ctx, config, flaky);
      await waitFor('two failed attempts', () => failedCount(ctx, flaky) >= 2);
      simulator.setFailPattern(undefined);
      const result = await handle.result();
      const s = 'file-succeeds-after-retries';
      check(s, result.attempt === 3, `success at attempt 3 (got ${result.attempt})`);
      recorded.push(
        ...named(s, [
          await runHistory(ctx, {
            workflowId: handle.workflowId,
            runId: handle.firstExecutionRunId,
          }),
        ]),
      );
    } finally {
      simulator.setFailPattern(undefined);
    }
  });

  // A file that ends failed (always in error_files), then its re-run from the API, which succeeds.
  await withWorker(ctx, {}, async (config) => {
    const poison = filePath('d-4e5f6071', 0);
    await store.insert([{ file_path: poison }]);
    simulator.setFailPattern(/d-4e5f6071/);
    let failedRunId: string | undefined;
    try {
      const handle = await startTranscribe(ctx, config, poison);
      failedRunId = handle.firstExecutionRunId;
      const error = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      const s = 'file-ends-failed';
      check(
        s,
        error instanceof WorkflowFailedError &&
          error.cause instanceof ApplicationFailure &&
          error.cause.type === TRANSCRIPTION_FAILED_ERROR_TYPE,
        `a ${TRANSCRIPTION_FAILED_ERROR_TYPE} failure (got ${String(error)})`,
      );
      check(s, (await store.getStatus(poison)) === TranscriptionStatus.Failed, 'the row failed');
      recorded.push(
        ...named(s, [
          await runHistory(ctx, {
            workflowId: handle.workflowId,
            runId: handle.firstExecutionRunId,
          }),
        ]),
      );
    } finally {
      simulator.setFailPattern(undefined);
    }

    const rerun = await failedFiles(ctx, config).retry(poison);
    const result = await ctx.client.workflow
      .getHandle<typeof transcribeFile>(rerun.workflowId, rerun.runId)
      .result();
    const s = 'rerun-of-failed-file';
    check(s, rerun.runId !== failedRunId, 'a new run of the same workflow id');
    check(s, result.attempt === 1, 'success at the first attempt');
    recorded.push(...named(s, [await runHistory(ctx, rerun)]));
  });

  // A file workflow cancelled (e.g. from the Web UI) while transcribing: the row goes back to
  // pending. Last, since the simulator keeps working on the file after the client has gone.
  await withWorker(ctx, {}, async (config) => {
    const slow = filePath('d-60718293', 0);
    await store.insert([{ file_path: slow }]);
    simulator.setLatency((p) => (p === slow ? 20_000 : 50));
    const handle = await startTranscribe(ctx, config, slow);
    await waitFor('the file at the transcriber', () =>
      simulator.stats.inFlightPaths().includes(slow),
    );
    await handle.cancel();
    const error = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    const s = 'file-cancelled';
    check(
      s,
      error instanceof WorkflowFailedError && error.cause instanceof CancelledFailure,
      `a cancelled workflow (got ${String(error)})`,
    );
    const history = await runHistory(ctx, {
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
    });
    check(
      s,
      hasEvent(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED),
      'a WorkflowExecutionCanceled event',
    );
    recorded.push(...named(s, [history]));
  });

  return recorded;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      overwrite: { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const output = path.resolve(values.out ?? DEFAULT_OUTPUT);
  await mkdir(output, { recursive: true });
  const existing = (await readdir(output)).filter(isOwnFixture);
  if (existing.length > 0 && !values.overwrite) {
    console.error(
      `record-histories: ${output} already holds ${existing.length} recorded fixtures ` +
        `(${existing.slice(0, 3).join(', ')}${existing.length > 3 ? ', …' : ''}). ` +
        'Refreshing them changes what the replay test proves: read test/fixtures/histories/README.md, ' +
        'then run again with --overwrite (or --out <dir> for a trial run).',
    );
    return 2;
  }

  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const started = Date.now();
  console.log('record-histories: starting a Temporal dev server and bundling the workflows…');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: locateTemporalCli().path },
      ip: '127.0.0.1',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  let recorded: Recorded[];
  const store = new LocalFileStore();
  const simulator = await TranscriberSimulator.start({
    store,
    port: 0,
    latencyMs: 50,
    logger: { log() {}, warn() {} },
  });
  let bundle: WorkflowBundle;
  try {
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
    });
    const ctx: Context = {
      client: env.client,
      connection: env.nativeConnection,
      store,
      simulator,
      bundle,
      address: env.connection.options.address,
    };
    recorded = await withTimeout(recordAll(ctx), RECORDING_TIMEOUT_MS, 'the scenarios');
  } finally {
    await simulator.stop();
    await env.teardown();
  }

  // The new histories must replay against the code that wrote them, or something is wrong here.
  const outcomes = await replayHistories(
    recorded.map(({ file, history }) => ({ name: file, workflowId: file, history })),
    { workflowBundle: bundle },
  );
  const mismatched = outcomes.filter((outcome) => !outcome.ok);
  if (mismatched.length > 0) {
    for (const outcome of mismatched) console.error(formatOutcome(outcome));
    throw new Error('freshly recorded histories do not replay; nothing was written');
  }

  // Written to a temporary directory first, so a failed run never leaves a half-refreshed set.
  const staging = await mkdtemp(path.join(os.tmpdir(), 'record-histories-'));
  try {
    for (const { file, history } of recorded) {
      await writeFile(path.join(staging, file), `${historyToJSON(history)}\n`);
    }
    for (const file of existing) await rm(path.join(output, file));
    for (const { file } of recorded) {
      const from = path.join(staging, file);
      const to = path.join(output, file);
      await rename(from, to).catch(() => copyFile(from, to));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  for (const { file, history } of recorded) {
    console.log(
      `recorded ${path.relative(process.cwd(), path.join(output, file))} (${history.events?.length ?? 0} events)`,
    );
  }
  console.log(
    `record-histories: ${recorded.length} histories in ${Math.round((Date.now() - started) / 1000)} s` +
      (existing.length > 0 ? ` (replaced ${existing.length})` : ''),
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`record-histories: ${(error as Error).stack ?? String(error)}`);
      process.exit(1);
    },
  );
}
