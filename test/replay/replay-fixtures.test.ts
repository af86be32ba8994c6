/**
 * The determinism guard: every recorded history under test/fixtures/histories (listed from the
 * directory, subdirectories included) replays against the current workflow code; and, so that
 * the guard cannot pass silently, the same histories replayed against deliberately changed
 * copies of the workflows (test/replay/mutated-workflows/) fail with a DeterminismViolationError.
 *
 * A failure here means a workflow change would break runs already in flight: read
 * workflows/CHANGING-WORKFLOWS.md before refreshing any fixture.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  Worker,
  type WorkflowBundle,
} from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON } from '../../src/replay/history-json';
import {
  describeMismatch,
  readHistoryFile,
  replayHistories,
  type NamedHistory,
  type ReplayOutcome,
} from '../../src/replay/replay-histories';
import { SCENARIOS } from '../../scripts/record-histories';

const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');

/** Every *.json below the directory, as paths relative to it, sorted. */
function listFixtures(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      const relative = path.join(prefix, entry);
      if (statSync(full).isDirectory()) return listFixtures(full, relative);
      return entry.endsWith('.json') ? [relative] : [];
    })
    .sort();
}

const fixtures = listFixtures(FIXTURES_DIR);
const quiet = { warn() {}, info() {}, debug() {}, trace() {}, error: console.error, log() {} };

async function loadFixtures(names: string[]): Promise<NamedHistory[]> {
  return Promise.all(
    names.map(async (name) => ({
      ...(await readHistoryFile(path.join(FIXTURES_DIR, name))),
      name,
    })),
  );
}

function explain(outcome: ReplayOutcome): string {
  return [
    `${outcome.name} no longer replays against the current workflow code.`,
    `First mismatch: ${outcome.mismatch}`,
    `${outcome.errorName}: ${outcome.error}`,
    'A running workflow with this history would fail on the new code. Guard the change with',
    'patched() (workflows/CHANGING-WORKFLOWS.md); refresh fixtures only when the change is safe.',
  ].join('\n');
}

beforeAll(() => {
  // The replay worker's state changes and the core's "Failing workflow task" warnings (expected
  // for the mutated workflows below) would bury the test output.
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
  });
});

describe('recorded histories replay against the current workflow code', () => {
  const outcomes = new Map<string, ReplayOutcome>();

  beforeAll(async () => {
    if (fixtures.length === 0) return;
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: quiet,
    });
    for (const outcome of await replayHistories(await loadFixtures(fixtures), {
      workflowBundle: bundle,
    })) {
      outcomes.set(outcome.name, outcome);
    }
  });

  it(`finds fixtures in ${path.relative(process.cwd(), FIXTURES_DIR)}`, () => {
    if (fixtures.length === 0) {
      throw new Error(
        `No recorded histories in ${FIXTURES_DIR}: the replay guard would prove nothing. ` +
          'Record them with "npm run record-histories" (test/fixtures/histories/README.md).',
      );
    }
    // Both workflow types are covered.
    expect(fixtures.some((name) => path.basename(name).startsWith('dispatch-'))).toBe(true);
    expect(fixtures.some((name) => !path.basename(name).startsWith('dispatch-'))).toBe(true);
  });

  it('holds a fixture for every scenario of scripts/record-histories.ts', () => {
    const missing = SCENARIOS.filter(
      (scenario) =>
        !fixtures.some((name) => new RegExp(`^${scenario}(\\.run-\\d+)?\\.json$`).test(name)),
    );
    expect(missing).toEqual([]);
  });

  it.each(fixtures.length > 0 ? fixtures : ['(no fixtures)'])('%s replays', (name) => {
    const outcome = outcomes.get(name);
    if (!outcome) throw new Error(`${name} was not replayed (no fixtures?)`);
    if (!outcome.ok) throw new Error(explain(outcome));
  });
});

