import { createClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { AUDIO_FILE_COLUMNS, type AudioFileRow, type PendingCursor } from './audio-file';
import { FileStoreUnavailableError, StoreFailure, type FileStore } from './file-store';
import {
  firstInvalidStatus,
  TRANSCRIPTION_STATUSES,
  TranscriptionStatus,
} from './transcription-status';

export interface SupabaseFileStoreOptions {
  /** Project URL, e.g. https://<project>.supabase.co (SUPABASE_URL). */
  url: string;
  /** Service-role key (SUPABASE_SERVICE_ROLE_KEY). Never appears in an error message. */
  serviceRoleKey: string;
  /** Table name; default `audio_files`. */
  table?: string;
  /** Client-side timeout of one request in milliseconds; default 30 000. */
  timeoutMs?: number;
}

/**
 * Upper bound of the encoded `in.(...)` list of one markProcessing request. Paths travel in the
 * query string and the gateways and proxies in front of PostgREST limit URL length (commonly
 * 8-16 KB; supabase-js warns from 8,000 characters), so chunks are cut by encoded length as well
 * as by count.
 */
const MAX_IN_LIST_CHARS = 6_000;
const MAX_PATHS_PER_REQUEST = 200;

/** What supabase-js hands back in `error` (PostgrestError-shaped, or its own fetch failure form). */
interface SupabaseErrorLike {
  message?: string;
  details?: string | null;
  hint?: string | null;
  code?: string | null;
}

interface SupabaseResultLike {
  error: SupabaseErrorLike | null;
  data?: unknown;
  status: number;
  statusText?: string;
}

/**
 * The production store: `audio_files` through the PostgREST API of Supabase, with supabase-js.
 *
 * Conventions shared with {@link LocalFileStore} (the contract test runs both):
 * - Order of pending rows: `created_at` ascending, then `file_path` ascending, NULL paths last
 *   (Postgres' default for ascending order).
 * - Rows whose `file_path` is NULL are returned (the dispatcher reports them as malformed),
 *   although `AudioFileRow.file_path` is typed `string`: at run time it can be `null`.
 * - Keyset cursor: a cursor with a path means "after (created_at, file_path)", which under
 *   NULLS LAST also includes the NULL-path rows of that same `created_at`. A cursor taken from a
 *   NULL-path row (its `filePath` is `null` at run time) means "after every row of that
 *   `created_at`". So paging always moves forward and terminates; the price is that NULL-path
 *   rows sharing one exact `created_at` cannot be split across pages (they are indistinguishable
 *   by the key): those after the page boundary are skipped in this pass and show up in the next
 *   run. They can never be updated by `file_path` anyway.
 * - Duplicate rows of one path are all updated together (every update is keyed by `file_path`).
 *   getStatus/findByPath report the "most advanced" duplicate:
 *   completed > failed > processing > pending > anything else, ties by oldest `created_at`.
 * - Only `transcriptions_status` is ever written.
 * - Supabase caps every answer at the project's "max rows" (1,000 by default), so a `limit`
 *   above it returns fewer rows; keyset paging still visits everything.
 * - The client's own retries are off: retries belong to the Temporal activity retry policy, and a
 *   health check must not hang for seconds of hidden back-off.
 */
export class SupabaseFileStore implements FileStore {
  readonly description: string;
  private readonly client: ReturnType<typeof createServiceRoleClient>;
  private readonly table: string;
  private readonly host: string;
  private readonly serviceRoleKey: string;
  private readonly timeoutMs: number;

  constructor(options: SupabaseFileStoreOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch {
      throw new Error(
        `Supabase URL "${options.url}" is not a URL; expected e.g. https://<project>.supabase.co`,
      );
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`Supabase URL "${options.url}" must start with http:// or https://`);
    }
    if (!options.serviceRoleKey) {
      throw new Error('Supabase service-role key is empty');
    }
    this.host = parsed.host;
    this.description = `Supabase at ${parsed.origin}`;
    this.table = options.table ?? 'audio_files';
    this.serviceRoleKey = options.serviceRoleKey;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.client = createServiceRoleClient(options.url, options.serviceRoleKey, {
      timeoutMs: this.timeoutMs,
    });
  }

  listPending(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]> {
    return this.listByStatus('listPending', TranscriptionStatus.Pending, options);
  }

  listProcessing(options: { limit: number; after?: PendingCursor }): Promise<AudioFileRow[]> {
    return this.listByStatus('listProcessing', TranscriptionStatus.Processing, options);
  }

  private async listByStatus(
    operation: string,
    status: TranscriptionStatus,
    options: { limit: number; after?: PendingCursor },
  ): Promise<AudioFileRow[]> {
    const { limit, after } = options;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`${operation}: limit must be a positive integer (got ${String(limit)})`);
    }
    let query = this.client
      .from(this.table)
      .select(AUDIO_FILE_COLUMNS)
      .eq('transcriptions_status', status);
    if (after) {
      const createdAt = postgrestValue(after.createdAt);
      // `filePath` is typed string, but a cursor taken from a NULL-path row carries null.
      const afterPath: string | null | undefined = after.filePath;
      query =
        afterPath === null || afterPath === undefined
          ? query.gt('created_at', after.createdAt)
          : query.or(
              [
                `created_at.gt.${createdAt}`,
                `and(created_at.eq.${createdAt},file_path.gt.${postgrestValue(afterPath)})`,
                `and(created_at.eq.${createdAt},file_path.is.null)`,
              ].join(','),
            );
    }
    const result = await query
      .order('created_at', { ascending: true })
      .order('file_path', { ascending: true, nullsFirst: false })
      .limit(limit)
      .retry(false);
    this.check(operation, result);
    const rows: unknown = result.data;
    return rows as AudioFileRow[];
  }

  markProcessing(filePaths: string[]): Promise<string[]> {
    return this.conditionalUpdate(
      'markProcessing',
      filePaths,
      [TranscriptionStatus.Pending],
      TranscriptionStatus.Processing,
    );
  }

  releaseProcessing(filePaths: string[]): Promise<string[]> {
    return this.conditionalUpdate(
      'releaseProcessing',
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
    return this.conditionalUpdate('moveStatus', filePaths, from, to);
  }

  /** Rows of these paths in a status of `from` get status `to`, one conditional update per chunk. */
  private async conditionalUpdate(
    operation: string,
    filePaths: string[],
    from: readonly TranscriptionStatus[],
    to: TranscriptionStatus,
  ): Promise<string[]> {
    const invalid = firstInvalidStatus([...from, to]);
    if (invalid !== undefined) {
      throw new Error(
        `${operation}: "${String(invalid)}" is not one of ${TRANSCRIPTION_STATUSES.join(', ')}`,
      );
    }
    if (from.length === 0) return [];
    const unique = uniqueStrings(filePaths);
    if (unique.length === 0) return [];
    const changed = new Set<string>();
    for (const chunk of chunkForInList(unique)) {
      const result = await this.client
        .from(this.table)
        .update({ transcriptions_status: to })
        .filter('file_path', 'in', postgrestList(chunk))
        .in('transcriptions_status', [...from])
        .select('file_path')
        .retry(false);
      this.check(operation, result);
      for (const row of (result.data ?? []) as Array<{ file_path: string }>) {
        changed.add(row.file_path);
      }
    }
    // In the order the caller gave them.
    return unique.filter((path) => changed.has(path));
  }

  async setStatus(filePath: string, status: TranscriptionStatus): Promise<boolean> {
    if (!TRANSCRIPTION_STATUSES.includes(status)) {
      throw new Error(
        `setStatus: "${String(status)}" is not one of ${TRANSCRIPTION_STATUSES.join(', ')}`,
      );
    }
    const result = await this.client
      .from(this.table)
      .update({ transcriptions_status: status })
      .eq('file_path', filePath)
      .select('file_path')
      .retry(false);
    this.check('setStatus', result);
    return (result.data ?? []).length > 0;
  }

  async getStatus(filePath: string): Promise<string | null> {
    const row = await this.findRow('getStatus', filePath, 'transcriptions_status, created_at');
    return row ? String(row.transcriptions_status) : null;
  }

  async findByPath(filePath: string): Promise<AudioFileRow | null> {
    const row = await this.findRow('findByPath', filePath, AUDIO_FILE_COLUMNS);
    return row ? (row as unknown as AudioFileRow) : null;
  }

  async listPendingPathsForDeviceDate(deviceId: string, localDate: string): Promise<string[]> {
    const result = await this.client
      .from(this.table)
      .select('file_path')
      .eq('device_id', deviceId)
      .eq('local_date', localDate)
      .eq('transcriptions_status', TranscriptionStatus.Pending)
      .not('file_path', 'is', null)
      .order('file_path', { ascending: true })
      .retry(false);
    this.check('listPendingPathsForDeviceDate', result);
    const rows = (result.data ?? []) as Array<{ file_path: string }>;
    return uniqueStrings(rows.map((row) => row.file_path));
  }

  async ping(): Promise<void> {
    const result = await this.client.from(this.table).select('file_path').limit(1).retry(false);
    this.check('ping', result);
  }

  private async findRow(
    operation: string,
    filePath: string,
    columns: string,
  ): Promise<Record<string, unknown> | null> {
    const result = await this.client
      .from(this.table)
      .select(columns)
      .eq('file_path', filePath)
      .order('created_at', { ascending: true })
      .retry(false);
    this.check(operation, result);
    const rows = (result.data ?? []) as unknown as Array<Record<string, unknown>>;
    return pickMostAdvanced(rows);
  }

  /**
   * Turns a supabase-js error result into an Error that names the host and the cause: a
   * FileStoreUnavailableError when Supabase cannot be used (see outageKind), a plain Error for a
   * query it refused. Every call here expects a JSON array: supabase-js reports an empty 404 (a
   * server that is not PostgREST, e.g. a wrong URL or a proxy) as a success without data, which
   * must not pass as "no rows".
   */
  private check(operation: string, result: SupabaseResultLike): void {
    if (!result.error && Array.isArray(result.data)) return;
    const reason = result.error
      ? describeFailure(result, this.timeoutMs)
      : `HTTP ${result.status}: the answer is not a PostgREST row list (empty body); ` +
        'is SUPABASE_URL the project URL (https://<project>.supabase.co)?';
    const message = redact(
      `Supabase (${this.host}) ${operation} failed: ${reason}`,
      this.serviceRoleKey,
    );
    const failure = result.error ? outageKind(result.status) : StoreFailure.NotTheStore;
    if (failure === undefined) throw new Error(message);
    throw new FileStoreUnavailableError(message, {
      store: 'Supabase',
      host: this.host,
      operation,
      failure,
      ...(result.status ? { httpStatus: result.status } : {}),
    });
  }
}

