import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AudioFileRow, PendingCursor } from '../src/files/audio-file';
import { parseFilePath } from '../src/files/file-path';
import { FileStoreUnavailableError, type FileStore } from '../src/files/file-store';
import type { TranscriptionStatus } from '../src/files/transcription-status';
import { LocalFileStore, type LocalFileStoreInsertRow } from '../src/files/local-file-store';
import { createServiceRoleClient, SupabaseFileStore } from '../src/files/supabase-file-store';
import { PostgrestDouble } from './support/postgrest-double';
import { testSecret } from './support/test-secret';

/** A seed row: the product's columns plus the columns other pipelines own. */
type SeedRow = Partial<Omit<AudioFileRow, 'file_path'>> & {
  file_path: string | null;
  behavior_features_status?: string;
  emotion_features_status?: string;
};

interface Harness {
  store: FileStore;
  seed(rows: SeedRow[]): Promise<void>;
  /** Every row with that path (null: rows without a path), all columns, oldest first. */
  rowsOf(filePath: string | null): Promise<Array<Record<string, unknown>>>;
  /** HTTP requests made so far, when the store talks HTTP. */
  requests?(): number;
}

interface Variant {
  name: string;
  beforeAll(): Promise<void>;
  afterAll(): Promise<void>;
  create(): Promise<Harness>;
}

let double: PostgrestDouble | undefined;

const supabaseVariant: Variant = {
  name: 'SupabaseFileStore over PostgrestDouble',
  async beforeAll() {
    double = await PostgrestDouble.start();
  },
  async afterAll() {
    await double?.stop();
    double = undefined;
  },
  async create() {
    const db = double!;
    await db.query('truncate audio_files');
    const store = new SupabaseFileStore({ url: db.url, serviceRoleKey: db.serviceRoleKey });
    return {
      store,
      seed: (rows) => db.insertRows(rows),
      async rowsOf(filePath) {
        const rows = await db.query<{ j: string }>(
          `select row_to_json(a)::text as j from audio_files a
            where file_path is not distinct from $1 order by created_at`,
          [filePath],
        );
        return rows.map((row) => JSON.parse(row.j) as Record<string, unknown>);
      },
      requests: () => db.requestCount,
    };
  },
};

const localVariant: Variant = {
  name: 'LocalFileStore',
  beforeAll: () => Promise.resolve(),
  afterAll: () => Promise.resolve(),
  create() {
    const store = new LocalFileStore();
    return Promise.resolve({
      store,
      // The local store keeps any extra field as given, like the table keeps other columns.
      seed: (rows) => store.insert(rows as LocalFileStoreInsertRow[]),
      rowsOf: (filePath) =>
        Promise.resolve(
          (store.rows() as unknown as Array<Record<string, unknown>>)
            .filter((row) => row.file_path === filePath)
            .sort((a, b) => Date.parse(String(a.created_at)) - Date.parse(String(b.created_at))),
        ),
    });
  },
};

/** A well-formed row: device, date and time block derived from the path, as ingest writes them. */
function fileRow(filePath: string, createdAt: string, extra: Partial<SeedRow> = {}): SeedRow {
  const parsed = parseFilePath(filePath);
  const parts = 'error' in parsed ? undefined : parsed;
  return {
    file_path: filePath,
    created_at: createdAt,
    device_id: parts?.deviceId ?? null,
    local_date: parts?.localDate ?? null,
    time_block: parts?.timeBlock ?? null,
    transcriptions_status: 'pending',
    ...extra,
  };
}

function audioPath(device: string, date: string, block: string): string {
  return `files/${device}/${date}/${block}/audio.wav`;
}

const T = (seconds: number, micros = 0): string =>
  `2025-06-01T00:00:${String(seconds).padStart(2, '0')}.${String(micros).padStart(6, '0')}+00:00`;

/** Pages through every pending row with the cursor taken from each page's last row. */
async function drain(store: FileStore, pageSize: number): Promise<AudioFileRow[]> {
  const seen: AudioFileRow[] = [];
  let after: PendingCursor | undefined;
  for (let page = 0; page < 500; page += 1) {
    const rows = await store.listPending({ limit: pageSize, after });
    expect(rows.length).toBeLessThanOrEqual(pageSize);
    if (rows.length === 0) return seen;
    seen.push(...rows);
    const last = rows[rows.length - 1];
    // file_path is null at run time for malformed rows, although the type says string.
    after = { createdAt: last.created_at, filePath: last.file_path };
  }
  throw new Error('paging did not terminate');
}

const paths = (rows: AudioFileRow[]): Array<string | null> => rows.map((row) => row.file_path);

