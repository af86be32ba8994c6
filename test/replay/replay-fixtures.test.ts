/**
 * The determinism guard: every recorded history under test/fixtures/histories (listed from the
 * directory, subdirectories included) replays against the current workflow code; and, so that
 * the guard cannot pass silently, the same histories replayed against deliberately changed
 * copies of the workflows (test/replay/mutated-workflows/) fail with a DeterminismViolationError.
 *
 * A failure here means a workflow change would break runs already in flight: read
 * workflows/CHANGING-WORKFLOWS.md before refreshing any fixture.
 */
import { readdirSync, statSync } from 'node:fs';
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
import {
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
  const dispatchFixture = 'dispatch-completes-files.json';
  const fileFixture = 'file-succeeds-after-retries.json';

  beforeAll(async () => {
    mutated = await bundleWorkflowCode({
      workflowsPath: require.resolve('./mutated-workflows'),
      logger: quiet,
    });
    histories = new Map(
      (await loadFixtures([dispatchFixture, fileFixture])).map((h) => [h.name, h]),
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

  it('the report names the fixture and the first mismatching event', async () => {
    const outcomes = await replayHistories([...histories.values()], { workflowBundle: mutated });
    const byName = new Map(outcomes.map((outcome) => [outcome.name, outcome]));

    const dispatch = byName.get(dispatchFixture)!;
    expect(dispatch).toMatchObject({ ok: false, errorName: 'DeterminismViolationError' });
    // The recorded markFilesProcessing is met where the changed code starts a child.
    expect(dispatch.mismatch).toMatch(
      /^event \d+ ActivityTaskScheduled \(activity markFilesProcessing\): /,
    );
    expect(explain(dispatch)).toContain(dispatchFixture);

    const file = byName.get(fileFixture)!;
    expect(file).toMatchObject({ ok: false, errorName: 'DeterminismViolationError' });
    expect(file.mismatch).toMatch(
      /scheduled event 'transcribeAudioFile' does not match .* command 'getFileStatus'/,
    );
  });
});