type RealtimeTransport = NonNullable<
  NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']
>;

/**
 * Stands in for a WebSocket class. createClient() always builds a Realtime client, and on Node 20
 * (no global WebSocket) supabase-js 2.109 throws "Node.js 20 detected without native WebSocket
 * support" unless a transport is given. This product never opens a Realtime channel.
 */
class RealtimeNotUsed {
  constructor() {
    throw new Error('Supabase Realtime is not used by this service');
  }
}

/**
 * A supabase-js client for server-side use with the service-role key: no session storage, no token
 * refresh timers, no Realtime, optional request timeout. Use it for any other Supabase access too:
 * a bare createClient() throws on Node 20.
 */
export function createServiceRoleClient(
  url: string,
  serviceRoleKey: string,
  options: { timeoutMs?: number } = {},
) {
  return createClient(url, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    db: options.timeoutMs ? { timeout: options.timeoutMs } : {},
    realtime: { transport: RealtimeNotUsed as unknown as RealtimeTransport },
  });
}

/**
 * Quotes a value for PostgREST's logic trees (`or=(...)`) and `in.(...)` lists. PostgREST treats
 * `,` `.` `:` `(` `)` as syntax there; a value in double quotes is taken literally, with `\` escaping
 * `"` and `\`. Every value is quoted: timestamps and paths always contain `.` or `:` anyway.
 */
