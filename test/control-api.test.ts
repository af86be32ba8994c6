/**
 * The control API over HTTP (supertest), against a real Temporal dev server, a real worker and
 * the transcriber simulator as a real HTTP server. The store is the local demo store.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import type { AppConfig } from '../src/config/app-config';
import { MAX_BODY_DEPTH } from '../src/common/api-validation.pipe';
import { createApi } from '../src/create-api';
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { listFailedFiles } from '../src/files/failed-file-workflows';
import { transcribeWorkflowId } from '../src/files/file-path';
import { LocalFileStore } from '../src/files/local-file-store';
import { SupabaseFileStore } from '../src/files/supabase-file-store';
import { freeLoopbackPort } from '../src/metrics/free-port';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/temporal/search-attributes';
import { upsertTranscriptionSchedule } from '../src/temporal/transcription-schedule';
import { PostgrestDouble } from './support/postgrest-double';
import {
  createTestWorker,
  startTemporal,
  testConfig,
  type TemporalHarness,
} from './support/temporal-harness';
import { testSecret } from './support/test-secret';

const TOKEN = testSecret('control-api-test-token');
const auth = { Authorization: `Bearer ${TOKEN}` };
const quiet = { log() {}, warn() {} };

let temporal: TemporalHarness;
let simulator: TranscriberSimulator;
let store: LocalFileStore;
let config: AppConfig;
let api: INestApplication;
let worker: Worker;
let workerRun: Promise<void>;
let slot = 0;

/** A new pending row with a unique, valid path. */
async function addPendingFile(device = 'd-1a2b3c4d'): Promise<string> {
  slot += 1;
  const hours = String(Math.floor(slot / 2) % 24).padStart(2, '0');
  const day = String(1 + Math.floor(slot / 48)).padStart(2, '0');
  const path = `files/${device}/2026-11-${day}/${hours}-${slot % 2 === 0 ? '00' : '30'}/audio.wav`;
  await store.insert([{ file_path: path }]);
  return path;
}

async function startApi(appConfig: AppConfig = config): Promise<INestApplication> {
  // What start-up does before the API serves: create or update the schedule.
  await upsertTranscriptionSchedule(temporal.env.client, {
    ...appConfig.schedule,
    taskQueue: appConfig.temporal.taskQueue,
  });
  const app = await createApi({ config: appConfig, store }, false);
  await app.init();
  return app;
}

const http = () => request(api.getHttpServer());

/** Nest answers one message or, from validation, a list of them. */
function messageOf(body: { message?: unknown }): string {
  return Array.isArray(body.message) ? body.message.join('; ') : String(body.message);
}

async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitForWorkflow(workflowId: string): Promise<void> {
  await temporal.env.client.workflow
    .getHandle(workflowId)
    .result()
    .catch(() => undefined);
}

/** A new row whose transcription failed on every attempt; its workflow has ended. */
async function addFailedFile(device: string): Promise<string> {
  const path = await addPendingFile(device);
  simulator.setFailPattern(new RegExp(device));
  const workflowId = transcribeWorkflowId(path);
  await temporal.env.client.workflow.start('transcribeFile', {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [{ filePath: path, settings: config.transcribeActivity }],
  });
  await waitForWorkflow(workflowId);
  simulator.setFailPattern(undefined);
  expect(await store.getStatus(path)).toBe('failed');
  return path;
}

/** One more failed run of a file that has failed before (the row is failed again after it). */
async function addFailedRun(path: string, device: string): Promise<void> {
  await store.setStatus(path, 'processing');
  simulator.setFailPattern(new RegExp(device));
  const handle = await temporal.env.client.workflow.start('transcribeFile', {
    workflowId: transcribeWorkflowId(path),
    taskQueue: config.temporal.taskQueue,
    args: [{ filePath: path, settings: config.transcribeActivity }],
  });
  await waitForWorkflow(handle.workflowId);
  simulator.setFailPattern(undefined);
  expect(await store.getStatus(path)).toBe('failed');
}

/** An extra app on the same store and worker, with some config changed; closed by the caller. */
async function startVariant(change: (base: AppConfig) => AppConfig): Promise<INestApplication> {
  const app = await createApi({ config: change(config), store }, false);
  await app.init();
  return app;
}

beforeAll(async () => {
  temporal = await startTemporal();
  store = new LocalFileStore();
  simulator = await TranscriberSimulator.start({ store, port: 0, latencyMs: 50, logger: quiet });
  config = testConfig(temporal, {
    SIMULATOR_PORT: new URL(simulator.url).port,
    API_TOKEN: TOKEN,
    BACKFILL_MAX_SLOTS: '4',
    TEMPORAL_UI_URL: 'http://temporal-ui.example:8233',
  });
  worker = await createTestWorker(temporal, config, store);
  workerRun = worker.run();
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
  worker?.shutdown();
  await workerRun;
  await simulator?.stop();
  await temporal?.stop();
});

describe('GET /api/schedule', () => {
  test('shows the schedule with its description, next 10 runs in JST, recent runs and totals', async () => {
    const { body } = await http().get('/api/schedule').expect(200);
    expect(body).toMatchObject({
      id: config.schedule.id,
      paused: false,
      cron: '0 */3 * * *',
      timezone: 'Asia/Tokyo',
      description: { en: 'every 3 hours from 00:00 JST', ja: '0時起点で3時間ごと（JST）' },
      mode: 'demo',
      totals: { succeeded: expect.any(Number), failed: expect.any(Number) },
    });
    expect(body.totals.window).toContain('24 h');
    expect(body.totals.windowJa).toContain('直近24時間');
    expect(body.runningFileWorkflows).toEqual(expect.any(Number));
    expect(body.nextRuns).toHaveLength(10);
    for (const run of body.nextRuns)
      expect(run).toMatch(/T(00|03|06|09|12|15|18|21):00:00\+09:00$/);
    expect(Array.isArray(body.recentRuns)).toBe(true);
  });

  test('rejects a bad window with a message naming it', async () => {
    const { body } = await http().get('/api/schedule?windowHours=0').expect(400);
    expect(messageOf(body)).toContain('windowHours');
  });
});

describe('authorization', () => {
  test.each([
    ['post', '/api/schedule/pause'],
    ['post', '/api/schedule/resume'],
    ['post', '/api/schedule/trigger'],
    ['patch', '/api/schedule'],
    ['post', '/api/schedule/backfill'],
    ['post', '/api/files/retry'],
    ['post', '/api/files/retry-failed'],
  ] as const)('%s %s answers 401 without the token and with a wrong one', async (method, path) => {
    const missing = await http()[method](path).send({}).expect(401);
    expect(missing.body.message).toContain('Authorization: Bearer');
    await http()[method](path).set('Authorization', 'Bearer wrong-token').send({}).expect(401);
    await http()[method](path).set('Authorization', `Basic ${TOKEN}`).send({}).expect(401);
  });
});

