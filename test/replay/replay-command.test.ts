/**
 * `npm run replay` (src/replay/replay-command.ts, run in-process): what it prints and its exit
 * codes for files, for workflows fetched from a real dev server by id, for the open workflows
 * of a real dev server, for a history exported with the Temporal CLI, and for each way of giving
 * it something it cannot replay; the mismatch cases replay against the deliberately changed
 * workflows of test/replay/mutated-workflows/. Last, the built entry point as `npm run replay`
 * runs it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { LocalFileStore } from '../../src/files/local-file-store';
import { freeLoopbackPort } from '../../src/metrics/free-port';
import {
  HISTORY_FETCH_CONCURRENCY,
  mapConcurrent,
  ReplayExitCode,
  runReplayCommand,
  type ReplayCommandOptions,
} from '../../src/replay/replay-command';
import { locateTemporalCli } from '../../src/temporal/temporal-binaries';
import type { WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, type Worker, type WorkflowBundle } from '@temporalio/worker';
import { transcribeFile } from '../../workflows';
import { WORKFLOW_TYPES } from '../../workflows/workflow-types';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';

const REPO_ROOT = path.join(__dirname, '..', '..');
const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const FIXTURE = path.join(FIXTURES_DIR, 'file-completes-first-attempt.json');

let temporal: TemporalHarness;
let tmp: string;
/** test/replay/mutated-workflows: the file workflow checks the row's status before anything. */
let mutated: WorkflowBundle;

beforeAll(async () => {
  temporal = await startTemporal();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'replay-command-'));
  mutated = await bundleWorkflowCode({
    workflowsPath: require.resolve('./mutated-workflows'),
    logger: { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} },
  });
});

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await temporal?.stop();
});

async function replay(argv: string[], options: Partial<ReplayCommandOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReplayCommand(
    argv,
    { out: (line) => out.push(line), err: (line) => err.push(line) },
    {
      workflows: { workflowBundle: temporal.bundle },
      env: { TEMPORAL_ADDRESS: temporal.address },
      ...options,
    },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The fixture as if the recorded run had called its activity by another name. */
function renamedActivityFixture(): { file: string; eventId: number } {
  const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  const scheduled = json.events.find((e: { eventType: string }) =>
    e.eventType.endsWith('ACTIVITY_TASK_SCHEDULED'),
  );
  scheduled.activityTaskScheduledEventAttributes.activityType.name = 'transcribeWithOldName';
  const file = path.join(tmp, 'renamed-activity.json');
  writeFileSync(file, JSON.stringify(json));
  return { file, eventId: Number(scheduled.eventId) };
}

describe('--file', () => {
  it('prints OK and exits 0 for a fixture', async () => {
    const result = await replay(['--file', FIXTURE]);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok, err: '' });
    expect(result.out).toContain('OK       file-completes-first-attempt.json');
    expect(result.out).toContain('replay: 1 replayed, 1 OK, 0 mismatched');
  });

  it('prints the first mismatch and exits 1 for a history the code does not produce', async () => {
    const { file, eventId } = renamedActivityFixture();
    const result = await replay(['--file', FIXTURE, '--file', file]);
    expect(result.code).toBe(ReplayExitCode.Mismatch);
    expect(result.out).toContain('OK       file-completes-first-attempt.json');
    expect(result.out).toContain(
      `MISMATCH renamed-activity.json: DeterminismViolationError: event ${eventId} ` +
        'ActivityTaskScheduled (activity transcribeWithOldName): Activity type of scheduled ' +
        "event 'transcribeWithOldName' does not match activity type of activity command " +
        "'transcribeAudioFile'",
    );
    expect(result.out).toContain('replay: 2 replayed, 1 OK, 1 mismatched');
  });

  it('prints the mismatch of a fixture replayed against changed workflow code', async () => {
    const result = await replay(['--file', FIXTURE], { workflows: { workflowBundle: mutated } });
    expect(result.code).toBe(ReplayExitCode.Mismatch);
    expect(result.out).toMatch(
      /^MISMATCH file-completes-first-attempt\.json: DeterminismViolationError: event \d+ ActivityTaskScheduled \(activity transcribeAudioFile\): Activity type of scheduled event 'transcribeAudioFile' does not match activity type of activity command 'getFileStatus'$/m,
    );
  });

  it.each([
    ['a missing file', () => path.join(tmp, 'nope.json'), /nope\.json: no such file/],
    [
      'bad JSON',
      () => {
        const file = path.join(tmp, 'truncated.json');
        writeFileSync(file, '{"events": [');
        return file;
      },
      /truncated\.json is not valid JSON/,
    ],
    [
      'JSON that is not a history',
      () => {
        const file = path.join(tmp, 'other.json');
        writeFileSync(file, '{"workflows": []}');
        return file;
      },
      /other\.json is not a workflow history \(no "events" array\): export one with "temporal workflow show/,
    ],
    [
      'a history of a workflow type this product does not have',
      () => {
        const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
        json.events[0].workflowExecutionStartedEventAttributes.workflowType.name = 'otherWorkflow';
        const file = path.join(tmp, 'other-type.json');
        writeFileSync(file, JSON.stringify(json));
        return file;
      },
      /^replay: .*other-type\.json: a workflow of type "otherWorkflow", which this product does not have \(its workflows: dispatchPendingFiles, transcribeFile\)/,
    ],
    [
      // The replay worker would wait forever for a workflow task that never comes.
      'a history cut to its first event',
      () => {
        const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
        json.events = json.events.slice(0, 1);
        const file = path.join(tmp, 'first-event-only.json');
        writeFileSync(file, JSON.stringify(json));
        return file;
      },
      /first-event-only\.json: no workflow task in this history yet \(no WorkflowTaskScheduled event\): nothing to replay/,
    ],
  ])('exits 2 with a clear message for %s', async (_, makeFile, message) => {
    const result = await replay(['--file', makeFile()]);
    expect(result.code).toBe(ReplayExitCode.Error);
    expect(result.err).toMatch(message);
  });

  it('exits 2 with the usage when given nothing to replay', async () => {
    const result = await replay([]);
    expect(result.code).toBe(ReplayExitCode.Error);
    expect(result.err).toContain('usage: npm run replay');
  });
});

