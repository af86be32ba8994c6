/**
 * The procedure of workflows/CHANGING-WORKFLOWS.md ("patched(): changing code that running
 * workflows still need"), proven on one real change: `transcribeFile` gets a new first step (a
 * status check through the `getFileStatus` activity), in three forms under
 * test/replay/patched-workflows/:
 *
 * - unguarded.ts, the change as one would first write it: the recorded histories (runs that may be
 *   in flight) no longer replay, and the report names the event;
 * - patched.ts, the same change behind `patched(id)`: every recorded history replays (old runs
 *   take the old branch), and a run started on this code takes the new branch and records the
 *   patch marker; that run does not replay on the code before the patch, so a worker rollback
 *   after the deploy is no longer safe;
 * - deprecated.ts, `deprecatePatch(id)` with the old branch deleted: runs recorded with the patch
 *   replay; runs recorded before it do not (why their fixtures are deleted at that step).
 *
 * The live runs go through a real dev server with the real worker, activities, local store and
 * transcriber simulator.
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { TranscriberSimulator } from '../../src/demo/transcriber-simulator';
import { transcribeWorkflowId } from '../../src/files/file-path';
import { LocalFileStore } from '../../src/files/local-file-store';
import { TranscriptionStatus } from '../../src/files/transcription-status';
import {
  readHistoryFile,
  replayHistories,
  type NamedHistory,
  type ReplayOutcome,
} from '../../src/replay/replay-histories';
import type { transcribeFile } from '../../workflows';
import {
  createTranscriptionWorker,
  type TranscriptionWorkerOptions,
} from '../../src/temporal/create-worker';
import { startTemporal, testConfig, type TemporalHarness } from '../support/temporal-harness';
import { STATUS_CHECK_PATCH_ID } from './patched-workflows/status-check';

type History = temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;
const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');
const quiet = { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} };

function listFixtures(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .flatMap((entry) => {
      const relative = path.join(prefix, entry);
      if (statSync(path.join(dir, entry)).isDirectory()) {
        return listFixtures(path.join(dir, entry), relative);
      }
      return entry.endsWith('.json') ? [relative] : [];
    })
    .sort();
}

function workflowType(history: History): string | null | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
}

function activityTypes(history: History): string[] {
  return (history.events ?? []).flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

const bundles: Record<'current' | 'unguarded' | 'patched' | 'deprecated', WorkflowBundle> =
  {} as never;
let fixtures: NamedHistory[];
let harness: TemporalHarness;

beforeAll(async () => {
  // First: it installs the SDK runtime (its logger) for this test file.
  harness = await startTemporal();
  const entries = {
    current: require.resolve('../../workflows'),
    unguarded: require.resolve('./patched-workflows/unguarded'),
    patched: require.resolve('./patched-workflows/patched'),
    deprecated: require.resolve('./patched-workflows/deprecated'),
  };
  for (const [name, workflowsPath] of Object.entries(entries)) {
    bundles[name as keyof typeof bundles] = await bundleWorkflowCode({
      workflowsPath,
      logger: quiet,
    });
  }
  fixtures = await Promise.all(
    listFixtures(FIXTURES_DIR).map(async (name) => ({
      ...(await readHistoryFile(path.join(FIXTURES_DIR, name))),
      name,
    })),
  );
});

afterAll(async () => {
  await harness?.stop();
});

async function replayAll(
  histories: NamedHistory[],
  bundle: WorkflowBundle,
): Promise<Map<string, ReplayOutcome>> {
  const outcomes = await replayHistories(histories, { workflowBundle: bundle });
  return new Map(outcomes.map((outcome) => [outcome.name, outcome]));
}

const STATUS_CHECK_MISMATCH =
  /^event \d+ ActivityTaskScheduled \(activity transcribeAudioFile\): Activity type of scheduled event 'transcribeAudioFile' does not match activity type of activity command 'getFileStatus'$/;

describe('the recorded histories (runs from before the change)', () => {
  it('include file workflows that go straight to the transcription', () => {
    const files = fixtures.filter((f) => workflowType(f.history) === 'transcribeFile');
    expect(files.length).toBeGreaterThan(0);
    for (const { history } of files) expect(activityTypes(history)[0]).toBe('transcribeAudioFile');
  });

  it('do not replay against the change made without patched()', async () => {
    const outcomes = await replayAll(fixtures, bundles.unguarded);
    for (const { name, history } of fixtures) {
      const outcome = outcomes.get(name)!;
      if (workflowType(history) === 'transcribeFile') {
        expect({ name, ok: outcome.ok }).toEqual({ name, ok: false });
        expect(outcome.errorName).toBe('DeterminismViolationError');
        expect(outcome.mismatch).toMatch(STATUS_CHECK_MISMATCH);
      } else {
        // The dispatch is unchanged: only file workflows are affected.
        expect({ name, ok: outcome.ok, error: outcome.error }).toEqual({
          name,
          ok: true,
          error: undefined,
        });
      }
    }
  });

  it('all replay against the same change guarded by patched()', async () => {
    const outcomes = await replayAll(fixtures, bundles.patched);
    const failed = [...outcomes.values()].filter((outcome) => !outcome.ok);
    expect(failed).toEqual([]);
    expect(outcomes.size).toBe(fixtures.length);
  });

  it('no longer replay once the patch is deprecated and the old branch deleted', async () => {
    const files = fixtures.filter((f) => workflowType(f.history) === 'transcribeFile');
    const outcomes = await replayAll(files, bundles.deprecated);
    for (const { name } of files) {
      expect(outcomes.get(name)).toMatchObject({ ok: false, mismatch: STATUS_CHECK_MISMATCH });
    }
  });
});

describe('runs started on the patched code (dev server)', () => {
  let simulator: TranscriberSimulator;
  const store = new LocalFileStore();
  const pendingFile = 'files/d-7e6f5a4b/2026-12-01/00-00/audio.wav';
  const completedFile = 'files/d-7e6f5a4b/2026-12-01/00-30/audio.wav';
  const runs = new Map<string, { result: unknown; history: NamedHistory }>();

  beforeAll(async () => {
    simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 20,
      logger: { log() {}, warn() {} },
    });
    const config = testConfig(harness, { SIMULATOR_PORT: new URL(simulator.url).port });
    await store.insert([
      { file_path: pendingFile },
      { file_path: completedFile, transcriptions_status: TranscriptionStatus.Completed },
    ]);
    const options: TranscriptionWorkerOptions = {
      config,
      store,
      connection: harness.env.nativeConnection,
      workflowBundle: bundles.patched,
    };
    const worker = await createTranscriptionWorker(options);
    await worker.runUntil(async () => {
      for (const filePath of [pendingFile, completedFile]) {
        const workflowId = transcribeWorkflowId(filePath);
        const handle = await harness.env.client.workflow.start<typeof transcribeFile>(
          'transcribeFile',
          {
            workflowId,
            taskQueue: config.temporal.taskQueue,
            args: [{ filePath, settings: config.transcribeActivity }],
          },
        );
        const result: unknown = await handle.result();
        runs.set(filePath, {
          result,
          history: { name: workflowId, workflowId, history: await handle.fetchHistory() },
        });
      }
    });
  });

  afterAll(async () => {
    await simulator?.stop();
  });

  it('take the new branch and record the patch marker before the new step', () => {
    for (const filePath of [pendingFile, completedFile]) {
      const events = runs.get(filePath)!.history.history.events ?? [];
      const marker = events.findIndex(
        (e) =>
          e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED &&
          e.markerRecordedEventAttributes?.markerName === 'core_patch',
      );
      const statusCheck = events.findIndex(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getFileStatus',
      );
      expect({ filePath, marker: marker >= 0, statusCheck: statusCheck > marker }).toEqual({
        filePath,
        marker: true,
        statusCheck: true,
      });
    }
    expect(activityTypes(runs.get(pendingFile)!.history.history)).toEqual([
      'getFileStatus',
      'transcribeAudioFile',
    ]);
    expect(runs.get(pendingFile)!.result).toMatchObject({ filePath: pendingFile, attempt: 1 });
    // The new step at work: nothing sent for a file that is already done.
    expect(activityTypes(runs.get(completedFile)!.history.history)).toEqual(['getFileStatus']);
    expect(runs.get(completedFile)!.result).toEqual({
      filePath: completedFile,
      outcome: 'already-completed',
      attempt: 0,
    });
  });

  it('replay against the patched code and against its deprecatePatch() successor', async () => {
    const histories = [...runs.values()].map((run) => run.history);
    for (const bundle of [bundles.patched, bundles.deprecated]) {
      const outcomes = await replayAll(histories, bundle);
      expect([...outcomes.values()].filter((outcome) => !outcome.ok)).toEqual([]);
    }
  });

  it('do not replay against the code before the patch: no rollback once they exist', async () => {
    const histories = [...runs.values()].map((run) => run.history);
    const outcomes = await replayAll(histories, bundles.current);
    for (const { name } of histories) {
      const outcome = outcomes.get(name)!;
      expect(outcome).toMatchObject({ ok: false, errorName: 'DeterminismViolationError' });
      expect(outcome.mismatch).toMatch(
        new RegExp(
          `^event \\d+ MarkerRecorded \\(marker core_patch, patch ${STATUS_CHECK_PATCH_ID}\\): `,
        ),
      );
    }
  });
});