describe('the guard catches a nondeterministic change', () => {
  let mutated: WorkflowBundle;
  let histories: Map<string, NamedHistory>;
  let outcomes: Map<string, ReplayOutcome>;
  const dispatchFixture = 'dispatch-completes-files.json';
  const fileFixture = 'file-succeeds-after-retries.json';

  beforeAll(async () => {
    mutated = await bundleWorkflowCode({
      workflowsPath: require.resolve('./mutated-workflows'),
      logger: quiet,
    });
    histories = new Map((await loadFixtures(fixtures)).map((h) => [h.name, h]));
    outcomes = new Map(
      (await replayHistories([...histories.values()], { workflowBundle: mutated })).map(
        (outcome) => [outcome.name, outcome],
      ),
    );
  });

  it('a dispatch whose children start before their rows are marked does not replay', async () => {
    const { history } = histories.get(dispatchFixture)!;
    const error: unknown = await Worker.runReplayHistory(
      { workflowBundle: mutated, replayName: 'guard' },
      history,
      'dispatch',
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DeterminismViolationError);
    expect((error as Error).name).toBe('DeterminismViolationError');
    expect((error as Error).message).toMatch(/Nondeterminism error/);
  });

  // Every recorded history starts with a command the changed workflows issue differently.
  it.each(fixtures.length > 0 ? fixtures : ['(no fixtures)'])(
    '%s: the report names the fixture and the first mismatching event',
    (name) => {
      const outcome = outcomes.get(name);
      if (!outcome) throw new Error(`${name} was not replayed (no fixtures?)`);
      expect(outcome).toMatchObject({ ok: false, errorName: 'DeterminismViolationError' });
      expect(outcome.mismatch).toMatch(/^event \d+ [A-Z][A-Za-z]+ (\(.*\) )?.*: \S/);
      expect(outcome.mismatchEventId).toBe(Number(/^event (\d+)/.exec(outcome.mismatch!)![1]));
      expect(explain(outcome)).toContain(name);
    },
  );

  it('names the recorded event met where the changed code issues another command', () => {
    // The SDK names the event itself: the recorded markFilesProcessing is met where the changed
    // code starts a child.
    expect(outcomes.get(dispatchFixture)!.mismatch).toMatch(
      /^event \d+ ActivityTaskScheduled \(activity markFilesProcessing\): Child workflow machine does not handle this event$/,
    );
    // The SDK names only the activity types: the event is found in the history.
    const { history } = histories.get(fileFixture)!;
    const scheduled = history.events!.find(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'transcribeAudioFile',
    )!;
    expect(outcomes.get(fileFixture)!.mismatch).toBe(
      `event ${Number(scheduled.eventId)} ActivityTaskScheduled (activity transcribeAudioFile): ` +
        "Activity type of scheduled event 'transcribeAudioFile' does not match activity type of " +
        "activity command 'getFileStatus'",
    );
  });
});