export function postgrestValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `(v1,v2,...)` for the `in` operator. supabase-js' `.in()` quotes but does not escape `"`. */
export function postgrestList(values: readonly string[]): string {
  return `(${values.map(postgrestValue).join(',')})`;
}

function chunkForInList(values: string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const value of values) {
    // Length as it will appear in the URL (percent-encoded) plus the separator.
    const encoded = encodeURIComponent(postgrestValue(value)).length + 3;
    if (
      current.length > 0 &&
      (current.length >= MAX_PATHS_PER_REQUEST || length + encoded > MAX_IN_LIST_CHARS)
    ) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    current.push(value);
    length += encoded;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens at that address',
  ENOTFOUND: 'the host name does not resolve (check SUPABASE_URL and DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS failure)',
  ETIMEDOUT: 'the connection timed out',
  ECONNRESET: 'the connection was reset by the server',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the server closed the connection without answering',
  UND_ERR_HEADERS_TIMEOUT: 'the server did not answer in time',
  CERT_HAS_EXPIRED: 'the TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the TLS certificate is self-signed',
};

/**
 * Which answers mean "Supabase cannot be used now" rather than "this query is wrong": no answer
 * (status 0: supabase-js caught a fetch failure), a 5xx, the key refused, or a 404 (a wrong
 * SUPABASE_URL, or the table missing: a deployment fault either way). Other 4xx (an unknown
 * column, a malformed filter) are this code's bugs and stay plain errors.
 */