describe('pause and resume', () => {
  test('the note is kept, survives a restart of the API, and resume clears the pause', async () => {
    const paused = await http()
      .post('/api/schedule/pause')
      .set(auth)
      .send({ note: 'transcriber maintenance until 15:00' })
      .expect(200);
    expect(paused.body).toMatchObject({
      paused: true,
      note: 'transcriber maintenance until 15:00',
    });

    await api.close();
    api = await startApi();

    const after = await http().get('/api/schedule').expect(200);
    expect(after.body).toMatchObject({ paused: true, note: 'transcriber maintenance until 15:00' });

    const resumed = await http()
      .post('/api/schedule/resume')
      .set(auth)
      .send({ note: 'back' })
      .expect(200);
    expect(resumed.body).toMatchObject({ paused: false, note: 'back' });
  });

  test('pause, resume and PATCH answer what GET /api/schedule shows, in the same shape', async () => {
    const described = await http().get('/api/schedule').expect(200);
    const keys = Object.keys(described.body).sort();
    const paused = await http().post('/api/schedule/pause').set(auth).send({}).expect(200);
    const patched = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ everyHours: 3 })
      .expect(200);
    const resumed = await http().post('/api/schedule/resume').set(auth).send({}).expect(200);
    for (const [answer, isPaused] of [
      [paused, true],
      [patched, true],
      [resumed, false],
    ] as const) {
      expect(Object.keys(answer.body).sort()).toEqual(keys);
      expect(answer.body).toMatchObject({
        paused: isPaused,
        description: { en: 'every 3 hours from 00:00 JST' },
        totals: { succeeded: expect.any(Number), failed: expect.any(Number) },
        mode: 'demo',
        recentRuns: expect.any(Array),
      });
    }
  });

  test('unknown fields and wrong types are rejected', async () => {
    const unknown = await http()
      .post('/api/schedule/pause')
      .set(auth)
      .send({ reason: 'x' })
      .expect(400);
    expect(messageOf(unknown.body)).toContain('property reason should not exist');
    const wrongType = await http()
      .post('/api/schedule/pause')
      .set(auth)
      .send({ note: 5 })
      .expect(400);
    expect(messageOf(wrongType.body)).toContain('note must be a string');
  });
});

describe('PATCH /api/schedule', () => {
  test('everyHours 6 gives runs at 00/06/12/18 JST and keeps paused state and note', async () => {
    await http().post('/api/schedule/pause').set(auth).send({ note: 'hold' }).expect(200);
    const { body } = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ everyHours: 6 })
      .expect(200);
    expect(body).toMatchObject({ cron: '0 */6 * * *', paused: true, note: 'hold' });
    expect(body.nextRuns).toHaveLength(10);
    for (const run of body.nextRuns) expect(run).toMatch(/T(00|06|12|18):00:00\+09:00$/);

    // A restart with the unchanged SCHEDULE_CRON keeps the operator's change.
    await api.close();
    api = await startApi();
    const after = await http().get('/api/schedule').expect(200);
    expect(after.body).toMatchObject({
      cron: '0 */6 * * *',
      paused: true,
      description: { ja: '0時起点で6時間ごと（JST）' },
    });

    const utc = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ cron: '0 9 * * *', timezone: 'UTC' })
      .expect(200);
    expect(utc.body.nextRuns).toHaveLength(10);
    for (const run of utc.body.nextRuns) expect(run).toMatch(/T09:00:00\+00:00$/);

    await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ everyHours: 3, timezone: 'Asia/Tokyo' })
      .expect(200);
    await http().post('/api/schedule/resume').set(auth).send({}).expect(200);
  });

  test.each([
    [{}, 'everyHours'],
    [{ everyHours: 6, cron: '0 * * * *' }, 'not both'],
    [{ everyHours: 5 }, 'everyHours must be one of'],
    [{ cron: 'every day' }, 'cron must have five fields'],
    [{ cron: '61 * * * *' }, 'cron "61 * * * *" was refused by Temporal'],
    [{ everyHours: 6, timezone: 'Mars/Olympus' }, 'timezone must be an IANA time zone'],
    [{ everyHours: 6, interval: 6 }, 'property interval should not exist'],
    [{ cron: null }, 'cron must be a string'],
    [{ cron: 5 }, 'cron must be a string'],
    [{ everyHours: null }, 'everyHours must be one of'],
    [{ everyHours: '6' }, 'everyHours must be one of'],
    [{ everyHours: 6, timezone: null }, 'timezone must be'],
    [{ cron: '0\u2028*/5 * * *' }, 'cron must be printable ASCII'],
    [{ cron: '0\t*/5 * * *' }, 'cron must be printable ASCII'],
    [{ cron: '0 */５ * * *' }, 'cron must be printable ASCII'],
    [{ cron: '0 */3 * * \ud800' }, 'cron holds a lone UTF-16 surrogate'],
  ])('%j → 400 naming what to fix', async (payload, message) => {
    const { body } = await http().patch('/api/schedule').set(auth).send(payload).expect(400);
    expect(messageOf(body)).toContain(message);
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  test('a cron that never fires (31 February) → 400 saying so; the schedule keeps its spec', async () => {
    const { body } = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ cron: '0 0 31 2 *' })
      .expect(400);
    expect(messageOf(body)).toContain(
      'cron "0 0 31 2 *" never fires in Asia/Tokyo (Temporal finds no next run)',
    );
    expect(messageOf(body)).toContain('the schedule keeps "0 */3 * * *" in Asia/Tokyo');
    const schedule = await http().get('/api/schedule').expect(200);
    expect(schedule.body).toMatchObject({ cron: '0 */3 * * *', timezone: 'Asia/Tokyo' });
    expect(schedule.body.nextRuns).toHaveLength(10);
  });

  test('a step that does not divide 24 is described literally, not as "every N hours"', async () => {
    const { body } = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ cron: '0 */5 * * *' })
      .expect(200);
    expect(body.description).toEqual({
      en: 'cron "0 */5 * * *" in Asia/Tokyo',
      ja: 'cron「0 */5 * * *」（Asia/Tokyo）',
    });
    await http().patch('/api/schedule').set(auth).send({ everyHours: 3 }).expect(200);
  });

  test('a zone Intl accepts but Temporal refuses is reported as the zone, with the fix', async () => {
    // Intl ignores case, so "asia/tokyo" passes validation; Temporal's tz lookup does not.
    const { body } = await http()
      .patch('/api/schedule')
      .set(auth)
      .send({ everyHours: 6, timezone: 'asia/tokyo' })
      .expect(400);
    const message = messageOf(body);
    expect(message).toContain(
      'timezone "asia/tokyo" was refused by Temporal: unknown time zone asia/tokyo',
    );
    expect(message).toContain('"Asia/Tokyo"');
    expect(message).not.toContain('cron "');
    const schedule = await http().get('/api/schedule').expect(200);
    expect(schedule.body).toMatchObject({ cron: '0 */3 * * *', timezone: 'Asia/Tokyo' });
  });
});

describe('notes in any language', () => {
  test('Japanese and emoji up to 1000 bytes are kept exactly as sent', async () => {
    for (const note of ['あ'.repeat(333), '😀'.repeat(250), 'メンテナンス中 👨‍👩‍👧 until 15:00']) {
      const { body } = await http()
        .post('/api/schedule/pause')
        .set(auth)
        .send({ note })
        .expect(200);
      expect(body.note).toBe(note);
    }
    await http().post('/api/schedule/resume').set(auth).send({}).expect(200);
  });
});

