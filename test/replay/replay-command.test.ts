/**
 * `npm run replay` (src/replay/replay-command.ts, run in-process): what it prints and its exit
 * codes for files, for workflows fetched from a real dev server by id, for a history exported
 * with the Temporal CLI, and for each way of giving it something it cannot replay.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { LocalFileStore } from '../../src/files/local-file-store';
import { freeLoopbackPort } from '../../src/metrics/free-port';
import {
  ReplayExitCode,
  runReplayCommand,
  type ReplayCommandOptions,
} from '../../src/replay/replay-command';
import { locateTemporalCli } from '../../src/temporal/temporal-binaries';
import { transcribeFile } from '../../workflows';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from '../support/temporal-harness';

const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const FIXTURE = path.join(FIXTURES_DIR, 'file-completes-first-attempt.json');

let temporal: TemporalHarness;
let tmp: string;

beforeAll(async () => {
  temporal = await startTemporal();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'replay-command-'));
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

describe('--file', () => {
  it('prints OK and exits 0 for a fixture', async () => {
    const result = await replay(['--file', FIXTURE]);
    expect(result).toMatchObject({ code: ReplayExitCode.Ok, err: '' });
    expect(result.out).toContain('OK       file-completes-first-attempt.json');
    expect(result.out).toContain('replay: 1 OK, 0 mismatched');
  });

  it('prints the first mismatch and exits 1 for a history the code does not produce', async () => {
    // The recorded run called another activity than today's code does.
    const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    const scheduled = json.events.find((e: { eventType: string }) =>
      e.eventType.endsWith('ACTIVITY_TASK_SCHEDULED'),
    );
    scheduled.activityTaskScheduledEventAttributes.activityType.name = 'transcribeWithOldName';
    const file = path.join(tmp, 'renamed-activity.json');
    writeFileSync(file, JSON.stringify(json));

    const result = await replay(['--file', FIXTURE, '--file', file]);
    expect(result.code).toBe(ReplayExitCode.Mismatch);
    expect(result.out).toContain('OK       file-completes-first-attempt.json');
    expect(result.out).toMatch(
      /MISMATCH renamed-activity\.json: DeterminismViolationError: .*'transcribeWithOldName'.*'transcribeAudioFile'/,
    );
    expect(result.out).toContain('replay: 1 OK, 1 mismatched');
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
