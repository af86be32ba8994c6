import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AudioFileRow, PendingCursor } from './audio-file';
import { parseFilePath } from './file-path';
import type { FileStore } from './file-store';
import {
  firstInvalidStatus,
  TRANSCRIPTION_STATUSES,
  TranscriptionStatus,
} from './transcription-status';

/**
 * A row as given to {@link LocalFileStore.insert}; `file_path` may be null (a malformed row).
 * (`Partial<AudioFileRow> & { file_path: string | null }` would narrow file_path to string.)
 */
export type LocalFileStoreInsertRow = Omit<Partial<AudioFileRow>, 'file_path'> & {
  file_path: string | null;
};

export interface LocalFileStoreOptions {
  /** JSON file holding the rows; loaded when it exists, rewritten after changes. */
  persistPath?: string;
}

/** Changes within this window are written together. */
const WRITE_DELAY_MS = 50;

/**
 * The demo store: `audio_files` as an in-memory array, optionally persisted to a JSON file.
 *
 * Same semantics as {@link SupabaseFileStore} (one contract test runs both):
 * - several rows may share a `file_path` (production has no unique constraint) and every update
 *   by path changes all of them; getStatus/findByPath report the "most advanced" duplicate:
 *   completed > failed > processing > pending > anything else, ties by oldest `created_at`;
 * - `file_path` may be null (returned by listPending although the type says string);
 * - pending rows in order of `created_at` (compared as instants, to the microsecond), then
 *   `file_path` in byte order (Postgres' C collation), NULL paths last;
 * - keyset: a cursor with a path means "after (created_at, file_path)", which includes the
 *   NULL-path rows of that `created_at`; a cursor whose `filePath` is null means "after every row
 *   of that `created_at`", so paging always terminates.
 * - only `transcriptions_status` changes; any other field of a row is kept as loaded.
 *
 * Persistence: each change schedules one atomic rewrite (temporary file, fsync, rename) a few
 * milliseconds later, so a burst of updates produces one write. {@link flush} waits until every
 * change so far is on disk.
 */
export class LocalFileStore implements FileStore {
  readonly description: string;
  private readonly persistPath?: string;
  private data: Array<Record<string, unknown>>;

  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastWriteError: Error | undefined;

  constructor(options: LocalFileStoreOptions = {}) {
    this.persistPath = options.persistPath ? path.resolve(options.persistPath) : undefined;
    this.description = `local demo store (${this.persistPath ?? 'in memory'})`;
    this.data = this.persistPath ? loadRows(this.persistPath) : [];
  }

  /** Adds rows; absent fields get the table's defaults, device/date/time block from the path. */
  insert(rows: LocalFileStoreInsertRow[]): Promise<void> {
    for (const input of rows) {
      if (input.created_at !== undefined && instantKey(input.created_at) === undefined) {
        return Promise.reject(
          new Error(`insert: created_at "${String(input.created_at)}" is not a timestamp`),
        );
      }
    }
    // One instant for the whole call, as now() is one instant for a whole INSERT statement.
    const now = new Date().toISOString();
    const added = rows.map((input) => {
      const parsed = parseFilePath(input.file_path);
      const fromPath = 'error' in parsed ? undefined : parsed;
      const row: Record<string, unknown> = {
        ...input,
        file_path: input.file_path ?? null,
        device_id: input.device_id !== undefined ? input.device_id : (fromPath?.deviceId ?? null),
        recorded_at: input.recorded_at ?? null,
        created_at: input.created_at ?? now,
        local_date:
          input.local_date !== undefined ? input.local_date : (fromPath?.localDate ?? null),
        time_block:
          input.time_block !== undefined ? input.time_block : (fromPath?.timeBlock ?? null),
        transcriptions_status: input.transcriptions_status ?? TranscriptionStatus.Pending,
      };
      return row;
    });
    this.data.push(...added);
    if (added.length > 0) this.changed();
    return Promise.resolve();
  }

  /** A copy of every row, in insertion order. */
  rows(): AudioFileRow[] {
    return this.data.map((row) => ({ ...row }) as unknown as AudioFileRow);
  }

  count(): number {
    return this.data.length;
  }

  listPending(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]> {
    return this.listByStatus('listPending', TranscriptionStatus.Pending, options);
  }

  listProcessing(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]> {
    return this.listByStatus('listProcessing', TranscriptionStatus.Processing, options);
  }

