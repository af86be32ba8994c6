import type { LocalFileStore } from '../files/local-file-store';

/**
 * Sample pending rows for demo mode: a few devices, each with its most recent 30-minute slots
 * (in Asia/Tokyo local time, as the devices record them) waiting for transcription.
 */

export const DEMO_TIME_ZONE = 'Asia/Tokyo';
const SLOT_MS = 30 * 60 * 1000;
/** Rows are written once the one-minute recording has been uploaded. */
const UPLOAD_DELAY_MS = 60 * 1000;

/** Fixed, realistic-looking device ids; more devices get ids derived from their index. */
const DEMO_DEVICE_IDS = [
  'd-7f3a21c9',
  'd-b24e0d57',
  'd-5c91e8a3',
  'd-e06f4b12',
  'd-93d7a6f0',
  'd-1a8c52de',
] as const;

export interface DemoSeedRow {
  file_path: string;
  device_id: string;
  recorded_at: string;
  created_at: string;
  local_date: string;
  time_block: string;
  transcriptions_status: 'pending';
}

export interface DemoSeedOptions {
  /** Default 3. */
  devices?: number;
  /** Consecutive 30-minute slots per device, the last one ending at or before `now`. Default 4. */
  slotsPerDevice?: number;
}

/** Id of the n-th demo device (0-based), the same on every run. */
export function demoDeviceId(index: number): string {
  if (index < DEMO_DEVICE_IDS.length) return DEMO_DEVICE_IDS[index];
  // FNV-1a over the index: deterministic, and looks like the fixed ids.
  let hash = 0x811c9dc5;
  for (const char of `demo-device-${index}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `d-${hash.toString(16).padStart(8, '0')}`;
}

/**
 * Pending rows, oldest slot first. Deterministic for a given `now`: every device gets the
 * `slotsPerDevice` consecutive JST slots (HH:00 / HH:30) that ended last, so every path is in the
 * past and slots near midnight fall on the previous local date.
 */
export function demoSeedRows(now: Date, options: DemoSeedOptions = {}): DemoSeedRow[] {
  const devices = options.devices ?? 3;
  const slotsPerDevice = options.slotsPerDevice ?? 4;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new RangeError('demoSeedRows: now must be a valid Date');
  }
  if (!Number.isInteger(devices) || devices < 1) {
    throw new RangeError(`demoSeedRows: devices must be a positive integer, got ${devices}`);
  }
  if (!Number.isInteger(slotsPerDevice) || slotsPerDevice < 1) {
    throw new RangeError(
      `demoSeedRows: slotsPerDevice must be a positive integer, got ${slotsPerDevice}`,
    );
  }

  // Start of the slot `now` falls in, found from the JST wall clock (seconds and milliseconds
  // are the same in every zone whose offset is whole minutes, as Tokyo's is).
  const nowMs = now.getTime();
  const { minute } = zonedParts(now);
  const currentSlotStart =
    nowMs - ((minute % 30) * 60_000 + now.getUTCSeconds() * 1000 + now.getUTCMilliseconds());
  const lastEndedSlotStart = currentSlotStart - SLOT_MS;

  const rows: DemoSeedRow[] = [];
  for (let slot = slotsPerDevice - 1; slot >= 0; slot--) {
    const recordedAt = new Date(lastEndedSlotStart - slot * SLOT_MS);
    const { date, hour, minute: slotMinute } = zonedParts(recordedAt);
    const timeBlock = `${pad2(hour)}-${pad2(slotMinute)}`;
    for (let device = 0; device < devices; device++) {
      const deviceId = demoDeviceId(device);
      rows.push({
        file_path: `files/${deviceId}/${date}/${timeBlock}/audio.wav`,
        device_id: deviceId,
        recorded_at: recordedAt.toISOString(),
        created_at: new Date(recordedAt.getTime() + UPLOAD_DELAY_MS).toISOString(),
        local_date: date,
        time_block: timeBlock,
        transcriptions_status: 'pending',
      });
    }
  }
  return rows;
}

/**
 * Seeds an empty demo store; a store that already holds rows (a restart) is left alone.
 * Returns how many rows were inserted.
 */
export async function seedDemoStore(store: LocalFileStore, now = new Date()): Promise<number> {
  if (store.count() > 0) return 0;
  const rows = demoSeedRows(now);
  await store.insert(rows);
  await store.flush();
  return rows.length;
}

const jstFormat = new Intl.DateTimeFormat('en-US', {
  timeZone: DEMO_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** Wall-clock date (YYYY-MM-DD), hour and minute of an instant in Asia/Tokyo. */
function zonedParts(instant: Date): { date: string; hour: number; minute: number } {
  const parts: Record<string, string> = {};
  for (const part of jstFormat.formatToParts(instant)) parts[part.type] = part.value;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}