describe('--workflow-id on a dev server', () => {
  const file = 'files/d-9a8b7c6d/2026-12-01/00-00/audio.wav';
  const workflowId = transcribeWorkflowId(file);

  beforeAll(async () => {
    const store = new LocalFileStore();
    const simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 20,
      logger: { log() {}, warn() {} },
    });
    try {
      const config = testConfig(temporal, { SIMULATOR_PORT: new URL(simulator.url).port });
      await store.insert([{ file_path: file }]);
      const worker = await createTestWorker(temporal, config, store);
      await worker.runUntil(
        temporal.env.client.workflow.execute(transcribeFile, {
          workflowId,
          taskQueue: config.temporal.taskQueue,
          args: [{ filePath: file, settings: config.transcribeActivity }],
        }),
      );
    } finally {
      await simulator.stop();
    }
  });

  it('fetches the history from the configured server, prints OK and exits 0', async () => {
    const result = await replay(['--workflow-id', workflowId]);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok, err: '' });
    expect(result.out).toContain(`OK       ${workflowId}`);
    expect(result.out).toContain('replay: 1 replayed, 1 OK, 0 mismatched');
  });

  it('prints the mismatch and exits 1 when the code no longer replays that history', async () => {
    const result = await replay(['--workflow-id', workflowId], {
      workflows: { workflowBundle: mutated },
    });
    expect(result).toMatchObject({ code: ReplayExitCode.Mismatch, err: '' });
    expect(result.out).toMatch(
      new RegExp(
        `^MISMATCH ${workflowId}: DeterminismViolationError: event \\d+ ActivityTaskScheduled ` +
          "\\(activity transcribeAudioFile\\): Activity type of scheduled event 'transcribeAudioFile' " +
          "does not match activity type of activity command 'getFileStatus'$",
        'm',
      ),
    );
    expect(result.out).toContain('replay: 1 replayed, 0 OK, 1 mismatched');
  });

  it("--verbose adds the SDK's whole message", async () => {
    const result = await replay(['--workflow-id', workflowId, '--verbose'], {
      workflows: { workflowBundle: mutated },
    });
    expect(result.code).toBe(ReplayExitCode.Mismatch);
    expect(result.out).toMatch(/^ +Replay failed with a nondeterminism error\. .*\[TMPRL1100\]/m);
  });

  it('reads a history exported with "temporal workflow show -o json"', async () => {
    const exported = execFileSync(
      locateTemporalCli().path,
      ['workflow', 'show', '--address', temporal.address, '-w', workflowId, '-o', 'json'],
      { encoding: 'utf8' },
    );
    const exportedFile = path.join(tmp, 'cli-export.json');
    writeFileSync(exportedFile, exported);
    const result = await replay(['--file', exportedFile]);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok, err: '' });
    expect(result.out).toContain('OK       cli-export.json');
  });

  it('--open says so when no workflow is open', async () => {
    const result = await replay(['--open']);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok });
    expect(result.out).toContain('Nothing to replay: no open workflows');
  });

  it('exits 2 naming the id, namespace and server for an unknown workflow id', async () => {
    const result = await replay(['--workflow-id', 'transcribe:files/nobody/audio.wav']);
    expect(result.code).toBe(ReplayExitCode.Error);
    expect(result.err).toContain(
      `no workflow transcribe:files/nobody/audio.wav in namespace default on ${temporal.address}`,
    );
  });

  it('a workflow that has not had a workflow task yet: exit 2 by id, SKIPPED by --open', async () => {
    // A start delay holds back the first workflow task: the history is one event long.
    const delayedId = transcribeWorkflowId('files/d-delayed00/2026-12-01/00-00/audio.wav');
    await temporal.env.client.workflow.start(transcribeFile, {
      workflowId: delayedId,
      taskQueue: 'no-worker-polls-this',
      args: [{ filePath: 'files/d-delayed00/2026-12-01/00-00/audio.wav', settings: {} as never }],
      startDelay: '1 hour',
    });
    try {
      const byId = await replay(['--workflow-id', delayedId]);
      expect(byId.code).toBe(ReplayExitCode.Error);
      expect(byId.err).toContain(`replay: ${delayedId}: no workflow task in this history yet`);
      const open = await replay(['--open']);
      expect(open.code).toBe(ReplayExitCode.Ok);
      expect(open.out).toContain(`SKIPPED  ${delayedId}: no workflow task in this history yet`);
      expect(open.out).toContain('replay: 0 replayed, 0 OK, 0 mismatched, 1 not replayable yet');
    } finally {
      await temporal.env.client.workflow.getHandle(delayedId).terminate('test over');
    }
  });

  it('exits 2 for a workflow of a type this product does not have, naming it', async () => {
    const otherId = `other-type-${Date.now()}`;
    await temporal.env.client.workflow.start('otherWorkflow', {
      workflowId: otherId,
      taskQueue: 'no-worker-polls-this',
    });
    try {
      const result = await replay(['--workflow-id', otherId]);
      expect(result.code).toBe(ReplayExitCode.Error);
      expect(result.out).not.toContain('OK ');
      expect(result.err).toContain(
        `replay: ${otherId}: a workflow of type "otherWorkflow", which this product does not have`,
      );
    } finally {
      await temporal.env.client.workflow.getHandle(otherId).terminate('test over');
    }
  });

  it('exits 2 naming TEMPORAL_NAMESPACE for a namespace the server does not have', async () => {
    for (const argv of [['--workflow-id', workflowId], ['--open']]) {
      const result = await replay(argv, {
        env: { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'no-such-namespace' },
      });
      expect(result.code).toBe(ReplayExitCode.Error);
      expect(result.err).toBe(
        `replay: namespace no-such-namespace (TEMPORAL_NAMESPACE) does not exist on ${temporal.address}`,
      );
    }
  });

  it('exits 2 saying what a run id is for a --run-id that is not one', async () => {
    const result = await replay(['--workflow-id', workflowId, '--run-id', '123']);
    expect(result.code).toBe(ReplayExitCode.Error);
    expect(result.err).toMatch(
      /^replay: the server refused to fetch .* \(run 123\): .*; --run-id takes a run id \(a UUID\)/,
    );
  });

  it('exits 2 naming the address for an unreachable server', async () => {
    const address = `127.0.0.1:${await freeLoopbackPort()}`;
    const result = await replay(['--workflow-id', workflowId], {
      env: { TEMPORAL_ADDRESS: address },
      connectTimeoutMs: 1_000,
    });
    expect(result.code).toBe(ReplayExitCode.Error);
    expect(result.err).toContain(
      `cannot reach the Temporal server at ${address} (TEMPORAL_ADDRESS)`,
    );
  });
});