describe('request validation', () => {
  test.each([
    ['   ', 'note must not be blank'],
    ['\u200b\ufeff', 'note must not be blank'],
    ['\u200e\u00ad\u0301', 'note must not be blank'],
    ['\u3164\u2800', 'note must not be blank'],
    [
      'maintenance \u202eLTR',
      'note must not contain control characters or text-direction overrides',
    ],
    ['a\u0007b', 'note must not contain control'],
    ['a\u0085b', 'note must not contain control'],
    ['a\u2028b', 'note must not contain control'],
    ['あ'.repeat(334), 'note must be at most 1000 bytes of UTF-8'],
  ])('a pause note %j → 400: %s', async (note, message) => {
    const { body } = await http().post('/api/schedule/pause').set(auth).send({ note }).expect(400);
    expect(messageOf(body)).toContain(message);
  });

  test.each([
    ['post', '/api/schedule/pause', { note: null }, 'note must be a string'],
    ['post', '/api/schedule/resume', { note: ['x'] }, 'note must be a string'],
    ['post', '/api/schedule/pause', { note: '\ud800' }, 'note holds a lone UTF-16 surrogate'],
    ['post', '/api/schedule/resume', { note: 'ok \udfff' }, 'note holds a lone UTF-16 surrogate'],
    [
      'post',
      '/api/schedule/backfill',
      { start: null, end: '2026-12-02T00:00:00+09:00' },
      'start must be an ISO 8601',
    ],
    [
      'post',
      '/api/schedule/backfill',
      { start: '2026-12-02T00:00:00+09:00', end: 1764600000000 },
      'end must be an ISO 8601',
    ],
    ['post', '/api/files/retry', { filePath: null }, 'filePath must be a string'],
    ['post', '/api/files/retry', { filePath: 42 }, 'filePath must be a string'],
    ['post', '/api/files/retry-failed', { limit: null }, 'limit must be an integer'],
    ['post', '/api/files/retry-failed', { limit: '5' }, 'limit must be an integer'],
    ['post', '/api/files/retry-failed', { limit: 1.5 }, 'limit must be an integer'],
  ] as const)('%s %s %j → 400 naming the field', async (method, path, payload, message) => {
    const { body } = await http()[method](path).set(auth).send(payload).expect(400);
    expect(messageOf(body)).toContain(message);
  });

  test.each([
    ['post', '/api/files/retry', { filePath: null }, ['filePath must be a string']],
    ['post', '/api/files/retry', { filePath: 123 }, ['filePath must be a string']],
    ['post', '/api/files/retry', { filePath: '' }, ['filePath must not be empty']],
    ['post', '/api/schedule/pause', { note: null }, ['note must be a string']],
    ['patch', '/api/schedule', { cron: 5 }, ['cron must be a string such as "0 */3 * * *"']],
    ['post', '/api/files/retry-failed', { limit: '5' }, ['limit must be an integer']],
    [
      'post',
      '/api/schedule/backfill',
      { start: 'yesterday', end: '2026-12-02T00:00:00+09:00' },
      ['start must be an ISO 8601 date-time, e.g. 2026-12-03T00:00:00+09:00'],
    ],
  ] as const)(
    '%s %s %j → 400 with only the rule that failed',
    async (method, path, payload, messages) => {
      const { body } = await http()[method](path).set(auth).send(payload).expect(400);
      expect(body.message).toEqual(messages);
    },
  );

  test('GET query parameters report only the rule that failed', async () => {
    const { body } = await http().get('/api/runs?limit=abc').expect(400);
    expect(body.message).toEqual(['limit must be a whole number in decimal digits']);
  });

  test.each([
    ['/api/runs?limit=0x10', 'limit must be a whole number in decimal digits'],
    ['/api/files/failed?limit=1e1', 'limit must be a whole number in decimal digits'],
    ['/api/runs?limit=1&limit=2', 'limit is given more than once; give it once'],
    ['/api/schedule?windowHours=2.5', 'windowHours must be a whole number in decimal digits'],
    ['/api/schedule?windowHours=', 'windowHours must be a whole number in decimal digits'],
  ])('GET %s → 400: %s', async (url, message) => {
    const { body } = await http().get(url).expect(400);
    expect(body.message).toEqual([message]);
  });

  test('an array where the body object belongs → 400 saying so', async () => {
    for (const path of ['/api/schedule/pause', '/api/files/retry', '/api/schedule/trigger']) {
      const { body } = await http()
        .post(path)
        .set(auth)
        .send([{ note: 'x' }])
        .expect(400);
      expect(messageOf(body)).toMatch(/not an array|takes no body/);
    }
  });

  test('POST /api/schedule/trigger refuses a body with fields, naming them', async () => {
    const { body } = await http()
      .post('/api/schedule/trigger')
      .set(auth)
      .send({ x: 1 })
      .expect(400);
    expect(messageOf(body)).toContain('property x should not exist');
  });

  test.each([
    ['post', '/api/schedule/pause'],
    ['post', '/api/schedule/resume'],
    ['post', '/api/schedule/trigger'],
    ['patch', '/api/schedule'],
    ['post', '/api/schedule/backfill'],
    ['post', '/api/files/retry'],
    ['post', '/api/files/retry-failed'],
  ] as const)(
    '%s %s refuses constructor, prototype and __proto__ as unknown fields',
    async (method, path) => {
      for (const [field, raw] of [
        ['constructor', '{"constructor":{"prototype":{"x":1}}}'],
        ['prototype', '{"prototype":{"x":1}}'],
        ['__proto__', '{"__proto__":{"x":1}}'],
      ]) {
        const { body } = await http()
          [method](path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(raw)
          .expect(400);
        expect(messageOf(body)).toContain(`property ${field} should not exist`);
      }
      const schedule = await http().get('/api/schedule').expect(200);
      expect(schedule.body.paused).toBe(false);
    },
  );

  test.each([
    ['post', '/api/schedule/pause', 'note'],
    ['patch', '/api/schedule', 'cron'],
    ['post', '/api/files/retry', 'filePath'],
    ['post', '/api/files/retry', 'unknownField'],
  ] as const)(
    '%s %s: a small body nested thousands of levels deep (under %s) → 400, not a stack overflow',
    async (method, path, field) => {
      const deep = `{"${field}":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const { body } = await http()
        [method](path)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send(deep)
        .expect(400);
      expect(messageOf(body)).toContain(
        `nests objects or arrays more than ${MAX_BODY_DEPTH} levels deep`,
      );
      const schedule = await http().get('/api/schedule').expect(200);
      expect(schedule.body.paused).toBe(false);
    },
  );

  test.each([['/api/schedule/pause'], ['/api/schedule/backfill'], ['/api/files/retry']])(
    '%s: malformed JSON → 400 saying so; a body over 100 KB → 413',
    async (path) => {
      const malformed = await http()
        .post(path)
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"note": "unterminated')
        .expect(400);
      expect(malformed.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(malformed.body.message).toContain('The request body is not valid JSON');

      // Bytes that are not UTF-8 would be read as U+FFFD: refused, not stored altered.
      const notUtf8 = await http()
        .post(path)
        .set(auth)
        .set('Content-Type', 'application/json')
        // As bytes: supertest would otherwise write a Buffer as JSON of its own.
        .serialize((bytes: Buffer) => bytes as unknown as string)
        .send(Buffer.from([...Buffer.from('{"note":"'), 0xff, 0xfe, ...Buffer.from('"}')]))
        .expect(400);
      expect(notUtf8.body.message).toContain('The request body is not valid UTF-8');

      // Valid JSON, but not an object: said as such, not as a syntax error.
      for (const scalar of ['null', '"text"', '5']) {
        const notObject = await http()
          .post(path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .send(scalar)
          .expect(400);
        expect(notObject.body.message).toContain('must be a JSON object, not null');
      }

      const tooLarge = await http()
        .post(path)
        .set(auth)
        .send({ note: 'x'.repeat(200_000) })
        .expect(413);
      expect(tooLarge.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(tooLarge.body.message).toContain('larger than 100 KB');
      expect(JSON.stringify(tooLarge.body)).not.toContain('xxxx');
    },
  );
});

describe('request bodies that are not plain JSON', () => {
  test.each(['gzip', 'br', 'deflate'])(
    'a plain body labelled Content-Encoding: %s → 400 saying it is not valid %s, on any route',
    async (encoding) => {
      for (const [method, path] of [
        ['post', '/api/schedule/pause'],
        ['patch', '/api/schedule'],
        ['get', '/api/runs'],
      ] as const) {
        const { body } = await http()
          [method](path)
          .set(auth)
          .set('Content-Type', 'application/json')
          .set('Content-Encoding', encoding)
          .send('{"note":"x"}')
          .expect(400);
        expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(body.message).toContain(`The request body is not valid ${encoding}`);
        expect(body.message).toContain('without a Content-Encoding header');
      }
    },
  );

  test('an unknown Content-Encoding → 415 naming it', async () => {
    const { body } = await http()
      .post('/api/schedule/pause')
      .set(auth)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'compress')
      .send('{"note":"x"}')
      .expect(415);
    expect(body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
    expect(body.message).toContain('Content-Encoding "compress" is not supported');
  });

  test.each([
    ['application/xml', (call: request.Test) => call.type('application/xml').send('{"note":"x"}')],
    ['text/plain', (call: request.Test) => call.type('text/plain').send('{"note":"x"}')],
    ['application/x-www-form-urlencoded', (call: request.Test) => call.type('form').send('note=x')],
    ['multipart/form-data', (call: request.Test) => call.field('note', 'x')],
  ])('a %s body → 415 saying to send JSON; nothing changes', async (type, send) => {
    for (const path of ['/api/schedule/pause', '/api/files/retry']) {
      const { body } = await send(http().post(path).set(auth)).expect(415);
      expect(body).toMatchObject({ statusCode: 415, error: 'Unsupported Media Type' });
      expect(body.message).toBe(
        `The request body is ${type}, which this API does not read; send the body as JSON with Content-Type: application/json`,
      );
    }
    const patched = await send(http().patch('/api/schedule').set(auth)).expect(415);
    expect(patched.body.message).toContain('Content-Type: application/json');
    const schedule = await http().get('/api/schedule').expect(200);
    expect(schedule.body).toMatchObject({ paused: false, cron: '0 */3 * * *' });
  });

  test('a chunked body that is not JSON → 415 as well; an empty chunked one passes', async () => {
    // Node's own client sends a POST without Content-Length as chunks, an empty body as one.
    const app = await startVariant((base) => base);
    await app.listen(0, '127.0.0.1');
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const post = (
      type: string | undefined,
      chunk: string,
    ): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const call = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/api/schedule/resume',
            headers: { ...auth, ...(type ? { 'Content-Type': type } : {}) },
          },
          (response) => {
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (text: string) => (body += text));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        call.on('error', reject);
        if (chunk) call.write(chunk);
        call.end();
      });
    try {
      const xml = await post('application/xml', '<note>x</note>');
      expect(xml.status).toBe(415);
      expect(JSON.parse(xml.body).message).toContain('send the body as JSON');
      const untyped = await post(undefined, '{"note":"x"}');
      expect(untyped.status).toBe(415);
      expect(JSON.parse(untyped.body).message).toBe(
        'The request body has no Content-Type; send the body as JSON with Content-Type: application/json',
      );
      expect((await post(undefined, '')).status).toBe(200);
      expect((await post('application/xml', '')).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  test('requests without a body, and JSON with a charset, still pass', async () => {
    await http().post('/api/schedule/resume').set(auth).expect(200);
    await http()
      .post('/api/schedule/resume')
      .set(auth)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send('{"note":"resumed"}')
      .expect(200);
  });
});

describe('trigger and runs', () => {
  test('two triggers back to back start one dispatch; its counts appear in runs and in the schedule', async () => {
    const paths = [await addPendingFile(), await addPendingFile()];
    simulator.setLatency(1_000);
    const first = await http().post('/api/schedule/trigger').set(auth).expect(200);
    const second = await http().post('/api/schedule/trigger').set(auth).expect(200);
    simulator.setLatency(50);
    expect(first.body.started).toBe(true);
    expect(second.body).toMatchObject({ started: false, workflowId: first.body.workflowId });

    await waitForWorkflow(first.body.workflowId);
    const runs = await http().get('/api/runs?limit=5').expect(200);
    const run = runs.body.find(
      (r: { workflowId: string }) => r.workflowId === first.body.workflowId,
    );
    expect(run).toMatchObject({
      status: 'COMPLETED',
      startedBy: 'schedule',
      counts: { found: 2, started: 2, succeeded: 2, failed: 0 },
    });
    expect(run.link).toContain('http://temporal-ui.example:8233/namespaces/default/workflows/');
    expect(
      runs.body.filter((r: { workflowId: string }) => r.workflowId.startsWith('dispatch-')),
    ).toHaveLength(1);
    for (const path of paths) expect(await store.getStatus(path)).toBe('completed');

    const schedule = await http().get('/api/schedule').expect(200);
    expect(schedule.body.recentRuns[0]).toMatchObject({
      workflowId: first.body.workflowId,
      counts: { succeeded: 2 },
    });
    expect(schedule.body.recentRuns[0].scheduledAt).toMatch(/\+09:00$/);
    expect(schedule.body.totals.succeeded).toBeGreaterThanOrEqual(2);
  });

  test('ten triggers at once: exactly one starts a dispatch, the others skip, all naming it', async () => {
    const paths = [await addPendingFile(), await addPendingFile()];
    simulator.setLatency(2_000);
    let dispatchId: string;
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          http().post('/api/schedule/trigger').set(auth).expect(200),
        ),
      );
      const started = answers.filter((answer) => answer.body.started === true);
      expect(started).toHaveLength(1);
      dispatchId = started[0].body.workflowId;
      expect(dispatchId).toMatch(/^dispatch-/);
      for (const answer of answers) expect(answer.body.workflowId).toBe(dispatchId);
      for (const answer of answers.filter((a) => a.body.started === false)) {
        expect(answer.body.message).toContain(`Skipped: dispatch ${dispatchId} is still running`);
      }
    } finally {
      simulator.setLatency(50);
    }
    await waitForWorkflow(dispatchId);
    for (const path of paths) expect(await store.getStatus(path)).toBe('completed');
  });

  test('ten triggers at once with nothing pending (each dispatch ends at once): every answer is true', async () => {
    const handle = temporal.env.client.schedule.getHandle(config.schedule.id);
    const before = (await handle.describe()).info.numActionsTaken;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => http().post('/api/schedule/trigger').set(auth).expect(200)),
    );
    const after = (await handle.describe()).info.numActionsTaken;
    const started = answers.filter((answer) => answer.body.started === true);
    // As many "started" answers as runs the schedule took; none left undecided.
    expect(started.length).toBe(after - before);
    expect(started.length).toBeGreaterThanOrEqual(1);
    for (const answer of answers) {
      expect(answer.body.message).toMatch(/^(Started dispatch dispatch-|Skipped: dispatch )/);
    }
  });

  test('runs rejects a bad limit', async () => {
    await http().get('/api/runs?limit=0').expect(400);
    await http().get('/api/runs?limit=abc').expect(400);
  });
});

describe('backfill', () => {
  test.each([
    [
      { start: '2026-12-02T12:00:00+09:00', end: '2026-12-02T00:00:00+09:00' },
      'start must not be after end',
    ],
    [{ start: '2026-12-02T00:00:00+09:00', end: '2999-01-01T00:00:00+09:00' }, 'future'],
    [
      { start: '2026-12-01T00:00:00+09:00', end: '2026-12-02T00:00:00+09:00' },
      'more than the allowed 4',
    ],
    [
      { start: '2000-01-01T00:00:00+09:00', end: '2026-12-01T00:00:00+09:00' },
      'The range holds at least 1001 slots, more than the allowed 4 (BACKFILL_MAX_SLOTS)',
    ],
    [
      { start: '2026-11-30T00:00:00+09:00', end: '2026-11-30T12:00:00+09:00' },
      'The range holds 5 slots, more than the allowed 4 (BACKFILL_MAX_SLOTS)',
    ],
    [{ start: 'yesterday', end: '2026-12-02T00:00:00+09:00' }, 'start must be an ISO 8601'],
    [{ start: '2026-12-02T01:00:00+09:00', end: '2026-12-02T02:00:00+09:00' }, 'no slot'],
    [
      { start: '2026-12-02T00:00:00', end: '2026-12-02T06:00:00+09:00' },
      'start must be a date-time with a zone offset or Z',
    ],
    [{ start: '2026-12-02T00:00:00Z', end: '2026-12-02' }, 'end must be a date-time with a zone'],
    [{ start: '2026-12-02T00:00:00Z', end: '2026-12-02T06:00:00' }, 'add e.g. +09:00'],
  ])('%j → 400 (%s)', async (payload, message) => {
    const { body } = await http()
      .post('/api/schedule/backfill')
      .set(auth)
      .send(payload)
      .expect(400);
    expect(messageOf(body)).toContain(message);
  });

  test('runs the slots of a past range with BUFFER_ALL', async () => {
    const { body } = await http()
      .post('/api/schedule/backfill')
      .set(auth)
      .send({ start: '2026-12-02T02:00:00+09:00', end: '2026-12-02T06:30:00+09:00' })
      .expect(200);
    expect(body).toMatchObject({
      slots: ['2026-12-02T03:00:00+09:00', '2026-12-02T06:00:00+09:00'],
      overlapPolicy: 'BUFFER_ALL',
    });
    const started = await waitFor(async () => {
      const runs = await http().get('/api/runs?limit=20').expect(200);
      const backfilled = runs.body.filter((run: { scheduledAt: string | null }) =>
        ['2026-12-02T03:00:00+09:00', '2026-12-02T06:00:00+09:00'].includes(run.scheduledAt ?? ''),
      );
      return backfilled.length === 2 ? backfilled : undefined;
    }, 'both backfilled slots to run');
    for (const run of started) await waitForWorkflow(run.workflowId);
  });

  test('start and end are both inclusive: 03:00–06:00 JST runs the 03:00 and the 06:00 slot', async () => {
    const slots = ['2026-12-01T03:00:00+09:00', '2026-12-01T06:00:00+09:00'];
    const { body } = await http()
      .post('/api/schedule/backfill')
      .set(auth)
      .send({ start: slots[0], end: slots[1] })
      .expect(200);
    expect(body.slots).toEqual(slots);
    // Temporal itself runs both, not only the slots the endpoint listed.
    const started = await waitFor(async () => {
      const runs = await http().get('/api/runs?limit=50').expect(200);
      const backfilled = runs.body.filter((run: { scheduledAt: string | null }) =>
        slots.includes(run.scheduledAt ?? ''),
      );
      return backfilled.length === 2 ? backfilled : undefined;
    }, 'both slots of the inclusive range to run');
    for (const run of started) await waitForWorkflow(run.workflowId);
  });
});

describe('failed files and re-runs', () => {
  test('a failed file is listed with its reason, re-run, and completes', async () => {
    const path = await addPendingFile('d-badf00d1');
    simulator.setFailPattern(/d-badf00d1/);
    const workflowId = transcribeWorkflowId(path);
    await temporal.env.client.workflow.start('transcribeFile', {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [{ filePath: path, settings: config.transcribeActivity }],
    });
    await waitForWorkflow(workflowId);
    expect(await store.getStatus(path)).toBe('failed');

    const failed = await waitFor(async () => {
      const { body } = await http().get('/api/files/failed').expect(200);
      return body.find((file: { filePath: string }) => file.filePath === path);
    }, 'the failed file to be listed');
    expect(failed).toMatchObject({
      filePath: path,
      deviceId: 'd-badf00d1',
      attempts: 3,
      workflowId,
      failedAt: expect.stringMatching(/\+09:00$/),
      rowStatus: 'failed',
    });
    expect(failed.lastError).toContain('error_files');
    expect(failed.link).toBe(
      `http://temporal-ui.example:8233/namespaces/default/workflows/${encodeURIComponent(workflowId)}/${failed.runId}/history`,
    );

    simulator.setFailPattern(undefined);
    simulator.setLatency(2_000);
    const retried = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: path })
      .expect(200);
    expect(retried.body).toMatchObject({ filePath: path, workflowId });
    expect(await store.getStatus(path)).toBe('processing');
    // While it runs, a second re-run is refused: its row is in processing …
    const conflict = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: path })
      .expect(409);
    expect(conflict.body.message).toContain('a dispatch or another re-run has it in hand');
    // … and, whatever the row says, its workflow runs.
    await store.setStatus(path, 'pending');
    const running = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: path })
      .expect(409);
    expect(running.body.message).toContain('being transcribed right now');
    expect(await store.getStatus(path)).toBe('pending');
    simulator.setLatency(50);

    await waitForWorkflow(workflowId);
    expect(await store.getStatus(path)).toBe('completed');
    const after = await http().get('/api/files/failed').expect(200);
    expect(after.body.map((file: { filePath: string }) => file.filePath)).not.toContain(path);
    // Completed now: nothing to re-run.
    await http().post('/api/files/retry').set(auth).send({ filePath: path }).expect(409);
  });

  test('retry answers 404 for an unknown file and 400 for a malformed path', async () => {
    const unknown = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: 'files/d-00000000/2026-01-01/00-00/audio.wav' })
      .expect(404);
    expect(unknown.body.message).toContain('No row in audio_files');
    const malformed = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: 'x.wav' })
      .expect(400);
    expect(malformed.body.message).toContain('is not of the form');
    await http().post('/api/files/retry').set(auth).send({}).expect(400);
  });

  test('retry answers 409 for a row in processing whose workflow has not started (a dispatch has it)', async () => {
    const path = await addPendingFile('d-9a0c3551');
    // What a dispatch leaves between markFilesProcessing and the start of the child.
    await store.setStatus(path, 'processing');
    const { body } = await http()
      .post('/api/files/retry')
      .set(auth)
      .send({ filePath: path })
      .expect(409);
    expect(body.message).toContain('is in processing: a dispatch or another re-run has it in hand');
    expect(await store.getStatus(path)).toBe('processing');
    await expect(
      temporal.env.client.workflow.getHandle(transcribeWorkflowId(path)).describe(),
    ).rejects.toThrow();
    await store.setStatus(path, 'completed');
  });

  test('retry-failed puts the failed rows back to pending and one dispatch takes them within its window', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 4; i++) paths.push(await addFailedFile('d-feedface'));
    await waitFor(async () => {
      const { body } = await http().get('/api/files/failed?limit=200').expect(200);
      const listed = body.map((file: { filePath: string }) => file.filePath);
      return paths.every((path) => listed.includes(path)) ? true : undefined;
    }, 'four failed files');

    await http().post('/api/files/retry-failed').set(auth).send({ limit: 0 }).expect(400);
    simulator.resetStats();
    simulator.setLatency(300);
    try {
      const one = await http()
        .post('/api/files/retry-failed')
        .set(auth)
        .send({ limit: 1 })
        .expect(200);
      expect(one.body).toMatchObject({ requeued: 1, retried: 1, skipped: [] });
      expect(one.body.dispatch).toMatchObject({ started: true });
      expect(one.body.message).toContain(`dispatch ${one.body.dispatch.workflowId} started`);
      await waitForWorkflow(one.body.dispatch.workflowId);

      const rest = await http().post('/api/files/retry-failed').set(auth).send({}).expect(200);
      expect(rest.body.requeued).toBe(3);
      expect([...one.body.filePaths, ...rest.body.filePaths].sort()).toEqual([...paths].sort());
      expect(rest.body.dispatch.started).toBe(true);
      // A dispatch is running now: a third call puts nothing back and says who has the files.
      const again = await http().post('/api/files/retry-failed').set(auth).send({}).expect(200);
      expect(again.body.requeued).toBe(0);
      await waitForWorkflow(rest.body.dispatch.workflowId);
    } finally {
      simulator.setLatency(50);
    }
    for (const path of paths) expect(await store.getStatus(path)).toBe('completed');
    // One file at a time at the transcriber: the dispatch's window (MAX_CONCURRENT_TRANSCRIPTIONS = 1).
    expect(config.dispatch.maxConcurrentTranscriptions).toBe(1);
    expect(simulator.stats.maxConcurrentRequests).toBe(1);
    expect(simulator.stats.requests).toBe(4);
  });

  test('retry-failed while a dispatch runs: the rows wait, and the answer says for what', async () => {
    const path = await addFailedFile('d-5eed5eed');
    await waitFor(async () => {
      const { body } = await http().get('/api/files/failed?limit=200').expect(200);
      return body.some((file: { filePath: string }) => file.filePath === path) ? true : undefined;
    }, 'the failed file to be listed');
    const busy = await addPendingFile();
    simulator.setLatency(3_000);
    try {
      const trigger = await http().post('/api/schedule/trigger').set(auth).expect(200);
      expect(trigger.body.started).toBe(true);
      await waitFor(
        () => Promise.resolve(simulator.stats.inFlightPaths().includes(busy) ? true : undefined),
        'the dispatch to be at the transcriber',
      );
      const { body } = await http().post('/api/files/retry-failed').set(auth).send({}).expect(200);
      expect(body).toMatchObject({
        requeued: 1,
        filePaths: [path],
        dispatch: { started: false, workflowId: trigger.body.workflowId },
      });
      expect(body.message).toContain(`Dispatch ${trigger.body.workflowId} is already running`);
      expect(body.message).toContain('takes only those created after the point it has reached');
      expect(body.message).toMatch(/the next dispatch, scheduled for \S+\+09:00/);
      expect(await store.getStatus(path)).toBe('pending');
      // Still listed (its new run has not started), and said to be back in the queue.
      const listed = await http().get('/api/files/failed?limit=200').expect(200);
      expect(
        listed.body.find((file: { filePath: string }) => file.filePath === path),
      ).toMatchObject({ rowStatus: 'pending' });
      await waitForWorkflow(trigger.body.workflowId);
    } finally {
      simulator.setLatency(50);
    }
    // It was older than the running dispatch's position: still pending, for the next dispatch.
    expect(await store.getStatus(path)).toBe('pending');
    const next = await http().post('/api/schedule/trigger').set(auth).expect(200);
    await waitForWorkflow(next.body.workflowId);
    expect(await store.getStatus(path)).toBe('completed');
  });

  test('retry-failed counts toward its limit only rows still failed, not ones already back in the queue', async () => {
    const stillFailed = await addFailedFile('d-1a1a1a1a');
    const requeuedBefore = await addFailedFile('d-2b2b2b2b');
    await waitFor(async () => {
      const { body } = await http().get('/api/files/failed?limit=200').expect(200);
      const paths = body.map((file: { filePath: string }) => file.filePath);
      return paths.includes(stillFailed) && paths.includes(requeuedBefore) ? true : undefined;
    }, 'both failed files to be listed');
    // The newer one is back in the queue and a dispatch has it, its new run not started yet.
    await store.setStatus(requeuedBefore, 'processing');
    const { body } = await http()
      .post('/api/files/retry-failed')
      .set(auth)
      .send({ limit: 1 })
      .expect(200);
    expect(body).toMatchObject({ requeued: 1, filePaths: [stillFailed] });
    expect(body.skipped).toEqual([
      expect.objectContaining({ filePath: requeuedBefore, status: 'processing' }),
    ]);
    if (body.dispatch?.workflowId) await waitForWorkflow(body.dispatch.workflowId);
  });

  test('a file whose row is completed by now is no longer listed (its retry would be a 409)', async () => {
    const path = await addFailedFile('d-c0ffee01');
    const listed = async (): Promise<string[]> =>
      (await http().get('/api/files/failed?limit=200').expect(200)).body.map(
        (file: { filePath: string }) => file.filePath,
      );
    await waitFor(
      async () => ((await listed()).includes(path) ? true : undefined),
      'the failed file to be listed',
    );
    // The transcriber finished it after all (e.g. a late answer): the row says completed.
    await store.setStatus(path, 'completed');
    expect(await listed()).not.toContain(path);
  });

  test('the listing examines a bounded number of failed runs, not all of retention', async () => {
    const paths = [await addFailedFile('d-ba5eba11'), await addFailedFile('d-ba5eba11')];
    const context = {
      client: temporal.env.client,
      store,
      namespace: config.temporal.namespace,
      uiUrl: config.temporal.uiUrl,
      timezone: config.schedule.timezone,
    };
    const all = await waitFor(async () => {
      const files = await listFailedFiles(context, 200);
      const found = files.filter((file) => paths.includes(file.filePath));
      return found.length === 2 ? files : undefined;
    }, 'both failed files to be visible');
    expect(all.length).toBeGreaterThanOrEqual(2);
    // The two newest failures; only as many executions as allowed are looked at.
    const one = await listFailedFiles(context, 200, { pageSize: 1, maxExamined: 1 });
    expect(one).toHaveLength(1);
    expect(paths).toContain(one[0].filePath);
    const two = await listFailedFiles(context, 200, { pageSize: 1, maxExamined: 2 });
    expect(two.map((file) => file.filePath).sort()).toEqual([...paths].sort());
    for (const path of paths) await store.setStatus(path, 'completed');
  });

  test("many failed runs of one file do not use up the listing's budget for the others", async () => {
    const other = await addFailedFile('d-0f0f0f0f');
    const repeated = await addFailedFile('d-1e1e1e1e');
    // Five more failed runs of the same file, all newer than the other file's failure.
    for (let run = 0; run < 5; run++) await addFailedRun(repeated, 'd-1e1e1e1e');
    const context = {
      client: temporal.env.client,
      store,
      namespace: config.temporal.namespace,
      uiUrl: config.temporal.uiUrl,
      timezone: config.schedule.timezone,
    };
    const listed = await waitFor(async () => {
      const files = await listFailedFiles(context, 200, { pageSize: 2, maxExamined: 2 });
      const paths = files.map((file) => file.filePath);
      return paths.includes(other) && paths.includes(repeated) ? files : undefined;
    }, 'the runs to be visible');
    expect(listed.map((file) => file.filePath)).toEqual([repeated, other]);
    for (const path of [other, repeated]) await store.setStatus(path, 'completed');
  });
});