  private listByStatus(
    operation: string,
    status: TranscriptionStatus,
    options: { limit: number; after?: PendingCursor },
  ): Promise<AudioFileRow[]> {
    const { limit, after } = options;
    if (!Number.isInteger(limit) || limit < 1) {
      return Promise.reject(
        new Error(`${operation}: limit must be a positive integer (got ${String(limit)})`),
      );
    }
    let afterKey: number | undefined;
    if (after) {
      afterKey = instantKey(after.createdAt);
      if (afterKey === undefined) {
        return Promise.reject(
          new Error(`${operation}: cursor createdAt "${after.createdAt}" is not a timestamp`),
        );
      }
    }
    // `filePath` is typed string, but a cursor taken from a NULL-path row carries null.
    const afterPath: string | null | undefined = after?.filePath;
    const pending = this.data
      .filter((row) => row.transcriptions_status === status)
      .map((row) => ({ row, key: instantKey(row.created_at) ?? Number.NEGATIVE_INFINITY }))
      .filter(({ row, key }) => {
        if (afterKey === undefined) return true;
        if (key !== afterKey) return key > afterKey;
        if (afterPath === null || afterPath === undefined) return false;
        const filePath = pathOf(row);
        return filePath === null || compareText(filePath, afterPath) > 0;
      })
      .sort((a, b) => a.key - b.key || comparePaths(pathOf(a.row), pathOf(b.row)))
      .slice(0, limit);
    return Promise.resolve(pending.map(({ row }) => toAudioFileRow(row)));
  }

  markProcessing(filePaths: string[]): Promise<string[]> {
    return this.moveStatus(
      filePaths,
      [TranscriptionStatus.Pending],
      TranscriptionStatus.Processing,
    );
  }

  releaseProcessing(filePaths: string[]): Promise<string[]> {
    return this.moveStatus(
      filePaths,
      [TranscriptionStatus.Processing],
      TranscriptionStatus.Pending,
    );
  }

  moveStatus(
    filePaths: string[],
    from: readonly TranscriptionStatus[],
    to: TranscriptionStatus,
  ): Promise<string[]> {
    const invalid = firstInvalidStatus([...from, to]);
    if (invalid !== undefined) {
      return Promise.reject(
        new Error(
          `moveStatus: "${String(invalid)}" is not one of ${TRANSCRIPTION_STATUSES.join(', ')}`,
        ),
      );
    }
    const wanted = new Set(filePaths.filter((p): p is string => typeof p === 'string'));
    const changed = new Set<string>();
    for (const row of this.data) {
      const filePath = pathOf(row);
      if (
        filePath !== null &&
        wanted.has(filePath) &&
        from.includes(row.transcriptions_status as TranscriptionStatus)
      ) {
        row.transcriptions_status = to;
        changed.add(filePath);
      }
    }
    if (changed.size > 0) this.changed();
    return Promise.resolve([...wanted].filter((p) => changed.has(p)));
  }

  setStatus(filePath: string, status: TranscriptionStatus): Promise<boolean> {
    if (!TRANSCRIPTION_STATUSES.includes(status)) {
      return Promise.reject(
        new Error(
          `setStatus: "${String(status)}" is not one of ${TRANSCRIPTION_STATUSES.join(', ')}`,
        ),
      );
    }
    let matched = false;
    for (const row of this.data) {
      if (pathOf(row) === filePath) {
        row.transcriptions_status = status;
        matched = true;
      }
    }
    if (matched) this.changed();
    return Promise.resolve(matched);
  }

  getStatus(filePath: string): Promise<string | null> {
    const row = this.mostAdvanced(filePath);
    return Promise.resolve(row ? String(row.transcriptions_status) : null);
  }

  findByPath(filePath: string): Promise<AudioFileRow | null> {
    const row = this.mostAdvanced(filePath);
    return Promise.resolve(row ? toAudioFileRow(row) : null);
  }

  listPendingPathsForDeviceDate(deviceId: string, localDate: string): Promise<string[]> {
    const paths = new Set<string>();
    for (const row of this.data) {
      const filePath = pathOf(row);
      if (
        filePath !== null &&
        row.device_id === deviceId &&
        row.local_date === localDate &&
        row.transcriptions_status === TranscriptionStatus.Pending
      ) {
        paths.add(filePath);
      }
    }
    return Promise.resolve([...paths].sort(compareText));
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves when every change made so far is on disk (no-op without persistPath). */
  async flush(): Promise<void> {
    if (!this.persistPath) return;
    // A write in progress may predate the latest changes: let it finish, then write once more.
    while (this.writing) await this.writing;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.dirty || this.lastWriteError) await this.startWrite();
    if (this.lastWriteError) throw this.lastWriteError;
  }