describe('--open with open workflows on a dev server', () => {
  /** More than one window of concurrent fetches. */
  const OPEN_FILES = HISTORY_FETCH_CONCURRENCY + 2;
  const files = Array.from(
    { length: OPEN_FILES },
    (_, i) => `files/d-4c3b2a19/2026-12-01/${String(i).padStart(2, '0')}-00/audio.wav`,
  );
  /** A transcriber that takes every request and never answers: the activities stay blocked. */
  let blackHole: http.Server;
  let worker: Worker;
  let running: Promise<void>;
  let handles: Array<WorkflowHandle<typeof transcribeFile>> = [];

  beforeAll(async () => {
    blackHole = http.createServer(() => {});
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as AddressInfo;
    const config = testConfig(temporal, { TRANSCRIBER_URL: `http://127.0.0.1:${port}` });
    const store = new LocalFileStore();
    await store.insert(files.map((file_path) => ({ file_path })));
    worker = await createTestWorker(temporal, config, store);
    running = worker.run();
    handles = await Promise.all(
      files.map((filePath) =>
        temporal.env.client.workflow.start(transcribeFile, {
          workflowId: transcribeWorkflowId(filePath),
          taskQueue: config.temporal.taskQueue,
          args: [{ filePath, settings: config.transcribeActivity }],
        }),
      ),
    );
    // Open, with their first command recorded (the blocked transcription); and listed.
    await waitFor(async () => {
      const histories = await Promise.all(handles.map((handle) => handle.fetchHistory()));
      return histories.every((history) =>
        history.events?.some((e) => e.activityTaskScheduledEventAttributes),
      );
    });
    await waitFor(async () => {
      const { count } = await temporal.env.client.workflow.count(
        "ExecutionStatus = 'Running' AND WorkflowType = 'transcribeFile'",
      );
      return count === OPEN_FILES;
    });
  });

  afterAll(async () => {
    // Ended first, so that the blocked activities are cancelled quietly rather than cut off.
    await Promise.all(handles.map((handle) => handle.terminate('test over')));
    worker?.shutdown();
    await running;
    blackHole?.closeAllConnections();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  it('replays every open workflow against the current code: OK, exit 0', async () => {
    const result = await replay(['--open']);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok, err: '' });
    for (const file of files)
      expect(result.out).toContain(`OK       ${transcribeWorkflowId(file)}`);
    expect(result.out).toContain(`replay: ${OPEN_FILES} replayed, ${OPEN_FILES} OK, 0 mismatched`);
  });

  it('prints each mismatch and exits 1 against code that no longer replays them', async () => {
    const result = await replay(['--open'], { workflows: { workflowBundle: mutated } });
    expect(result).toMatchObject({ code: ReplayExitCode.Mismatch, err: '' });
    const mismatches = result.out.split('\n').filter((line) => line.startsWith('MISMATCH '));
    expect(mismatches).toHaveLength(OPEN_FILES);
    for (const line of mismatches) {
      expect(line).toMatch(
        /^MISMATCH transcribe:\S+: DeterminismViolationError: event \d+ ActivityTaskScheduled \(activity transcribeAudioFile\): /,
      );
    }
    expect(result.out).toContain(`replay: ${OPEN_FILES} replayed, 0 OK, ${OPEN_FILES} mismatched`);
  });

  it('takes --file and --open together, files first', async () => {
    const result = await replay(['--open', '--file', FIXTURE]);
    expect(result.code).toBe(ReplayExitCode.Ok);
    expect(result.out.split('\n')[0]).toBe('OK       file-completes-first-attempt.json');
    expect(result.out).toContain(`replay: ${OPEN_FILES + 1} replayed`);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('WORKFLOW_TYPES', () => {
  it('names exactly the workflows the bundle exports', async () => {
    const exported = Object.keys(await import('../../workflows')).sort();
    expect([...WORKFLOW_TYPES].sort()).toEqual(exported);
  });
});

describe('mapConcurrent (how --open fetches histories)', () => {
  it('keeps at most the limit in flight, yields in input order, and fetches ahead', async () => {
    let inFlight = 0;
    let peak = 0;
    const fetched: number[] = [];
    const items = Array.from({ length: 50 }, (_, i) => i);
    const results: number[] = [];
    for await (const result of mapConcurrent(items, HISTORY_FETCH_CONCURRENCY, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      fetched.push(i);
      // Later items finish first: the output order must not follow completion order.
      await new Promise((resolve) => setTimeout(resolve, 20 - (i % 10) * 2));
      inFlight -= 1;
      return i * 10;
    })) {
      results.push(result);
    }
    expect(results).toEqual(items.map((i) => i * 10));
    expect(peak).toBe(HISTORY_FETCH_CONCURRENCY);
    expect(HISTORY_FETCH_CONCURRENCY).toBe(10);
  });

  it('stops fetching when the consumer stops, and rethrows a failed fetch in its turn', async () => {
    let started = 0;
    const failing = mapConcurrent(
      Array.from({ length: 100 }, (_, i) => i),
      3,
      async (i) => {
        started += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (i === 4) throw new Error('fetch 4 failed');
        return i;
      },
    );
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const value of failing) seen.push(value);
      })(),
    ).rejects.toThrow('fetch 4 failed');
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(started).toBeLessThanOrEqual(7);
  });
});