describe('times in the live schedule zone', () => {
  test('after PATCH timezone UTC, runs and failed files are written in UTC too', async () => {
    const path = await addFailedFile('d-0ddba11a');
    const runs = await http().get('/api/runs?limit=5').expect(200);
    expect(runs.body.length).toBeGreaterThan(0);
    try {
      await http()
        .patch('/api/schedule')
        .set(auth)
        .send({ cron: '0 9 * * *', timezone: 'UTC' })
        .expect(200);
      const schedule = await http().get('/api/schedule').expect(200);
      expect(schedule.body.nextRuns).toHaveLength(10);
      for (const run of schedule.body.nextRuns) expect(run).toMatch(/\+00:00$/);

      const utcRuns = await http().get('/api/runs?limit=5').expect(200);
      expect(utcRuns.body.length).toBeGreaterThan(0);
      for (const run of utcRuns.body) {
        expect(run.startedAt).toMatch(/\+00:00$/);
        if (run.scheduledAt) expect(run.scheduledAt).toMatch(/\+00:00$/);
      }
      const failed = await waitFor(async () => {
        const { body } = await http().get('/api/files/failed').expect(200);
        return body.find((file: { filePath: string }) => file.filePath === path);
      }, 'the failed file to be listed');
      expect(failed.failedAt).toMatch(/\+00:00$/);
    } finally {
      await http()
        .patch('/api/schedule')
        .set(auth)
        .send({ everyHours: 3, timezone: 'Asia/Tokyo' })
        .expect(200);
      await store.setStatus(path, 'completed');
    }
    const back = await http().get('/api/runs?limit=5').expect(200);
    for (const run of back.body) expect(run.startedAt).toMatch(/\+09:00$/);
  });
});

