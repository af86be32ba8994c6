import { demoDeviceId, demoSeedRows, seedDemoStore } from '../src/demo/demo-seed';
import { parseFilePath } from '../src/files/file-path';
import { LocalFileStore } from '../src/files/local-file-store';

const MINUTE = 60_000;
const SLOT = 30 * MINUTE;

/** JST wall clock computed by hand (UTC+9, no DST), to cross-check the Intl-based code. */
function jst(iso: string): { date: string; timeBlock: string } {
  const shifted = new Date(Date.parse(iso) + 9 * 60 * MINUTE).toISOString();
  return { date: shifted.slice(0, 10), timeBlock: shifted.slice(11, 16).replace(':', '-') };
}

describe('demoSeedRows', () => {
  const now = new Date('2025-06-01T03:17:42.123Z'); // 12:17:42 JST

  it('gives 3 devices × 4 pending slots by default, with paths the transcriber accepts', () => {
    const rows = demoSeedRows(now);

    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((row) => row.device_id)).size).toBe(3);
    expect(new Set(rows.map((row) => row.file_path)).size).toBe(12);
    for (const row of rows) {
      expect(row.device_id).toMatch(/^d-[0-9a-f]{8}$/);
      expect(row.transcriptions_status).toBe('pending');
      expect(parseFilePath(row.file_path)).toEqual({
        filePath: row.file_path,
        deviceId: row.device_id,
        localDate: row.local_date,
        timeBlock: row.time_block,
      });
      expect(row.file_path).toBe(
        `files/${row.device_id}/${row.local_date}/${row.time_block}/audio.wav`,
      );
    }
  });

  it('uses the last four 30-minute JST slots that ended before now', () => {
    const rows = demoSeedRows(now).filter((row) => row.device_id === demoDeviceId(0));

    expect(rows.map((row) => row.time_block)).toEqual(['10-00', '10-30', '11-00', '11-30']);
    expect(rows.every((row) => row.local_date === '2025-06-01')).toBe(true);
    expect(rows.map((row) => row.recorded_at)).toEqual([
      '2025-06-01T01:00:00.000Z',
      '2025-06-01T01:30:00.000Z',
      '2025-06-01T02:00:00.000Z',
      '2025-06-01T02:30:00.000Z',
    ]);
  });

  it('places slots 30 minutes apart in JST, all in the past, created a minute after recording', () => {
    for (const instant of [now, new Date(), new Date('2024-12-31T14:59:59.999Z')]) {
      const rows = demoSeedRows(instant);
      for (let device = 0; device < 3; device++) {
        const mine = rows.filter((row) => row.device_id === demoDeviceId(device));
        expect(mine).toHaveLength(4);
        for (let i = 0; i < mine.length; i++) {
          const recordedAt = Date.parse(mine[i].recorded_at);
          expect(mine[i].recorded_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:00\.000Z$/);
          expect(jst(mine[i].recorded_at)).toEqual({
            date: mine[i].local_date,
            timeBlock: mine[i].time_block,
          });
          expect(['00', '30']).toContain(mine[i].time_block.slice(3));
          expect(recordedAt + SLOT).toBeLessThanOrEqual(instant.getTime());
          expect(Date.parse(mine[i].created_at)).toBe(recordedAt + MINUTE);
          expect(Date.parse(mine[i].created_at)).toBeLessThan(instant.getTime());
          if (i > 0) expect(recordedAt - Date.parse(mine[i - 1].recorded_at)).toBe(SLOT);
        }
        // The newest slot is the one that ended last.
        expect(Date.parse(mine[3].recorded_at) + 2 * SLOT).toBeGreaterThan(instant.getTime());
      }
    }
  });

  it('puts slots before JST midnight on the previous local date', () => {
    // 00:40 JST on 2 January = 15:40 UTC on 1 January.
    const rows = demoSeedRows(new Date('2025-01-01T15:40:00Z'), { devices: 1 });

    expect(rows.map((row) => `${row.local_date} ${row.time_block}`)).toEqual([
      '2025-01-01 22-30',
      '2025-01-01 23-00',
      '2025-01-01 23-30',
      '2025-01-02 00-00',
    ]);
  });

  it('counts a slot ending exactly at now as ended', () => {
    const rows = demoSeedRows(new Date('2025-06-01T03:00:00.000Z'), { devices: 1 }); // 12:00 JST
    expect(rows.at(-1)?.time_block).toBe('11-30');
  });

  it('is deterministic for a given now, and honours the options', () => {
    expect(demoSeedRows(now)).toEqual(demoSeedRows(new Date(now.getTime())));
    expect(demoSeedRows(now).map((row) => row.device_id)).toEqual(
      demoSeedRows(now).map((row) => row.device_id),
    );

    const rows = demoSeedRows(now, { devices: 8, slotsPerDevice: 2 });
    expect(rows).toHaveLength(16);
    const devices = new Set(rows.map((row) => row.device_id));
    expect(devices.size).toBe(8);
    for (const id of devices) expect(id).toMatch(/^d-[0-9a-f]{8}$/);
    expect(demoDeviceId(7)).toBe(demoDeviceId(7));
  });

  it('rejects impossible options', () => {
    expect(() => demoSeedRows(now, { devices: 0 })).toThrow(RangeError);
    expect(() => demoSeedRows(now, { slotsPerDevice: 1.5 })).toThrow(RangeError);
    expect(() => demoSeedRows(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('seedDemoStore', () => {
  it('seeds an empty store once; a second call (a restart) inserts nothing', async () => {
    const store = new LocalFileStore();
    const now = new Date('2025-06-01T03:17:42.123Z');

    expect(await seedDemoStore(store, now)).toBe(12);
    expect(store.count()).toBe(12);
    const pending = await store.listPending({ limit: 100 });
    expect(pending).toHaveLength(12);
    expect(pending.every((row) => row.transcriptions_status === 'pending')).toBe(true);

    expect(await seedDemoStore(store, new Date(now.getTime() + 3 * 60 * MINUTE))).toBe(0);
    expect(store.count()).toBe(12);
    expect(
      store
        .rows()
        .map((row) => row.file_path)
        .sort(),
    ).toEqual(
      demoSeedRows(now)
        .map((row) => row.file_path)
        .sort(),
    );
  });

  it('leaves a store that already has rows alone', async () => {
    const store = new LocalFileStore();
    await store.insert([{ file_path: 'files/d-00000000/2025-06-01/10-00/audio.wav' }]);

    expect(await seedDemoStore(store)).toBe(0);
    expect(store.count()).toBe(1);
  });
});
