/**
 * What start-up says about the schedule, on a real dev server: the line names the live cron
 * (an operator's change is kept and said so) and a pause; a refused cron or zone is a
 * configuration error naming the variables.
 */
import type { Client } from '@temporalio/client';
import { ConfigError } from '../src/config/load-config';
import {
  describeUpsert,
  updateScheduleSpec,
  UpsertOutcome,
  upsertTranscriptionSchedule,
  type ScheduleSettings,
} from '../src/temporal/transcription-schedule';
import { startTemporal, type TemporalHarness } from './support/temporal-harness';

let temporal: TemporalHarness;
let client: Client;

beforeAll(async () => {
  temporal = await startTemporal();
  client = temporal.env.client;
});
afterAll(async () => {
  await temporal?.stop();
});

const settings = (id: string, overrides: Partial<ScheduleSettings> = {}): ScheduleSettings => ({
  id,
  cron: '0 */3 * * *',
  timezone: 'Asia/Tokyo',
  catchupWindowMs: 3_600_000,
  taskQueue: 'startup-test',
  ...overrides,
});

test('the start-up line tells the live cron, an operator change kept, and a pause with its note', async () => {
  const config = settings('startup-line');
  const created = await upsertTranscriptionSchedule(client, config);
  expect(await describeUpsert(client, config, created)).toBe(
    'Schedule startup-line created: cron "0 */3 * * *" in Asia/Tokyo',
  );

  await updateScheduleSpec(client, config, { cron: '0 */6 * * *', timezone: 'Asia/Tokyo' });
  await client.schedule.getHandle(config.id).pause('disk maintenance');
  const again = await upsertTranscriptionSchedule(client, config);
  expect(await describeUpsert(client, config, again)).toBe(
    'Schedule startup-line unchanged: cron "0 */6 * * *" in Asia/Tokyo' +
      ' (set through the API and kept; SCHEDULE_CRON/SCHEDULE_TIMEZONE say "0 */3 * * *", Asia/Tokyo)' +
      '; PAUSED: "disk maintenance" (resume with POST /api/schedule/resume)',
  );
});

test.each([
  ['61 * * * *', 'Asia/Tokyo', 'Minute is not in range'],
  ['0 * * * *', 'asia/tokyo', 'unknown time zone'],
])(
  'cron "%s" in %s is refused as a configuration error naming both variables',
  async (cron, timezone, temporalSays) => {
    const error: unknown = await upsertTranscriptionSchedule(
      client,
      settings(`refused-${timezone}`, { cron, timezone }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const [problem] = (error as ConfigError).problems;
    expect(problem).toContain(`SCHEDULE_CRON "${cron}" with SCHEDULE_TIMEZONE "${timezone}"`);
    expect(problem).toContain(temporalSays);
    expect(problem).toContain('Fix SCHEDULE_CRON');
  },
);

test('a SCHEDULE_CRON that never fires is refused at start-up; the schedule is left as it was', async () => {
  const neverFires = { cron: '0 0 31 2 *' };
  // No schedule yet: none is left behind.
  const fresh = settings('never-fires-new', neverFires);
  const createError: unknown = await upsertTranscriptionSchedule(client, fresh).catch(
    (e: unknown) => e,
  );
  expect(createError).toBeInstanceOf(ConfigError);
  expect((createError as ConfigError).problems[0]).toContain(
    'SCHEDULE_CRON "0 0 31 2 *" never fires in SCHEDULE_TIMEZONE "Asia/Tokyo"',
  );
  await expect(client.schedule.getHandle(fresh.id).describe()).rejects.toThrow(/not found/i);

  // An existing schedule keeps its cron, its next runs and its memo.
  const existing = settings('never-fires-existing');
  await upsertTranscriptionSchedule(client, existing);
  const updateError: unknown = await upsertTranscriptionSchedule(client, {
    ...existing,
    ...neverFires,
  }).catch((e: unknown) => e);
  expect(updateError).toBeInstanceOf(ConfigError);
  expect(await describeUpsert(client, existing, UpsertOutcome.Unchanged)).toBe(
    'Schedule never-fires-existing unchanged: cron "0 */3 * * *" in Asia/Tokyo',
  );
  const after = await client.schedule.getHandle(existing.id).describe();
  expect(after.info.nextActionTimes.length).toBeGreaterThan(0);
  // The next start with the old SCHEDULE_CRON finds nothing to change.
  expect(await upsertTranscriptionSchedule(client, existing)).toBe(UpsertOutcome.Unchanged);
});