describe('GET /api/health', () => {
  test('200 when Temporal, the transcriber and the store are up', async () => {
    const { body } = await http().get('/api/health').expect(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.details)).toEqual(['temporal', 'transcriber', 'supabase']);
  });

  test('checks Temporal over the shared client, opening no connection per request', async () => {
    const connect = jest.spyOn(Connection, 'connect');
    try {
      for (let i = 0; i < 3; i++) await http().get('/api/health').expect(200);
      expect(connect).not.toHaveBeenCalled();
    } finally {
      connect.mockRestore();
    }
  });

  test('503 with the reason when the transcriber is down or its host does not resolve', async () => {
    const refused = await createApi(
      {
        config: { ...config, transcriber: { ...config.transcriber, url: 'http://127.0.0.1:9' } },
        store,
      },
      false,
    );
    await refused.init();
    const down = await request(refused.getHttpServer()).get('/api/health').expect(503);
    await refused.close();
    expect(down.body.details.transcriber.status).toBe('down');
    expect(down.body.details.transcriber.reason).toMatch(/^api-transcriber: connection refused/);
    expect(down.body.details.temporal.status).toBe('up');

    const dns = await createApi(
      {
        config: {
          ...config,
          transcriber: { ...config.transcriber, url: 'http://host.docker.internal:8001' },
        },
        store,
      },
      false,
    );
    await dns.init();
    const unresolved = await request(dns.getHttpServer()).get('/api/health').expect(503);
    await dns.close();
    expect(unresolved.body.details.transcriber.reason).toContain(
      'api-transcriber: DNS lookup failed for host.docker.internal',
    );
    expect(unresolved.body.details.transcriber.reason).toContain('http://api-transcriber:8001');
  });
});