describe('the report names the first mismatching event for each kind of mismatch', () => {
  /** The parts of an exported history's events these tests change. */
  interface JsonEvent {
    eventId: string;
    eventType: string;
    activityTaskScheduledEventAttributes?: { activityId: string; activityType: { name: string } };
    startChildWorkflowExecutionInitiatedEventAttributes?: {
      workflowId: string;
      workflowType: { name: string };
    };
  }
  type Json = { events: JsonEvent[] };
  let current: WorkflowBundle;
  const dispatchFixture = 'dispatch-completes-files.json';
  const fileFixture = 'file-completes-first-attempt.json';

  beforeAll(async () => {
    current = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: quiet,
    });
  });

  function load(name: string): Json {
    return JSON.parse(readFileSync(path.join(FIXTURES_DIR, name), 'utf8')) as Json;
  }

  function ofType(json: Json, type: string): JsonEvent[] {
    return json.events.filter((e) => String(e.eventType).endsWith(type));
  }

  async function replayDoctored(json: Json, bundle = current): Promise<ReplayOutcome> {
    const [outcome] = await replayHistories(
      [{ name: 'doctored', workflowId: 'doctored', history: historyFromJSON(json) }],
      { workflowBundle: bundle },
    );
    return outcome;
  }

  it('an activity of another type (the SDK names only the types)', async () => {
    const json = load(dispatchFixture);
    const event = ofType(json, 'ACTIVITY_TASK_SCHEDULED')[2];
    event.activityTaskScheduledEventAttributes!.activityType.name = 'listPendingRows';
    const outcome = await replayDoctored(json);
    expect(outcome.mismatch).toMatch(
      new RegExp(
        `^event ${event.eventId} ActivityTaskScheduled \\(activity listPendingRows\\): ` +
          "Activity type of scheduled event 'listPendingRows' does not match",
      ),
    );
  });

  it('an activity of a type recorded several times: found by replaying prefixes', async () => {
    // The second listPendingFiles recorded as markFilesProcessing, as if the code had once
    // marked rows there: the message names markFilesProcessing, which fits several events.
    const json = load(dispatchFixture);
    const scheduled = ofType(json, 'ACTIVITY_TASK_SCHEDULED');
    const type = (e: JsonEvent): string =>
      e.activityTaskScheduledEventAttributes!.activityType.name;
    const lists = scheduled.filter((e) => type(e) === 'listPendingFiles');
    const doctored = lists[1];
    const marksBefore = scheduled.filter(
      (e) => type(e) === 'markFilesProcessing' && Number(e.eventId) < Number(doctored.eventId),
    );
    expect(marksBefore.length).toBeGreaterThan(0); // the fixture still pages
    doctored.activityTaskScheduledEventAttributes!.activityType.name = 'markFilesProcessing';
    const fits = scheduled.filter((e) => type(e) === 'markFilesProcessing').length;

    const outcome = await replayDoctored(json);
    expect(outcome.mismatchEventId).toBe(Number(doctored.eventId));
    expect(outcome.mismatch).toBe(
      `event ${doctored.eventId} ActivityTaskScheduled (activity markFilesProcessing): ` +
        "Activity type of scheduled event 'markFilesProcessing' does not match activity type of " +
        "activity command 'listPendingFiles'",
    );
    // Without replaying, only the first candidate can be named, and the line says so.
    expect(describeMismatch(outcome.error!, historyFromJSON(json))).toMatch(
      new RegExp(
        `^event ${marksBefore[0].eventId} ActivityTaskScheduled \\(activity markFilesProcessing\\) ` +
          `\\[first of ${fits} events the message fits\\]: Activity type`,
      ),
    );
  });

  it('an activity with another id', async () => {
    const json = load(dispatchFixture);
    const event = ofType(json, 'ACTIVITY_TASK_SCHEDULED')[1];
    event.activityTaskScheduledEventAttributes!.activityId = '99';
    const outcome = await replayDoctored(json);
    expect(outcome.mismatch).toMatch(
      new RegExp(
        `^event ${event.eventId} ActivityTaskScheduled \\(activity releaseStuckFiles\\): ` +
          "Activity id of scheduled event '99' does not match activity id of activity command",
      ),
    );
  });

  it('a child workflow of another type, among several children', async () => {
    const json = load(dispatchFixture);
    const children = ofType(json, 'START_CHILD_WORKFLOW_EXECUTION_INITIATED');
    expect(children.length).toBeGreaterThan(2);
    // Every child from the third on recorded as another workflow type.
    for (const child of children.slice(2)) {
      child.startChildWorkflowExecutionInitiatedEventAttributes!.workflowType.name =
        'oldTranscribe';
    }
    const outcome = await replayDoctored(json);
    expect(outcome.mismatch).toMatch(
      new RegExp(
        `^event ${children[2].eventId} StartChildWorkflowExecutionInitiated ` +
          `\\(workflow oldTranscribe, id transcribe:[^)]+\\): ` +
          "Child workflow type of scheduled event 'oldTranscribe' does not match",
      ),
    );
  });

  it('a child workflow with another id', async () => {
    const json = load(dispatchFixture);
    const child = ofType(json, 'START_CHILD_WORKFLOW_EXECUTION_INITIATED')[1];
    child.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId = 'transcribe:elsewhere';
    const outcome = await replayDoctored(json);
    expect(outcome.mismatch).toMatch(
      new RegExp(
        `^event ${child.eventId} StartChildWorkflowExecutionInitiated ` +
          '\\(workflow transcribeFile, id transcribe:elsewhere\\): ' +
          "Child workflow id of scheduled event 'transcribe:elsewhere' does not match",
      ),
    );
  });

  it("an event for which the code issued no command (the core's other event format)", async () => {
    const stalled = await bundleWorkflowCode({
      workflowsPath: require.resolve('./mutated-workflows/stalled'),
      logger: quiet,
    });
    const json = load(fileFixture);
    const first = ofType(json, 'ACTIVITY_TASK_SCHEDULED')[0];
    const outcome = await replayDoctored(json, stalled);
    expect(outcome.error).toMatch(/HistoryEvent\(id: \d+/);
    expect(outcome.mismatch).toBe(
      `event ${first.eventId} ActivityTaskScheduled (activity transcribeAudioFile): ` +
        'No command scheduled for event',
    );
  });
});