  private mostAdvanced(filePath: string): Record<string, unknown> | undefined {
    let best: Record<string, unknown> | undefined;
    let bestRank = -1;
    let bestKey = Number.POSITIVE_INFINITY;
    for (const row of this.data) {
      if (pathOf(row) !== filePath) continue;
      const rank = STATUS_RANK[String(row.transcriptions_status)] ?? 0;
      const key = instantKey(row.created_at) ?? Number.POSITIVE_INFINITY;
      if (rank > bestRank || (rank === bestRank && key < bestKey)) {
        best = row;
        bestRank = rank;
        bestKey = key;
      }
    }
    return best;
  }

  private changed(): void {
    if (!this.persistPath) return;
    this.dirty = true;
    if (this.timer || this.writing) return; // the pending/current write's follow-up covers it
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) void this.startWrite();
    }, WRITE_DELAY_MS);
  }

  /** The returned promise never rejects: a failure lands in lastWriteError. */
  private startWrite(): Promise<void> {
    const target = this.persistPath;
    if (!target) return Promise.resolve();
    this.dirty = false;
    const snapshot = `${JSON.stringify(this.data, null, 1)}\n`;
    const write = writeAtomically(target, snapshot)
      .then(() => {
        this.lastWriteError = undefined;
      })
      .catch((error: unknown) => {
        this.dirty = true;
        this.lastWriteError = new Error(
          `local demo store: could not write ${target}: ${(error as Error).message}`,
        );
      })
      .finally(() => {
        this.writing = undefined;
        // Changes made while writing: one more write (unless flush() takes over).
        if (this.dirty && !this.lastWriteError) this.changed();
      });
    this.writing = write;
    return write;
  }
}

const STATUS_RANK: Record<string, number> = {
  completed: 4,
  failed: 3,
  processing: 2,
  pending: 1,
};

function pathOf(row: Record<string, unknown>): string | null {
  return typeof row.file_path === 'string' ? row.file_path : null;
}

function toAudioFileRow(row: Record<string, unknown>): AudioFileRow {
  return {
    file_path: row.file_path as string,
    device_id: (row.device_id as string | null | undefined) ?? null,
    recorded_at: (row.recorded_at as string | null | undefined) ?? null,
    created_at: row.created_at as string,
    local_date: (row.local_date as string | null | undefined) ?? null,
    time_block: (row.time_block as string | null | undefined) ?? null,
    transcriptions_status: row.transcriptions_status as string,
  };
}

/** Byte order of the UTF-8 encoding, which is what Postgres' C collation compares. */
function compareText(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Ascending with NULL last, as Postgres orders `file_path asc`. */
function comparePaths(a: string | null, b: string | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return compareText(a, b);
}

/**
 * A timestamp as microseconds since the epoch (JavaScript dates stop at milliseconds, while
 * Postgres keeps microseconds), or undefined when the text is not a timestamp.
 */
export function instantKey(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match =
    /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(
      value.trim(),
    );
  if (!match) return undefined;
  const [, date, time = '00:00:00', fraction = '', zone] = match;
  // Without a zone Postgres uses the session time zone, which is UTC on Supabase.
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4).padEnd(2, '0')}`;
  }
  const seconds = time.length === 5 ? `${time}:00` : time;
  const millis = Date.parse(`${date}T${seconds}.${fraction.slice(0, 3).padEnd(3, '0')}${offset}`);
  if (Number.isNaN(millis)) return undefined;
  return millis * 1000 + Number(fraction.slice(3, 6).padEnd(3, '0'));
}

function loadRows(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`local demo store: ${file} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const rows = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown } | null)?.rows;
  if (
    !Array.isArray(rows) ||
    rows.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))
  ) {
    throw new Error(`local demo store: ${file} must hold a JSON array of rows`);
  }
  return rows as Array<Record<string, unknown>>;
}

async function writeAtomically(target: string, content: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  // Make the rename itself durable (not supported on every platform: best effort).
  try {
    const directory = await open(path.dirname(target), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch {
    // ignore: directories cannot be opened for sync on Windows
  }
}