describe('GET /api/docs', () => {
  test('the OpenAPI document lists every endpoint and documents the bodies', async () => {
    await http().get('/api/docs').expect(200);
    const { body } = await http().get('/api/docs-json').expect(200);
    expect(Object.keys(body.paths).sort()).toEqual(
      [
        '/api/files/failed',
        '/api/files/retry',
        '/api/files/retry-failed',
        '/api/health',
        '/api/runs',
        '/api/schedule',
        '/api/schedule/backfill',
        '/api/schedule/pause',
        '/api/schedule/resume',
        '/api/schedule/trigger',
        '/metrics',
      ].sort(),
    );
    expect(Object.keys(body.components.schemas)).toEqual(
      expect.arrayContaining([
        'NoteDto',
        'UpdateScheduleDto',
        'BackfillDto',
        'RetryFileDto',
        'RetryFailedDto',
      ]),
    );
    expect(body.components.schemas.UpdateScheduleDto.properties.everyHours.enum).toEqual([
      1, 2, 3, 4, 6, 8, 12, 24,
    ]);
  });

  test('every endpoint documents its 2xx schema; mutating ones bearer auth and 401; errors their body', async () => {
    const { body: doc } = await http().get('/api/docs-json').expect(200);
    type Schema = { $ref?: string; type?: string; items?: Schema; properties?: object };
    type Operation = {
      responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
      requestBody?: object;
      security?: object[];
    };
    const resolve = (schema: Schema): Schema =>
      schema.$ref
        ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]
        : schema;
    /** A schema with substance: an object with properties, an array of such, or text. */
    const described = (schema: Schema | undefined): boolean => {
      if (!schema) return false;
      const resolved = resolve(schema);
      if (!resolved) return false;
      if (resolved.type === 'array') return described(resolved.items);
      if (resolved.type === 'string') return true;
      return Object.keys(resolved.properties ?? {}).length > 0;
    };
    const problems: string[] = [];
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods as Record<string, Operation>).map(([method, op]) => ({
        path,
        method,
        op,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(11);
    for (const { path, method, op } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      const { responses } = op;
      const ok = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) problems.push(`${name}: no 2xx response`);
      for (const [status, response] of ok) {
        const schemas = Object.values(response.content ?? {}).map((content) => content.schema);
        if (!schemas.some(described)) problems.push(`${name}: ${status} has no response schema`);
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const schema = response.content?.['application/json']?.schema;
        if (!described(schema)) problems.push(`${name}: ${status} has no error body schema`);
      }
      if (path.startsWith('/api/') && !responses['503']) problems.push(`${name}: no 503`);
      if (op.requestBody && !responses['400']) problems.push(`${name}: body but no 400`);
      if (op.requestBody && !responses['413']) problems.push(`${name}: body but no 413`);
      if (['post', 'patch', 'put', 'delete'].includes(method)) {
        if (!(op.security ?? []).some((entry) => 'bearer' in entry)) {
          problems.push(`${name}: mutating but no bearer auth`);
        }
        if (!responses['401']) problems.push(`${name}: mutating but no 401`);
      }
    }
    expect(problems).toEqual([]);
    expect(doc.paths['/api/files/retry'].post.responses).toHaveProperty('404');
    expect(doc.paths['/api/files/retry'].post.responses).toHaveProperty('409');
    expect(doc.components.schemas.ScheduleDetailsDto.properties).toEqual(
      expect.objectContaining({ nextRuns: expect.any(Object), recentRuns: expect.any(Object) }),
    );
  });
});