describe.each([supabaseVariant, localVariant])('FileStore contract: $name', (variant) => {
  let h: Harness;

  beforeAll(() => variant.beforeAll());
  afterAll(() => variant.afterAll());
  beforeEach(async () => {
    h = await variant.create();
  });

  test('listPending: oldest created_at first, ties by file_path, pending only', async () => {
    await h.seed([
      fileRow(audioPath('dev1', '2025-06-01', '00-02'), T(2)),
      fileRow(audioPath('dev1', '2025-06-01', '00-01'), T(1, 2)),
      fileRow(audioPath('dev2', '2025-06-01', '00-01'), T(1, 1)), // one microsecond older
      fileRow(audioPath('dev0', '2025-06-01', '00-01'), T(1, 2)), // tie: smaller path first
      fileRow(audioPath('dev9', '2025-06-01', '00-00'), T(0), {
        transcriptions_status: 'completed',
      }),
      fileRow(audioPath('dev8', '2025-06-01', '00-00'), T(0), {
        transcriptions_status: 'processing',
      }),
      fileRow(audioPath('dev7', '2025-06-01', '00-00'), T(0), { transcriptions_status: 'failed' }),
    ]);
    const rows = await h.store.listPending({ limit: 100 });
    expect(paths(rows)).toEqual([
      audioPath('dev2', '2025-06-01', '00-01'),
      audioPath('dev0', '2025-06-01', '00-01'),
      audioPath('dev1', '2025-06-01', '00-01'),
      audioPath('dev1', '2025-06-01', '00-02'),
    ]);
    expect(rows[0]).toEqual({
      file_path: audioPath('dev2', '2025-06-01', '00-01'),
      device_id: 'dev2',
      recorded_at: null,
      created_at: expect.any(String) as string,
      local_date: '2025-06-01',
      time_block: '00-01',
      transcriptions_status: 'pending',
    });
    expect(new Date(rows[0].created_at).toISOString()).toBe('2025-06-01T00:00:01.000Z');
  });

  test('listPending: limit', async () => {
    await h.seed(
      Array.from({ length: 7 }, (_, i) =>
        fileRow(audioPath('dev1', '2025-06-01', `00-0${i}`), T(i)),
      ),
    );
    expect(await h.store.listPending({ limit: 3 })).toHaveLength(3);
    expect(await h.store.listPending({ limit: 1 })).toHaveLength(1);
    expect(await h.store.listPending({ limit: 50 })).toHaveLength(7);
    await expect(h.store.listPending({ limit: 0 })).rejects.toThrow(/limit/);
  });

  test('keyset paging visits every pending row exactly once, ties and reserved characters included', async () => {
    const tricky = [
      audioPath('a,b', '2025-06-01', '01-00'),
      audioPath('a.b', '2025-06-01', '01-00'),
      audioPath('a(b)', '2025-06-01', '01-00'),
      audioPath('a:b', '2025-06-01', '01-00'),
      audioPath('a"b', '2025-06-01', '01-00'),
      audioPath('a\\b', '2025-06-01', '01-00'),
      audioPath("a'b", '2025-06-01', '01-00'),
      audioPath('a%2Cb&x=1', '2025-06-01', '01-00'),
      'files/with space/2025-06-01/01-00/audio.wav',
      audioPath('デバイス', '2025-06-01', '01-00'),
    ];
    const seeded: SeedRow[] = [];
    tricky.forEach((p, i) => seeded.push(fileRow(p, T(i % 3 === 0 ? 5 : 6, 123456))));
    for (let i = 0; i < 8; i += 1) {
      seeded.push(fileRow(audioPath(`dev${i % 2}`, '2025-06-02', `00-0${i}`), T(7)));
    }
    seeded.push(
      fileRow(audioPath('done', '2025-06-01', '00-00'), T(6, 123456), {
        transcriptions_status: 'completed',
      }),
    );
    await h.seed(seeded);

    const all = await h.store.listPending({ limit: 1000 });
    expect(all).toHaveLength(18);
    expect(new Set(paths(all)).size).toBe(18);
    for (const pageSize of [1, 2, 3, 5, 18, 50]) {
      const visited = await drain(h.store, pageSize);
      expect(paths(visited)).toEqual(paths(all));
    }
    // A cursor in the middle of a tie continues right after it.
    const cursorRow = all[3];
    const rest = await h.store.listPending({
      limit: 1000,
      after: { createdAt: cursorRow.created_at, filePath: cursorRow.file_path },
    });
    expect(paths(rest)).toEqual(paths(all.slice(4)));
  });

  test('rows with a NULL or empty file_path are listed, NULLs last in their instant, and paging terminates', async () => {
    const a = audioPath('dev1', '2025-06-01', '00-01');
    const b = audioPath('dev1', '2025-06-01', '00-02');
    const c = audioPath('dev1', '2025-06-01', '00-03');
    await h.seed([
      { file_path: null, created_at: T(1) },
      fileRow(b, T(1)),
      fileRow(a, T(1)),
      { file_path: null, created_at: T(2) },
      { file_path: '', created_at: T(2) },
      fileRow(c, T(3)),
    ]);
    const expected = [a, b, null, '', null, c];
    expect(paths(await h.store.listPending({ limit: 100 }))).toEqual(expected);
    for (const pageSize of [1, 2, 3, 4]) {
      expect(paths(await drain(h.store, pageSize))).toEqual(expected);
    }
  });

  test('NULL-path rows sharing one instant are not split across pages (documented; paging still ends)', async () => {
    await h.seed([
      { file_path: null, created_at: T(1) },
      { file_path: null, created_at: T(1) },
      fileRow(audioPath('dev1', '2025-06-01', '00-09'), T(2)),
    ]);
    expect(paths(await drain(h.store, 10))).toEqual([
      null,
      null,
      audioPath('dev1', '2025-06-01', '00-09'),
    ]);
    expect(paths(await drain(h.store, 1))).toEqual([
      null,
      audioPath('dev1', '2025-06-01', '00-09'),
    ]);
  });

  test('markProcessing moves only pending rows and returns the paths it changed', async () => {
    const pending = audioPath('dev1', '2025-06-01', '00-01');
    const completed = audioPath('dev1', '2025-06-01', '00-02');
    const failed = audioPath('dev1', '2025-06-01', '00-03');
    const processing = audioPath('dev1', '2025-06-01', '00-04');
    const duplicated = audioPath('dev1', '2025-06-01', '00-05');
    const comma = audioPath('dev,1', '2025-06-01', '00-06');
    const injection = audioPath("x'); drop table audio_files; --", '2025-06-01', '00-07');
    const quote = audioPath('say "hi"', '2025-06-01', '00-08');
    await h.seed([
      fileRow(pending, T(1)),
      fileRow(completed, T(1), { transcriptions_status: 'completed' }),
      fileRow(failed, T(1), { transcriptions_status: 'failed' }),
      fileRow(processing, T(1), { transcriptions_status: 'processing' }),
      fileRow(duplicated, T(1)),
      fileRow(duplicated, T(2)),
      fileRow(comma, T(1)),
      fileRow(injection, T(1)),
      fileRow(quote, T(1)),
    ]);
    const changed = await h.store.markProcessing([
      comma,
      pending,
      completed,
      failed,
      processing,
      duplicated,
      'files/missing/2025-06-01/00-00/audio.wav',
      pending,
      injection,
      quote,
    ]);
    expect(changed).toEqual([comma, pending, duplicated, injection, quote]);
    expect(await h.store.getStatus(pending)).toBe('processing');
    expect(await h.store.getStatus(completed)).toBe('completed');
    expect(await h.store.getStatus(failed)).toBe('failed');
    expect(await h.store.getStatus(processing)).toBe('processing');
    expect((await h.rowsOf(duplicated)).map((r) => r.transcriptions_status)).toEqual([
      'processing',
      'processing',
    ]);
    // A second call finds nothing pending.
    expect(await h.store.markProcessing([pending, duplicated, comma])).toEqual([]);
    expect(await h.store.listPending({ limit: 10 })).toEqual([]);
  });

  test('markProcessing: empty input makes no request; large input is chunked', async () => {
    const before = h.requests?.();
    expect(await h.store.markProcessing([])).toEqual([]);
    expect(h.requests?.()).toBe(before);

    const many = Array.from({ length: 450 }, (_, i) =>
      audioPath(
        `device-${String(i).padStart(4, '0')}-0f8fad5b-d9cb-469f-a165-70867728950e`,
        '2025-06-01',
        '00-00',
      ),
    );
    await h.seed(many.map((p, i) => fileRow(p, T(i % 60))));
    const start = h.requests?.() ?? 0;
    const changed = await h.store.markProcessing([
      ...many,
      'files/none/2025-06-01/00-00/audio.wav',
    ]);
    expect(changed).toEqual(many);
    if (h.requests) expect(h.requests() - start).toBeGreaterThanOrEqual(3);
    expect(await h.store.listPending({ limit: 1000 })).toEqual([]);
  });

  test('listProcessing: processing rows only, in the order and with the keyset paging of listPending', async () => {
    const a = audioPath('dev1', '2025-06-01', '00-01');
    const b = audioPath('dev2', '2025-06-01', '00-01');
    const c = audioPath('dev1', '2025-06-01', '00-02');
    await h.seed([
      fileRow(c, T(2), { transcriptions_status: 'processing' }),
      fileRow(b, T(1), { transcriptions_status: 'processing' }),
      fileRow(a, T(1), { transcriptions_status: 'processing' }), // tie: smaller path first
      { file_path: null, created_at: T(1), transcriptions_status: 'processing' },
      fileRow(audioPath('dev3', '2025-06-01', '00-00'), T(0)),
      fileRow(audioPath('dev4', '2025-06-01', '00-00'), T(0), {
        transcriptions_status: 'completed',
      }),
      fileRow(audioPath('dev5', '2025-06-01', '00-00'), T(0), { transcriptions_status: 'failed' }),
    ]);
    const all = await h.store.listProcessing({ limit: 100 });
    expect(paths(all)).toEqual([a, b, null, c]);
    expect(all.every((row) => row.transcriptions_status === 'processing')).toBe(true);
    for (const pageSize of [1, 2, 3]) {
      const seen: AudioFileRow[] = [];
      let after: PendingCursor | undefined;
      for (;;) {
        const page = await h.store.listProcessing({ limit: pageSize, after });
        if (page.length === 0) break;
        seen.push(...page);
        const last = page[page.length - 1];
        after = { createdAt: last.created_at, filePath: last.file_path };
      }
      expect(paths(seen)).toEqual([a, b, null, c]);
    }
    await expect(h.store.listProcessing({ limit: 0 })).rejects.toThrow(/listProcessing: limit/);
  });

  test('releaseProcessing moves only processing rows back to pending and returns the paths it changed', async () => {
    const processing = audioPath('dev1', '2025-06-01', '00-01');
    const pending = audioPath('dev1', '2025-06-01', '00-02');
    const completed = audioPath('dev1', '2025-06-01', '00-03');
    const failed = audioPath('dev1', '2025-06-01', '00-04');
    const duplicated = audioPath('dev1', '2025-06-01', '00-05');
    const quote = audioPath('say "hi", (ok)', '2025-06-01', '00-06');
    await h.seed([
      fileRow(processing, T(1), { transcriptions_status: 'processing' }),
      fileRow(pending, T(1)),
      fileRow(completed, T(1), { transcriptions_status: 'completed' }),
      fileRow(failed, T(1), { transcriptions_status: 'failed' }),
      fileRow(duplicated, T(1), { transcriptions_status: 'processing' }),
      fileRow(duplicated, T(2), { transcriptions_status: 'processing' }),
      fileRow(quote, T(1), { transcriptions_status: 'processing' }),
    ]);
    const before = h.requests?.();
    expect(await h.store.releaseProcessing([])).toEqual([]);
    expect(h.requests?.()).toBe(before);

    const changed = await h.store.releaseProcessing([
      quote,
      pending,
      completed,
      failed,
      processing,
      duplicated,
      'files/missing/2025-06-01/00-00/audio.wav',
    ]);
    expect(changed).toEqual([quote, processing, duplicated]);
    expect(await h.store.getStatus(processing)).toBe('pending');
    expect(await h.store.getStatus(quote)).toBe('pending');
    expect(await h.store.getStatus(pending)).toBe('pending');
    expect(await h.store.getStatus(completed)).toBe('completed');
    expect(await h.store.getStatus(failed)).toBe('failed');
    expect((await h.rowsOf(duplicated)).map((r) => r.transcriptions_status)).toEqual([
      'pending',
      'pending',
    ]);
    expect(await h.store.listProcessing({ limit: 10 })).toEqual([]);
    expect(await h.store.releaseProcessing([processing])).toEqual([]);
  });

  test('moveStatus changes only rows in one of the given statuses, never a completed one', async () => {
    const processing = audioPath('dev1', '2025-06-01', '01-01');
    const pending = audioPath('dev1', '2025-06-01', '01-02');
    const completed = audioPath('dev1', '2025-06-01', '01-03');
    const failed = audioPath('dev1', '2025-06-01', '01-04');
    await h.seed([
      fileRow(processing, T(1), { transcriptions_status: 'processing' }),
      fileRow(pending, T(1)),
      fileRow(completed, T(1), { transcriptions_status: 'completed' }),
      fileRow(failed, T(1), { transcriptions_status: 'failed' }),
    ]);
    const changed = await h.store.moveStatus(
      [completed, failed, pending, processing],
      ['pending', 'processing'],
      'failed',
    );
    expect(changed).toEqual([pending, processing]);
    expect(await h.store.getStatus(completed)).toBe('completed');
    expect(await h.store.getStatus(pending)).toBe('failed');
    expect(await h.store.getStatus(processing)).toBe('failed');
    expect(await h.store.moveStatus([completed], [], 'failed')).toEqual([]);
    await expect(
      h.store.moveStatus([completed], ['done' as TranscriptionStatus], 'failed'),
    ).rejects.toThrow(/moveStatus: "done" is not one of/);
    expect(await h.store.getStatus(completed)).toBe('completed');
  });

  test('setStatus / getStatus / findByPath', async () => {
    const p = audioPath('dev1', '2025-06-01', '09-30');
    await h.seed([
      fileRow(p, T(1), { recorded_at: '2025-06-01T00:30:00+00:00' }),
      fileRow(audioPath('dev1', '2025-06-01', '09-31'), T(1)),
    ]);
    expect(await h.store.getStatus('files/nope/2025-06-01/00-00/audio.wav')).toBeNull();
    expect(await h.store.findByPath('files/nope/2025-06-01/00-00/audio.wav')).toBeNull();
    expect(await h.store.setStatus('files/nope/2025-06-01/00-00/audio.wav', 'failed')).toBe(false);

    expect(await h.store.getStatus(p)).toBe('pending');
    expect(await h.store.setStatus(p, 'failed')).toBe(true);
    expect(await h.store.getStatus(p)).toBe('failed');
    expect(await h.store.getStatus(audioPath('dev1', '2025-06-01', '09-31'))).toBe('pending');

    const row = await h.store.findByPath(p);
    expect(row).toMatchObject({
      file_path: p,
      device_id: 'dev1',
      local_date: '2025-06-01',
      time_block: '09-30',
      transcriptions_status: 'failed',
    });
    expect(new Date(row!.recorded_at!).toISOString()).toBe('2025-06-01T00:30:00.000Z');
    expect(new Date(row!.created_at).toISOString()).toBe('2025-06-01T00:00:01.000Z');
    await expect(h.store.setStatus(p, 'done' as never)).rejects.toThrow(/not one of/);
  });

  test('duplicates: updates reach every row; getStatus/findByPath report the most advanced', async () => {
    const p = audioPath('dev1', '2025-06-01', '10-00');
    const q = audioPath('dev1', '2025-06-01', '10-01');
    await h.seed([
      fileRow(p, T(1), { transcriptions_status: 'pending' }),
      fileRow(p, T(2), { transcriptions_status: 'completed' }),
      fileRow(p, T(3), { transcriptions_status: 'processing' }),
      fileRow(q, T(1), { transcriptions_status: 'processing' }),
      fileRow(q, T(2), { transcriptions_status: 'failed' }),
      fileRow(q, T(3), { transcriptions_status: 'failed' }),
    ]);
    expect(await h.store.getStatus(p)).toBe('completed');
    expect(new Date((await h.store.findByPath(p))!.created_at).toISOString()).toBe(
      '2025-06-01T00:00:02.000Z',
    );
    expect(await h.store.getStatus(q)).toBe('failed');
    expect(new Date((await h.store.findByPath(q))!.created_at).toISOString()).toBe(
      '2025-06-01T00:00:02.000Z',
    );
    expect(await h.store.setStatus(p, 'pending')).toBe(true);
    expect((await h.rowsOf(p)).map((r) => r.transcriptions_status)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    // A duplicated pending path is listed once per row.
    expect(paths(await h.store.listPending({ limit: 10 }))).toEqual([p, p, p]);
  });

  test('only transcriptions_status changes; other columns (other pipelines included) are untouched', async () => {
    const p = audioPath('dev1', '2025-06-01', '11-00');
    await h.seed([
      fileRow(p, T(1, 500), {
        recorded_at: '2025-06-01T02:00:00+00:00',
        behavior_features_status: 'completed',
        emotion_features_status: 'processing',
      }),
    ]);
    const [before] = await h.rowsOf(p);
    expect(before.behavior_features_status).toBe('completed');
    await h.store.markProcessing([p]);
    await h.store.setStatus(p, 'failed');
    await h.store.setStatus(p, 'completed');
    const [after] = await h.rowsOf(p);
    expect(after).toEqual({ ...before, transcriptions_status: 'completed' });
  });

  test('listPendingPathsForDeviceDate', async () => {
    await h.seed([
      fileRow(audioPath('dev1', '2025-06-01', '00-02'), T(1)),
      fileRow(audioPath('dev1', '2025-06-01', '00-01'), T(2)),
      fileRow(audioPath('dev1', '2025-06-01', '00-01'), T(3)), // duplicate row
      fileRow(audioPath('dev1', '2025-06-01', '00-03'), T(1), {
        transcriptions_status: 'completed',
      }),
      fileRow(audioPath('dev1', '2025-06-02', '00-01'), T(1)),
      fileRow(audioPath('dev2', '2025-06-01', '00-01'), T(1)),
      { file_path: null, device_id: 'dev1', local_date: '2025-06-01', created_at: T(1) },
    ]);
    expect(await h.store.listPendingPathsForDeviceDate('dev1', '2025-06-01')).toEqual([
      audioPath('dev1', '2025-06-01', '00-01'),
      audioPath('dev1', '2025-06-01', '00-02'),
    ]);
    expect(await h.store.listPendingPathsForDeviceDate('dev3', '2025-06-01')).toEqual([]);
  });

  test('ping and description', async () => {
    await expect(h.store.ping()).resolves.toBeUndefined();
    expect(h.store.description).toMatch(
      /^(Supabase at http:\/\/127\.0\.0\.1:\d+|local demo store \(in memory\))$/,
    );
  });
});

describe('SupabaseFileStore failures', () => {
  let db: PostgrestDouble;
  let host: string;

  beforeAll(async () => {
    db = await PostgrestDouble.start();
    host = new URL(db.url).host;
  });
  afterAll(() => db.stop());
  afterEach(() => db.setFailure(null));

  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  test('a wrong key gives a clear 401 error without the key', async () => {
    const wrongKey = testSecret('not-the-right-service-role-key');
    const store = new SupabaseFileStore({ url: db.url, serviceRoleKey: wrongKey });
    const error = await store.listPending({ limit: 1 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(
      new RegExp(`^Supabase \\(${escape(host)}\\) listPending failed: HTTP 401 .*Invalid API key`),
    );
    expect(error!.message).toMatch(/SUPABASE_SERVICE_ROLE_KEY/);
    expect(error!.message).not.toContain(wrongKey);
    expect(error!.message).not.toContain(db.serviceRoleKey);
  });

  test('an HTTP 503 names the host and the answer, without hidden retries', async () => {
    const store = new SupabaseFileStore({ url: db.url, serviceRoleKey: db.serviceRoleKey });
    db.setFailure({ status: 503, message: 'upstream unavailable' });
    const before = db.requestCount;
    await expect(store.listPending({ limit: 5 })).rejects.toThrow(
      new RegExp(
        `^Supabase \\(${escape(host)}\\) listPending failed: HTTP 503 .*upstream unavailable`,
      ),
    );
    expect(db.requestCount - before).toBe(1);
    await expect(store.markProcessing(['files/a/2025-06-01/00-00/audio.wav'])).rejects.toThrow(
      /markProcessing failed: HTTP 503/,
    );
    await expect(store.setStatus('files/a/2025-06-01/00-00/audio.wav', 'failed')).rejects.toThrow(
      /setStatus failed: HTTP 503/,
    );
    await expect(store.ping()).rejects.toThrow(/ping failed: HTTP 503/);
    db.setFailure(null);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('an outage or a refused key is a FileStoreUnavailableError saying which; a refused query is a plain Error', async () => {
    const path = 'files/a/2025-06-01/00-00/audio.wav';
    const failureOf = (call: Promise<unknown>): Promise<Error> =>
      call.then(
        () => {
          throw new Error('expected a failure');
        },
        (error: unknown) => error as Error,
      );
    const store = new SupabaseFileStore({ url: db.url, serviceRoleKey: db.serviceRoleKey });
    const cases = [
      [{ status: 503 }, { failure: 'server-error', httpStatus: 503 }],
      [{ status: 500 }, { failure: 'server-error', httpStatus: 500 }],
      [{ status: 403 }, { failure: 'key-refused', httpStatus: 403 }],
      [{ status: 404 }, { failure: 'not-the-store', httpStatus: 404 }],
      ['refuse', { failure: 'unreachable' }],
    ] as const;
    for (const [mode, expected] of cases) {
      db.setFailure(mode);
      const error = await failureOf(store.getStatus(path));
      expect(error).toBeInstanceOf(FileStoreUnavailableError);
      expect((error as FileStoreUnavailableError).details).toEqual({
        store: 'Supabase',
        host,
        operation: 'getStatus',
        ...expected,
      });
      expect(error.message).toMatch(
        new RegExp(`^Supabase \\(${escape(host)}\\) getStatus failed: `),
      );
    }
    db.setFailure(null);

    const wrongKey = new SupabaseFileStore({ url: db.url, serviceRoleKey: 'w'.repeat(40) });
    const refused = await failureOf(wrongKey.markProcessing([path]));
    expect(refused).toBeInstanceOf(FileStoreUnavailableError);
    expect((refused as FileStoreUnavailableError).details).toMatchObject({
      operation: 'markProcessing',
      failure: 'key-refused',
      httpStatus: 401,
    });

    // A query PostgREST refuses is this code's bug, not an outage.
    db.setFailure({ status: 400, message: 'bad filter' });
    const bug = await failureOf(store.findByPath(path));
    expect(bug).not.toBeInstanceOf(FileStoreUnavailableError);
    expect(bug.message).toMatch(/findByPath failed: HTTP 400 .*bad filter/);
  });

  test('a dropped connection names the host and the cause', async () => {
    const store = new SupabaseFileStore({ url: db.url, serviceRoleKey: db.serviceRoleKey });
    db.setFailure('refuse');
    const error = await store.getStatus('files/a/2025-06-01/00-00/audio.wav').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      new RegExp(`^Supabase \\(${escape(host)}\\) getStatus failed: `),
    );
    expect(error?.message).toMatch(/cause: /);
    expect(error?.message).not.toContain(db.serviceRoleKey);
  });

  test('nothing listening: ECONNREFUSED is named', async () => {
    const port = await freePort();
    const store = new SupabaseFileStore({
      url: `http://127.0.0.1:${port}`,
      serviceRoleKey: 'x'.repeat(40),
    });
    await expect(store.ping()).rejects.toThrow(
      new RegExp(`^Supabase \\(127\\.0\\.0\\.1:${port}\\) ping failed: .*ECONNREFUSED`),
    );
    expect(store.description).toBe(`Supabase at http://127.0.0.1:${port}`);
  });

  test('a server that is not PostgREST or never answers is an error, not an empty result', async () => {
    const sockets = new Set<Socket>();
    const server = createHttpServer((req, res) => {
      if (req.url?.includes('silent')) return; // never answers
      res.statusCode = 404; // what some proxies answer for an unknown path, with no body
      res.end();
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    try {
      const wrongPath = new SupabaseFileStore({
        url: `http://127.0.0.1:${port}`,
        serviceRoleKey: 'x'.repeat(40),
      });
      await expect(wrongPath.listPending({ limit: 1 })).rejects.toThrow(
        /listPending failed: HTTP 204: the answer is not a PostgREST row list/,
      );
      await expect(wrongPath.ping()).rejects.toThrow(/ping failed/);
      const silent = new SupabaseFileStore({
        url: `http://127.0.0.1:${port}/silent`,
        serviceRoleKey: 'x'.repeat(40),
        timeoutMs: 300,
      });
      await expect(silent.ping()).rejects.toThrow(
        new RegExp(`^Supabase \\(127\\.0\\.0\\.1:${port}\\) ping failed: no answer within 300 ms`),
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('the double rejects unknown columns and operators like PostgREST', async () => {
    const headers = { apikey: db.serviceRoleKey, Authorization: `Bearer ${db.serviceRoleKey}` };
    const get = async (
      query: string,
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${db.url}/rest/v1/audio_files?${query}`, { headers });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const unknownSelect = await get('select=nope');
    expect(unknownSelect).toMatchObject({ status: 400, body: { code: '42703' } });
    expect(unknownSelect.body).toHaveProperty('message');
    expect(unknownSelect.body).toHaveProperty('details');
    expect(unknownSelect.body).toHaveProperty('hint');
    expect(await get('nope=eq.1')).toMatchObject({ status: 400, body: { code: '42703' } });
    expect(await get('order=nope.asc')).toMatchObject({ status: 400, body: { code: '42703' } });
    expect(await get('or=(file_path.eq.a,nope.eq.b)')).toMatchObject({
      status: 400,
      body: { code: '42703' },
    });
    expect(await get('file_path=regex.x')).toMatchObject({
      status: 400,
      body: { code: 'PGRST100' },
    });
    expect(await get('or=(file_path.eq.a')).toMatchObject({
      status: 400,
      body: { code: 'PGRST100' },
    });
    expect(await get('created_at=gt.not-a-time')).toMatchObject({
      status: 400,
      body: { code: '22007' },
    });
    const missingKey = await fetch(`${db.url}/rest/v1/audio_files`);
    expect(missingKey.status).toBe(401);

    // And through the real client.
    const client = createServiceRoleClient(db.url, db.serviceRoleKey);
    const { error, status } = await client.from('audio_files').select('file_path, bogus');
    expect(status).toBe(400);
    expect(error?.code).toBe('42703');
    const missingTable = await client.from('no_such_table').select('*');
    expect(missingTable.status).toBe(404);
  });

  test('the double evaluates what supabase-js sends: quoted in-lists, or/and trees, order, count', async () => {
    await db.query('truncate audio_files');
    await db.insertRows([
      { file_path: 'a,b', created_at: '2025-01-01T00:00:00Z' },
      { file_path: 'a"b', created_at: '2025-01-01T00:00:01Z' },
      { file_path: null, created_at: '2025-01-01T00:00:02Z', transcriptions_status: 'failed' },
    ]);
    const client = createServiceRoleClient(db.url, db.serviceRoleKey);
    const inList = await client
      .from('audio_files')
      .select('file_path')
      .in('file_path', ['a,b', 'x']);
    expect(inList.data).toEqual([{ file_path: 'a,b' }]);
    const tree = await client
      .from('audio_files')
      .select('file_path', { count: 'exact' })
      .or('file_path.is.null,and(file_path.eq."a\\"b",created_at.gte.2025-01-01T00:00:01Z)')
      .order('file_path', { ascending: true, nullsFirst: true });
    expect(tree.data).toEqual([{ file_path: null }, { file_path: 'a"b' }]);
    expect(tree.count).toBe(2);
    const negated = await client
      .from('audio_files')
      .select('file_path')
      .not('file_path', 'is', null)
      .neq('file_path', 'a,b');
    expect(negated.data).toEqual([{ file_path: 'a"b' }]);
    expect(await db.statusOf('a"b')).toBe('pending');
  });
});

describe('LocalFileStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'local-file-store-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('write, flush, reopen from the same file: same rows', async () => {
    const file = path.join(dir, 'nested', 'audio-files.json');
    const store = new LocalFileStore({ persistPath: file });
    expect(store.description).toBe(`local demo store (${file})`);
    await store.insert([
      { file_path: audioPath('dev1', '2025-06-01', '00-01'), created_at: T(1) },
      { file_path: audioPath('dev1', '2025-06-01', '00-02') },
      { file_path: null, created_at: T(3) },
    ]);
    await store.markProcessing([audioPath('dev1', '2025-06-01', '00-01')]);
    await store.setStatus(audioPath('dev1', '2025-06-01', '00-02'), 'failed');
    await store.flush();

    const reopened = new LocalFileStore({ persistPath: file });
    expect(reopened.rows()).toEqual(store.rows());
    expect(reopened.count()).toBe(3);
    expect(await reopened.getStatus(audioPath('dev1', '2025-06-01', '00-01'))).toBe('processing');
    expect(paths(await reopened.listPending({ limit: 10 }))).toEqual([null]);
  });

  test('a burst of 2,000 updates is durable after flush and leaves no temporary files', async () => {
    const file = path.join(dir, 'rows.json');
    const store = new LocalFileStore({ persistPath: file });
    const all = Array.from({ length: 2000 }, (_, i) =>
      audioPath(
        `dev${i % 40}`,
        '2025-06-01',
        `${String(Math.floor(i / 40) % 24).padStart(2, '0')}-${String(i % 60).padStart(2, '0')}`,
      ),
    );
    await store.insert(all.map((p) => ({ file_path: p })));
    for (const p of all) await store.setStatus(p, 'completed');
    await store.flush();
    await store.flush(); // nothing left to write: resolves at once
    const reopened = new LocalFileStore({ persistPath: file });
    expect(reopened.count()).toBe(2000);
    expect(reopened.rows().every((row) => row.transcriptions_status === 'completed')).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['rows.json']);
  });

  test('insert fills defaults from the path; rows() is a copy', async () => {
    const store = new LocalFileStore();
    const before = Date.now();
    await store.insert([
      { file_path: audioPath('dev7', '2025-06-03', '23-59') },
      { file_path: 'not/a/valid/path' },
      { file_path: null, device_id: 'dev7' },
    ]);
    const [good, bad, empty] = store.rows();
    expect(good).toMatchObject({
      file_path: audioPath('dev7', '2025-06-03', '23-59'),
      device_id: 'dev7',
      local_date: '2025-06-03',
      time_block: '23-59',
      recorded_at: null,
      transcriptions_status: 'pending',
    });
    expect(Date.parse(good.created_at)).toBeGreaterThanOrEqual(before - 1);
    expect(bad).toMatchObject({ device_id: null, local_date: null, time_block: null });
    expect(empty).toMatchObject({ file_path: null, device_id: 'dev7' });
    good.transcriptions_status = 'completed';
    expect(store.rows()[0].transcriptions_status).toBe('pending');
    await expect(store.insert([{ file_path: 'x', created_at: 'yesterday' }])).rejects.toThrow(
      /not a timestamp/,
    );
  });

  test('a corrupt file is reported when the store opens', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{ not json');
    expect(() => new LocalFileStore({ persistPath: file })).toThrow(
      /broken\.json is not valid JSON/,
    );
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