describe('the entry point, as npm run replay runs it', () => {
  const env = { ...process.env };
  delete env.WORKFLOW_BUNDLE_PATH;

  function run(command: string, args: string[]) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(command, args, { cwd: REPO_ROOT, env }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  it('npm run replay -- --file <fixture>: builds, prints OK, exits 0', async () => {
    const result = await run('npm', ['run', '--silent', 'replay', '--', '--file', FIXTURE]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(
      'OK       file-completes-first-attempt.json\nreplay: 1 replayed, 1 OK, 0 mismatched\n',
    );
  }, 180_000);

  it('dist/scripts/replay.js --file <doctored fixture>: prints the mismatch, exits 1', async () => {
    const { file, eventId } = renamedActivityFixture();
    const result = await run(process.execPath, [
      path.join(REPO_ROOT, 'dist', 'scripts', 'replay.js'),
      '--file',
      file,
    ]);
    // The SDK's own warnings about the failing workflow task stay out of the output.
    expect(result).toMatchObject({ code: 1, stderr: '' });
    expect(result.stdout).toBe(
      `MISMATCH renamed-activity.json: DeterminismViolationError: event ${eventId} ` +
        'ActivityTaskScheduled (activity transcribeWithOldName): Activity type of scheduled ' +
        "event 'transcribeWithOldName' does not match activity type of activity command " +
        "'transcribeAudioFile'\nreplay: 1 replayed, 0 OK, 1 mismatched\n",
    );
  });

  it('exits 2 with the usage when given nothing', async () => {
    const result = await run(process.execPath, [
      path.join(REPO_ROOT, 'dist', 'scripts', 'replay.js'),
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run replay');
  });
});