function outageKind(status: number): StoreFailure | undefined {
  if (!status) return StoreFailure.Unreachable;
  if (status === 401 || status === 403) return StoreFailure.KeyRefused;
  if (status === 404) return StoreFailure.NotTheStore;
  if (status >= 500) return StoreFailure.ServerError;
  return undefined;
}

function describeFailure(result: SupabaseResultLike, timeoutMs: number): string {
  const error = result.error ?? {};
  const message = error.message ?? 'unknown error';
  // status 0: supabase-js caught a fetch failure (network, DNS, abort). It puts the cause in
  // `details` as "Caused by: <Name>: <message> (<code>)".
  if (!result.status) {
    if (/AbortError/.test(message) || /aborted/i.test(error.hint ?? '')) {
      return `no answer within ${timeoutMs} ms (client timeout)`;
    }
    const details = error.details ?? '';
    const causeLine = /Caused by: ([^\n]*)/.exec(details)?.[1]?.trim();
    const code =
      /\(([A-Z][A-Z0-9_]+)\)\s*$/.exec(causeLine ?? '')?.[1] ??
      /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/.exec(`${causeLine ?? ''} ${message}`)?.[1];
    const explanation = code ? NETWORK_CAUSES[code] : undefined;
    const parts = [message.replace(/^TypeError: /, '')];
    if (causeLine) parts.push(`cause: ${causeLine}`);
    else if (code) parts.push(`cause: ${code}`);
    if (explanation) parts.push(explanation);
    return parts.join('; ');
  }
  const parts = [`HTTP ${result.status}`];
  if (error.code) parts.push(`[${error.code}]`);
  parts.push(message);
  let text = parts.join(' ');
  if (error.details) text += ` (details: ${error.details})`;
  if (error.hint) text += ` (hint: ${error.hint})`;
  if (result.status === 401 || result.status === 403) {
    text += ' - check SUPABASE_SERVICE_ROLE_KEY (the service-role key of this project)';
  }
  return text;
}

/**
 * Rank of a status when one path has several rows (production has no unique constraint):
 * completed > failed > processing > pending > anything else. Same table in LocalFileStore.
 */
const STATUS_RANK: Record<string, number> = {
  completed: 4,
  failed: 3,
  processing: 2,
  pending: 1,
};

/** The most advanced row; among equals the first (callers pass rows oldest first). */
function pickMostAdvanced<T extends Record<string, unknown>>(rows: readonly T[]): T | null {
  let best: T | null = null;
  let bestRank = -1;
  for (const row of rows) {
    const rank = STATUS_RANK[String(row.transcriptions_status)] ?? 0;
    if (rank > bestRank) {
      best = row;
      bestRank = rank;
    }
  }
  return best;
}

/** Distinct non-null strings in first-seen order. */
function uniqueStrings(values: readonly unknown[]): string[] {
  return [...new Set(values.filter((value): value is string => typeof value === 'string'))];
}

function redact(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}