describe('a schedule that does not exist yet', () => {
  test.each([
    ['get', '/api/schedule', undefined],
    ['post', '/api/schedule/pause', {}],
    ['post', '/api/schedule/resume', {}],
    ['post', '/api/schedule/trigger', {}],
    ['patch', '/api/schedule', { everyHours: 6 }],
    [
      'post',
      '/api/schedule/backfill',
      { start: '2026-12-02T03:00:00+09:00', end: '2026-12-02T06:00:00+09:00' },
    ],
  ] as const)('%s %s → 503 saying the worker creates it', async (method, path, payload) => {
    const scheduleId = `never-created-${randomUUID()}`;
    const app = await startVariant((base) => ({
      ...base,
      schedule: { ...base.schedule, id: scheduleId },
    }));
    try {
      const call = request(app.getHttpServer())[method](path).set(auth);
      const { body } = await (payload ? call.send(payload) : call).expect(503);
      expect(body.message).toContain(
        `schedule "${scheduleId}" does not exist yet; the worker creates it when it starts`,
      );
      // Runs still list, in the configured zone.
      await request(app.getHttpServer()).get('/api/runs?limit=1').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('Temporal down when the API starts', () => {
  test('the API starts; health gives the reason; the endpoints answer 503 with it', async () => {
    const address = `127.0.0.1:${await freeLoopbackPort()}`;
    const app = await startVariant((base) => ({
      ...base,
      temporal: { ...base.temporal, address },
    }));
    const server = app.getHttpServer();
    try {
      const health = await request(server).get('/api/health').expect(503);
      expect(health.body.details.temporal).toMatchObject({
        status: 'down',
        target: address,
        problem: 'refused',
      });
      expect(health.body.details.temporal.reason).toContain(
        `temporal: connection refused by ${address}`,
      );
      expect(health.body.details.transcriber.status).toBe('up');

      for (const call of [
        () => request(server).get('/api/schedule'),
        () => request(server).get('/api/runs'),
        () => request(server).get('/api/files/failed'),
        () => request(server).post('/api/schedule/pause').set(auth).send({}),
      ]) {
        const started = Date.now();
        const { body } = await call().expect(503);
        expect(body.message).toContain(`Temporal is unreachable: connection refused by ${address}`);
        expect(body.message).toContain('start the Temporal server');
        expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
        // A prompt answer, not the SDK's 20 s of retries.
        expect(Date.now() - started).toBeLessThan(8_000);
      }
      const metrics = await request(server).get('/metrics').expect(200);
      expect(metrics.text).not.toMatch(/^transcription_schedule_paused /m);
    } finally {
      await app.close();
    }
  });
});

describe('search attributes', () => {
  test('the API registers them in its namespace at start, and a second start changes nothing', async () => {
    const namespace = `api-attributes-${randomUUID().slice(0, 8)}`;
    const { connection } = temporal.env;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    const registered = async (): Promise<string[]> =>
      Object.keys(
        (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ??
          {},
      );
    await waitFor(
      () =>
        registered().then(
          () => true,
          () => undefined,
        ),
      'the new namespace to be known',
    );
    const names = CUSTOM_SEARCH_ATTRIBUTES.map((key) => key.name);
    expect(await registered()).not.toEqual(expect.arrayContaining(names));

    for (let start = 0; start < 2; start++) {
      const app = await startVariant((base) => ({
        ...base,
        temporal: { ...base.temporal, namespace },
      }));
      await app.close();
      expect(await registered()).toEqual(expect.arrayContaining(names));
    }
  });
});

describe('routes', () => {
  test('the start log names every controller at the path it really serves; /metrics is outside /api', async () => {
    const lines: string[] = [];
    const capture = {
      log: (message: unknown) => void lines.push(String(message)),
      error() {},
      warn() {},
    };
    const app = await createApi({ config, store }, capture);
    await app.init();
    try {
      const mappings = lines.filter((line) => /Controller \{/.test(line));
      expect(mappings).toEqual(
        expect.arrayContaining([
          'ScheduleController {/api/schedule}:',
          'RunsController {/api/runs}:',
          'FilesController {/api/files}:',
          'HealthController {/api/health}:',
          'MetricsController {/metrics}:',
        ]),
      );
      await request(app.getHttpServer()).get('/metrics').expect(200);
      await request(app.getHttpServer()).get('/api/metrics').expect(404);
      await request(app.getHttpServer()).get('/schedule').expect(404);
    } finally {
      await app.close();
    }
  });
});

describe('Supabase unreachable, failing or refusing the key', () => {
  let db: PostgrestDouble;
  let failedPath: string;

  beforeAll(async () => {
    db = await PostgrestDouble.start();
    // The listing and retry-failed read a failed file's row: one must exist in Temporal.
    failedPath = await addFailedFile('d-5ab5ab5a');
    await waitFor(async () => {
      const { body } = await http().get('/api/files/failed?limit=200').expect(200);
      return body.some((file: { filePath: string }) => file.filePath === failedPath)
        ? true
        : undefined;
    }, 'the failed file to be listed');
  });
  afterAll(async () => {
    await store.setStatus(failedPath, 'completed');
    await db.stop();
  });
  afterEach(() => db.setFailure(null));

  async function withSupabaseApi(
    options: { url?: string; key?: string },
    check: (server: ReturnType<INestApplication['getHttpServer']>) => Promise<void>,
  ): Promise<void> {
    const app = await createApi(
      {
        config,
        store: new SupabaseFileStore({
          url: options.url ?? db.url,
          serviceRoleKey: options.key ?? db.serviceRoleKey,
          timeoutMs: 3_000,
        }),
      },
      false,
    );
    await app.init();
    try {
      await check(app.getHttpServer());
    } finally {
      await app.close();
    }
  }

  const calls = [
    ['get', '/api/files/failed', undefined],
    ['post', '/api/files/retry', { filePath: 'files/d-5ab5ab5a/2026-11-01/00-00/audio.wav' }],
    ['post', '/api/files/retry-failed', {}],
  ] as const;

  async function expect503(
    server: ReturnType<INestApplication['getHttpServer']>,
    message: RegExp,
    secrets: string[] = [],
  ): Promise<void> {
    for (const [method, path, payload] of calls) {
      const call = request(server)[method](path).set(auth);
      const { body } = await (payload ? call.send(payload) : call).expect(503);
      expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(body.message).toMatch(message);
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  }

  test('Supabase answering 503 → 503 naming the host, the operation and the answer', async () => {
    const host = new URL(db.url).host;
    db.setFailure({ status: 503, message: 'upstream unavailable' });
    await withSupabaseApi({}, (server) =>
      expect503(
        server,
        new RegExp(
          `^Supabase is failing: Supabase \\(${host.replace(/\./g, '\\.')}\\) (getStatus|findByPath) failed: HTTP 503 .*upstream unavailable.*Retry once it is back`,
        ),
        [db.serviceRoleKey],
      ),
    );
  });

  test('a dropped connection, or nothing listening → 503 saying Supabase is unreachable, and why', async () => {
    db.setFailure('refuse');
    await withSupabaseApi({}, (server) =>
      expect503(server, /^Supabase is unreachable: Supabase \(.+\) \w+ failed: .*cause: /, [
        db.serviceRoleKey,
      ]),
    );
    const port = await freeLoopbackPort();
    await withSupabaseApi({ url: `http://127.0.0.1:${port}`, key: 'k'.repeat(40) }, (server) =>
      expect503(
        server,
        new RegExp(
          `^Supabase is unreachable: Supabase \\(127\\.0\\.0\\.1:${port}\\) .*ECONNREFUSED`,
        ),
        ['k'.repeat(40)],
      ),
    );
  });

  test('a refused key → 503 saying so, with SUPABASE_SERVICE_ROLE_KEY as the fix, never the key', async () => {
    const wrongKey = testSecret('not-the-service-role-key');
    await withSupabaseApi({ key: wrongKey }, (server) =>
      expect503(
        server,
        /^Supabase \(.+\) refused the service-role key \(HTTP 401 on \w+\); fix: set SUPABASE_SERVICE_ROLE_KEY/,
        [wrongKey, db.serviceRoleKey],
      ),
    );
  });

  test('the same API answers normally once Supabase is back', async () => {
    await withSupabaseApi({}, async (server) => {
      await request(server).get('/api/files/failed').expect(200);
      await request(server)
        .post('/api/files/retry')
        .set(auth)
        .send({ filePath: 'files/d-5ab5ab5a/2026-11-01/00-00/audio.wav' })
        .expect(404);
    });
  });
});
