/** The Temporal Schedule on a real dev server: creation, idempotent upsert, zones, next run times. */
import type { Client } from '@temporalio/client';
import {
  describeTranscriptionSchedule,
  upsertTranscriptionSchedule,
  type ScheduleSettings,
} from '../src/temporal/transcription-schedule';
import { formatInZone } from '../src/temporal/zoned-time';
import { startTemporal, type TemporalHarness } from './support/temporal-harness';

let temporal: TemporalHarness;
let client: Client;
let counter = 0;

beforeAll(async () => {
  temporal = await startTemporal();
  client = temporal.env.client;
});
afterAll(async () => {
  await temporal?.stop();
});

function settings(overrides: Partial<ScheduleSettings> = {}): ScheduleSettings {
  counter += 1;
  return {
    id: `schedule-test-${counter}`,
    cron: '0 */3 * * *',
    timezone: 'Asia/Tokyo',
    catchupWindowMs: 3_600_000,
    taskQueue: 'schedule-test',
    ...overrides,
  };
}

test('default schedule: eight runs a day at 00, 03 … 21 JST, shown with +09:00', async () => {
  const config = settings();
  expect(await upsertTranscriptionSchedule(client, config)).toBe('created');
  const view = await describeTranscriptionSchedule(client, config.id);

  expect(view).toMatchObject({
    cron: '0 */3 * * *',
    timezone: 'Asia/Tokyo',
    paused: false,
    overlapPolicy: 'SKIP',
    catchupWindowMs: 3_600_000,
  });
  expect(view.nextRuns).toHaveLength(10);
  for (const run of view.nextRuns) {
    expect(run).toMatch(/^\d{4}-\d{2}-\d{2}T(00|03|06|09|12|15|18|21):00:00\+09:00$/);
  }
  const instants = view.nextRuns.map((run) => Date.parse(run));
  for (let i = 1; i < instants.length; i++) {
    expect(instants[i] - instants[i - 1]).toBe(3 * 3_600_000);
  }
});

test('the time zone is really applied: 0 9 * * * in Tokyo fires at 00:00 UTC, not 09:00 UTC', async () => {
  const tokyo = settings({ cron: '0 9 * * *', timezone: 'Asia/Tokyo' });
  const utc = settings({ cron: '0 9 * * *', timezone: 'UTC' });
  await upsertTranscriptionSchedule(client, tokyo);
  await upsertTranscriptionSchedule(client, utc);
  const tokyoRuns = (await describeTranscriptionSchedule(client, tokyo.id)).nextRuns;
  const utcRuns = (await describeTranscriptionSchedule(client, utc.id)).nextRuns;

  expect(tokyoRuns).toHaveLength(10);
  expect(utcRuns).toHaveLength(10);
  for (const run of tokyoRuns) {
    expect(run).toMatch(/T09:00:00\+09:00$/);
    expect(new Date(run).toISOString()).toMatch(/T00:00:00\.000Z$/);
  }
  for (const run of utcRuns) expect(run).toMatch(/T09:00:00\+00:00$/);
  // Same wall-clock cron, different instants: the UTC schedule fires 9 hours after Tokyo's.
  // (Compared from Tokyo's next run, so it holds at any time of day.)
  const nextTokyo = Date.parse(tokyoRuns[0]);
  expect(utcRuns.map((run) => Date.parse(run))).toContain(nextTokyo + 9 * 3_600_000);
});

test('upsert is idempotent and never unpauses a paused schedule or resets its note', async () => {
  const config = settings();
  await upsertTranscriptionSchedule(client, config);
  await client.schedule.getHandle(config.id).pause('maintenance until 15:00');

  expect(await upsertTranscriptionSchedule(client, config)).toBe('unchanged');
  const changed = { ...config, cron: '0 */6 * * *' };
  expect(await upsertTranscriptionSchedule(client, changed)).toBe('updated');

  const view = await describeTranscriptionSchedule(client, config.id);
  expect(view.paused).toBe(true);
  expect(view.note).toBe('maintenance until 15:00');
  expect(view.cron).toBe('0 */6 * * *');
  expect(view.nextRuns).toHaveLength(10);
  for (const run of view.nextRuns) expect(run).toMatch(/T(00|06|12|18):00:00\+09:00$/);
});

test('an invalid cron is refused by Temporal with a message', async () => {
  await expect(
    upsertTranscriptionSchedule(client, settings({ cron: '61 * * * *' })),
  ).rejects.toThrow();
});

test('formatInZone writes the zone offset, including half-hour zones and UTC', () => {
  const instant = new Date('2026-12-03T15:00:00Z');
  expect(formatInZone(instant, 'Asia/Tokyo')).toBe('2026-12-04T00:00:00+09:00');
  expect(formatInZone(instant, 'UTC')).toBe('2026-12-03T15:00:00+00:00');
  expect(formatInZone(instant, 'Asia/Kolkata')).toBe('2026-12-03T20:30:00+05:30');
  expect(formatInZone(instant, 'America/New_York')).toBe('2026-12-03T10:00:00-05:00');
});
