import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Pool, types as pgTypes, type PoolClient } from 'pg';

/**
 * A Supabase/PostgREST-compatible HTTP double over the local PostgreSQL, so tests run the real
 * supabase-js client over real HTTP against filters that SQL evaluates honestly.
 *
 * Each instance owns a fresh schema `t_<random>` in the database (default `test`) with
 * `audio_files` from test/support/audio-files-table.sql and every migration in
 * supabase/migrations applied in file-name order. It serves `/rest/v1/<table>`:
 *
 * - GET/HEAD: `select=` (plain columns or `*`), filters `col=[not.]op.value` with
 *   eq, neq, gt, gte, lt, lte, like, ilike, is (null/true/false/unknown), in.(...);
 *   `or=(...)`, `and=(...)`, `not.or=(...)` with nested `and(...)`/`or(...)`; `order=` with
 *   asc/desc and nullsfirst/nullslast; `limit`, `offset`; `Prefer: count=exact` (Content-Range).
 *   `Accept: application/vnd.pgrst.object+json` (single) answers one object or 406.
 * - PATCH, DELETE: same filters; `Prefer: return=representation` answers the rows (200), else 204.
 * - POST: insert one object or an array; `Prefer: return=representation` answers the rows (201).
 *
 * Values are always bound as SQL parameters; identifiers are checked against the table's
 * columns read from information_schema (like PostgREST's schema cache) and then quoted. An unknown
 * column answers 400 with code 42703, an unknown operator or malformed filter 400 with PGRST100,
 * an unknown table 404 with PGRST205, all as PostgREST-style JSON `{code, message, details, hint}`.
 *
 * Auth like the Supabase gateway: an `apikey` header equal to {@link serviceRoleKey} is required
 * (401 "No API key found in request" / "Invalid API key"); an `Authorization` header, when
 * present, must be `Bearer <key>` (401 PGRST301).
 *
 * Timestamps are rendered by Postgres in UTC (`2025-01-01T00:00:00.123456+00:00`) exactly as
 * PostgREST renders them. {@link query} returns date/timestamp columns as Postgres' text form
 * (no lossy JavaScript Date).
 *
 * Not implemented (answer 400): embedded resources, aliases, casts, JSON paths, fts, range and
 * array operators, upsert (`on_conflict`), limited PATCH/DELETE.
 */
export class PostgrestDouble {
  /** Number of HTTP requests received (including refused and failed ones). */
  requestCount = 0;

  private failure: FailureMode = null;
  private failureApplies: (request: { method: string; url: URL }) => boolean = () => true;
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(
    readonly url: string,
    readonly serviceRoleKey: string,
    /** The schema holding this instance's tables. */
    readonly schema: string,
    private readonly pool: Pool,
    private readonly server: http.Server,
    private readonly tables: Map<string, Map<string, string>>,
  ) {}

  static async start(options: { database?: string } = {}): Promise<PostgrestDouble> {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const pool = new Pool({
      host: '127.0.0.1',
      port: 5432,
      user: process.env.PGUSER ?? 'postgres',
      database: options.database ?? 'test',
      max: 5,
      options: `-c search_path=${schema} -c TimeZone=UTC`,
      types: RAW_TIME_TYPES,
    });
    pool.on('error', () => {
      // An idle client lost its connection (e.g. the schema was dropped); the pool replaces it.
    });
    let server: http.Server | undefined;
    try {
      await pool.query(`create schema ${schema}`);
      const tableSql = await fs.readFile(path.join(__dirname, 'audio-files-table.sql'), 'utf8');
      await pool.query(tableSql);
      const migrationsDir = path.join(REPO_ROOT, 'supabase', 'migrations');
      const migrations = (await fs.readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
      for (const file of migrations) {
        const sql = await fs.readFile(path.join(migrationsDir, file), 'utf8');
        try {
          await pool.query(sql);
        } catch (error) {
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      const tables = await loadSchemaCache(pool, schema);
      const serviceRoleKey = `test-service-role-${randomBytes(16).toString('hex')}`;
      server = http.createServer();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(0, '127.0.0.1', () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const double = new PostgrestDouble(
        `http://127.0.0.1:${port}`,
        serviceRoleKey,
        schema,
        pool,
        server,
        tables,
      );
      server.on('connection', (socket) => {
        double.sockets.add(socket);
        socket.once('close', () => double.sockets.delete(socket));
      });
      server.on('request', (req, res) => {
        void double.handle(req, res);
      });
      return double;
    } catch (error) {
      server?.close();
      await pool.query(`drop schema if exists ${schema} cascade`).catch(() => undefined);
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /** Direct SQL on this instance's schema (search_path points at it), for seeding and assertions. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(sql, params);
    return result.rows as T[];
  }

  /** Inserts rows into audio_files; columns not given take the table's defaults. */
  async insertRows(rows: Array<Partial<Record<string, unknown>>>): Promise<void> {
    await this.withTransaction(async (client) => {
      for (const row of rows) {
        await client.query(...this.insertStatement('audio_files', row));
      }
    });
  }

  /** Status of the oldest row with that path, or null (use query() to inspect duplicates). */
  async statusOf(filePath: string): Promise<string | null> {
    const rows = await this.query<{ transcriptions_status: string | null }>(
      'select transcriptions_status from audio_files where file_path = $1 order by created_at limit 1',
      [filePath],
    );
    return rows.length > 0 ? rows[0].transcriptions_status : null;
  }

  /**
   * From now on answer every request with this HTTP status and a PostgREST-style JSON error, or
   * close the socket without answering ('refuse'); null restores normal service. With `onlyIf`,
   * only the requests it accepts fail (e.g. the read of pending rows, not the other reads).
   */
  setFailure(
    mode: FailureMode,
    onlyIf: (request: { method: string; url: URL }) => boolean = () => true,
  ): void {
    this.failure = mode;
    this.failureApplies = onlyIf;
  }

  /** Closes the server and every open connection, drops the schema, ends the pool. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    try {
      await this.pool.query(`drop schema if exists ${this.schema} cascade`);
    } finally {
      await this.pool.end();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.requestCount += 1;
    const failure = this.failureApplies({
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://double'),
    })
      ? this.failure
      : null;
    if (failure === 'refuse') {
      req.socket.destroy();
      return;
    }
    try {
      const body = await readBody(req);
      if (failure) {
        throw new HttpError(failure.status, {
          code: failure.status >= 500 ? 'PGRST000' : 'PGRST001',
          message: failure.message ?? http.STATUS_CODES[failure.status] ?? 'Injected failure',
          details: 'failure injected by PostgrestDouble.setFailure',
          hint: null,
        });
      }
      this.authenticate(req);
      const url = new URL(req.url ?? '/', 'http://double');
      const match = /^\/rest\/v1\/([^/]+)\/?$/.exec(url.pathname);
      if (!match) {
        sendJson(res, 404, { message: 'no Route matched with those values' });
        return;
      }
      const table = decodeURIComponent(match[1]);
      const profile = req.headers['accept-profile'] ?? req.headers['content-profile'];
      if (profile !== undefined && profile !== 'public') {
        throw new HttpError(406, {
          code: 'PGRST106',
          message: 'Invalid schema: ' + String(profile),
          details: null,
          hint: 'Only the following schemas are exposed: public',
        });
      }
      const columns = this.tables.get(table);
      if (!columns) {
        throw new HttpError(404, {
          code: 'PGRST205',
          message: `Could not find the table 'public.${table}' in the schema cache`,
          details: null,
          hint: null,
        });
      }
      await this.route(req, res, table, columns, url.searchParams, body);
    } catch (error) {
      if (error instanceof HttpError) {
        sendJson(res, error.status, error.body);
      } else if (isPgError(error)) {
        sendJson(res, pgErrorStatus(error.code), {
          code: error.code,
          message: error.message,
          details: error.detail ?? null,
          hint: error.hint ?? null,
        });
      } else {
        sendJson(res, 500, {
          code: 'PGRST000',
          message: `PostgrestDouble: ${(error as Error).message}`,
          details: null,
          hint: null,
        });
      }
    }
  }

  private authenticate(req: http.IncomingMessage): void {
    const apikey = req.headers.apikey;
    if (apikey === undefined) {
      throw new HttpError(401, {
        message: 'No API key found in request',
        hint: 'No `apikey` request header or url param was found.',
      });
    }
    if (apikey !== this.serviceRoleKey) {
      throw new HttpError(401, {
        message: 'Invalid API key',
        hint: 'Double check your Supabase `anon` or `service_role` API key.',
      });
    }
    const authorization = req.headers.authorization;
    if (authorization !== undefined && authorization !== `Bearer ${this.serviceRoleKey}`) {
      throw new HttpError(401, {
        code: 'PGRST301',
        message: 'JWT could not be decoded',
        details: null,
        hint: null,
      });
    }
  }

  private async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    table: string,
    columns: Map<string, string>,
    params: URLSearchParams,
    body: string,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const prefer = parsePrefer(req.headers.prefer);
    const builder = new SqlBuilder(table, columns);
    const where = builder.where(params);
    const selectList = builder.selectList(params.get('select'));
    const singleObject = String(req.headers.accept ?? '').includes('vnd.pgrst.object+json');
    const from = quoteIdent(table);

    if (method === 'GET' || method === 'HEAD') {
      const order = builder.orderBy(params.get('order'));
      const limit = parseNonNegative(params.get('limit'), 'limit');
      const offset = parseNonNegative(params.get('offset'), 'offset');
      let sql = `select ${selectList} from ${from} where ${where}${order}`;
      if (limit !== undefined) sql += ` limit ${limit}`;
      if (offset !== undefined) sql += ` offset ${offset}`;
      const rows = await this.jsonRows(sql, builder.params);
      let total: number | undefined;
      if (prefer.count) {
        const counted = await this.pool.query<{ n: string }>(
          `select count(*) as n from ${from} where ${where}`,
          builder.params,
        );
        total = Number(counted.rows[0].n);
      }
      const first = offset ?? 0;
      const range = rows.length > 0 ? `${first}-${first + rows.length - 1}` : '*';
      res.setHeader('Content-Range', `${range}/${total ?? '*'}`);
      if (singleObject) {
        this.sendSingle(res, rows, method === 'HEAD');
        return;
      }
      sendRaw(res, 200, `[${rows.join(',')}]`, method === 'HEAD');
      return;
    }

    if (params.has('limit') || params.has('order') || params.has('on_conflict')) {
      throw new HttpError(400, {
        code: 'PGRST100',
        message: `PostgrestDouble does not support limit/order/on_conflict on ${method}`,
        details: null,
        hint: null,
      });
    }

    if (method === 'PATCH') {
      const values = parseJsonBody(body);
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new HttpError(400, {
          code: 'PGRST102',
          message: 'PATCH body must be a single JSON object',
          details: null,
          hint: null,
        });
      }
      const entries = Object.entries(values as Record<string, unknown>);
      let rows: string[] = [];
      if (entries.length > 0) {
        const sets = entries.map(([column, value]) => {
          builder.requireWritableColumn(column);
          return `${quoteIdent(column)} = ${builder.bind(toSqlValue(value))}`;
        });
        rows = await this.jsonRows(
          `select ${selectList} from changed`,
          builder.params,
          `changed as (update ${from} set ${sets.join(', ')} where ${where} returning *)`,
        );
      }
      this.sendMutation(res, 200, rows, prefer, singleObject);
      return;
    }

    if (method === 'DELETE') {
      const rows = await this.jsonRows(
        `select ${selectList} from removed`,
        builder.params,
        `removed as (delete from ${from} where ${where} returning *)`,
      );
      this.sendMutation(res, 200, rows, prefer, singleObject);
      return;
    }

    if (method === 'POST') {
      const parsed = parseJsonBody(body);
      const inputRows = Array.isArray(parsed) ? parsed : [parsed];
      const rows: string[] = [];
      await this.withTransaction(async (client) => {
        for (const input of inputRows) {
          if (typeof input !== 'object' || input === null || Array.isArray(input)) {
            throw new HttpError(400, {
              code: 'PGRST102',
              message: 'POST body must be a JSON object or an array of objects',
              details: null,
              hint: null,
            });
          }
          const [insertSql, insertParams] = this.insertStatement(
            table,
            input as Record<string, unknown>,
          );
          const result = await client.query<{ j: string }>(
            `with added as (${insertSql} returning *) ` +
              `select row_to_json(_r)::text as j from (select ${selectList} from added) _r`,
            insertParams,
          );
          rows.push(...result.rows.map((r) => r.j));
        }
      });
      this.sendMutation(res, 201, rows, prefer, singleObject);
      return;
    }

    throw new HttpError(405, {
      code: 'PGRST117',
      message: `Unsupported HTTP method: ${method}`,
      details: null,
      hint: null,
    });
  }

  /** Each row of `sql` as JSON text, rendered by Postgres; `cte` holds a data-modifying step. */
  private async jsonRows(sql: string, params: unknown[], cte?: string): Promise<string[]> {
    const result = await this.pool.query<{ j: string }>(
      `${cte ? `with ${cte} ` : ''}select row_to_json(_r)::text as j from (${sql}) _r`,
      params,
    );
    return result.rows.map((row) => row.j);
  }

  private sendSingle(res: http.ServerResponse, rows: string[], head = false): void {
    if (rows.length !== 1) {
      sendJson(res, 406, {
        code: 'PGRST116',
        message: 'JSON object requested, multiple (or no) rows returned',
        details: `The result contains ${rows.length} rows`,
        hint: null,
      });
      return;
    }
    sendRaw(res, 200, rows[0], head);
  }

  private sendMutation(
    res: http.ServerResponse,
    status: number,
    rows: string[],
    prefer: Prefer,
    singleObject: boolean,
  ): void {
    if (prefer.count) res.setHeader('Content-Range', `*/${rows.length}`);
    if (prefer.return !== 'representation') {
      res.statusCode = status === 201 ? 201 : 204;
      res.end();
      return;
    }
    if (singleObject) {
      this.sendSingle(res, rows);
      return;
    }
    sendRaw(res, status, `[${rows.join(',')}]`);
  }

  private insertStatement(
    table: string,
    row: Partial<Record<string, unknown>>,
  ): [string, unknown[]] {
    const columns = this.tables.get(table);
    if (!columns) throw new Error(`unknown table ${table}`);
    const builder = new SqlBuilder(table, columns);
    const entries = Object.entries(row);
    if (entries.length === 0) {
      return [`insert into ${quoteIdent(table)} default values`, []];
    }
    const names = entries.map(([column]) => {
      builder.requireWritableColumn(column);
      return quoteIdent(column);
    });
    const values = entries.map(([, value]) => builder.bind(toSqlValue(value)));
    return [
      `insert into ${quoteIdent(table)} (${names.join(', ')}) values (${values.join(', ')})`,
      builder.params,
    ];
  }

  private async withTransaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      await work(client);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

export type FailureMode = null | { status: number; message?: string } | 'refuse';

// ---------------------------------------------------------------------------------------------
// PostgREST URL grammar (the subset supabase-js emits for the operators above), compiled to SQL.

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** date, timestamp, timestamptz stay text: no time-zone or precision loss in assertions. */
const RAW_TIME_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === 1082 || oid === 1114 || oid === 1184) return (value: string) => value;
    const parser: unknown = pgTypes.getTypeParser(oid, format);
    return parser;
  }) as typeof pgTypes.getTypeParser,
};

const RESERVED_PARAMS = new Set(['select', 'order', 'limit', 'offset', 'columns', 'on_conflict']);
const LOGIC_KEYS = new Set(['or', 'and', 'not.or', 'not.and']);

const COMPARISON: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
};

interface PgrstErrorBody {
  code?: string;
  message: string;
  details?: string | null;
  hint?: string | null;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: PgrstErrorBody,
  ) {
    super(body.message);
  }
}

function parseError(message: string, details: string): HttpError {
  return new HttpError(400, { code: 'PGRST100', message, details, hint: null });
}

type Condition =
  | { kind: 'filter'; column: string; negate: boolean; op: string; value: FilterValue }
  | { kind: 'logic'; negate: boolean; op: 'and' | 'or'; children: Condition[] };

type FilterValue = { single: string } | { list: string[] } | { tri: string };

/** Compiles parsed filters to SQL, binding every value as a parameter. */
class SqlBuilder {
  readonly params: unknown[] = [];

  constructor(
    private readonly table: string,
    private readonly columns: Map<string, string>,
  ) {}

  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  requireColumn(column: string): string {
    if (!this.columns.has(column)) {
      throw new HttpError(400, {
        code: '42703',
        message: `column ${this.table}.${column} does not exist`,
        details: null,
        hint: null,
      });
    }
    return quoteIdent(column);
  }

  requireWritableColumn(column: string): void {
    if (!this.columns.has(column)) {
      throw new HttpError(400, {
        code: 'PGRST204',
        message: `Could not find the '${column}' column of '${this.table}' in the schema cache`,
        details: null,
        hint: null,
      });
    }
  }

  selectList(select: string | null): string {
    if (select === null || select === '' || select === '*') return '*';
    return select
      .split(',')
      .map((item) => {
        if (item === '*') return '*';
        if (!/^[A-Za-z_][A-Za-z0-9_$]*$/.test(item)) {
          throw parseError(
            `"failed to parse select parameter (${select})"`,
            `PostgrestDouble supports plain column names only, got "${item}"`,
          );
        }
        return this.requireColumn(item);
      })
      .join(', ');
  }

  orderBy(order: string | null): string {
    if (order === null || order === '') return '';
    const terms = order.split(',').map((term) => {
      const [column, ...modifiers] = term.split('.');
      let direction: string | undefined;
      let nulls: string | undefined;
      for (const modifier of modifiers) {
        if ((modifier === 'asc' || modifier === 'desc') && !direction && !nulls) {
          direction = modifier;
        } else if ((modifier === 'nullsfirst' || modifier === 'nullslast') && !nulls) {
          nulls = modifier === 'nullsfirst' ? 'nulls first' : 'nulls last';
        } else {
          throw parseError(
            `"failed to parse order (${order})"`,
            `unexpected "${modifier}" expecting "asc", "desc", "nullsfirst" or "nullslast"`,
          );
        }
      }
      const parts = [this.requireColumn(column), direction ?? 'asc'];
      if (nulls) parts.push(nulls);
      return parts.join(' ');
    });
    return ` order by ${terms.join(', ')}`;
  }

  where(params: URLSearchParams): string {
    const conditions: string[] = [];
    for (const [key, value] of params) {
      if (RESERVED_PARAMS.has(key)) continue;
      let condition: Condition;
      if (LOGIC_KEYS.has(key)) {
        const negate = key.startsWith('not.');
        const op = key.replace(/^not\./, '') as 'and' | 'or';
        const parser = new FilterParser(value, `${key}=${value}`);
        condition = { kind: 'logic', negate, op, children: parser.parseLogicChildren() };
      } else {
        condition = new FilterParser(value, `${key}=${value}`).parseTopLevelFilter(key);
      }
      conditions.push(this.compile(condition));
    }
    return conditions.length > 0 ? conditions.join(' and ') : 'true';
  }

  private compile(condition: Condition): string {
    if (condition.kind === 'logic') {
      const joined = condition.children
        .map((child) => this.compile(child))
        .join(condition.op === 'and' ? ' and ' : ' or ');
      return `${condition.negate ? 'not ' : ''}(${joined})`;
    }
    const column = this.requireColumn(condition.column);
    let sql: string;
    const { op, value } = condition;
    if (op === 'is' && 'tri' in value) {
      sql = `${column} is ${value.tri}`;
    } else if (op === 'in' && 'list' in value) {
      sql = value.list.length === 0 ? 'false' : `${column} = any(${this.bind(value.list)})`;
    } else if ('single' in value && COMPARISON[op]) {
      const operand =
        op === 'like' || op === 'ilike' ? value.single.replace(/\*/g, '%') : value.single;
      sql = `${column} ${COMPARISON[op]} ${this.bind(operand)}`;
    } else {
      throw parseError(`"failed to parse filter (${op})"`, `unknown operator ${op}`);
    }
    return condition.negate ? `not (${sql})` : sql;
  }
}

/** Recursive-descent parser following PostgREST's QueryParams.hs for the supported operators. */
class FilterParser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly whole: string,
  ) {}

  /** `col=[not.]op.value` at the top level: the value is everything after the operator. */
  parseTopLevelFilter(column: string): Condition {
    const { negate, op } = this.parseOperator();
    const value = this.parseOperand(op, 'top');
    this.expectEnd();
    return { kind: 'filter', column, negate, op, value };
  }

  /** The `(a.eq.1,and(b.gt.2,c.is.null))` part of `or=`/`and=`. */
  parseLogicChildren(): Condition[] {
    const children = this.parseLogicList();
    this.expectEnd();
    return children;
  }

  private parseLogicList(): Condition[] {
    this.expect('(');
    this.skipSpaces();
    const children: Condition[] = [this.parseLogicItem()];
    while (this.peek() === ',') {
      this.pos += 1;
      this.skipSpaces();
      children.push(this.parseLogicItem());
    }
    this.expect(')');
    this.skipSpaces();
    return children;
  }

  private parseLogicItem(): Condition {
    const rest = this.text.slice(this.pos);
    const logic = /^(not\.)?(and|or)\(/.exec(rest);
    if (logic) {
      this.pos += logic[0].length - 1;
      const children = this.parseLogicList();
      return { kind: 'logic', negate: Boolean(logic[1]), op: logic[2] as 'and' | 'or', children };
    }
    const column = this.parseFieldName();
    this.expect('.');
    const { negate, op } = this.parseOperator();
    const value = this.parseOperand(op, 'logic');
    this.skipSpaces();
    return { kind: 'filter', column, negate, op, value };
  }

  private parseFieldName(): string {
    if (this.peek() === '"') return this.parseQuoted();
    const match = /^[A-Za-z0-9_$ ]+(?:-[A-Za-z0-9_$ ]+)*/.exec(this.text.slice(this.pos));
    if (!match) this.fail('expecting field name');
    this.pos += match[0].length;
    return match[0].trim();
  }

  private parseOperator(): { negate: boolean; op: string } {
    let negate = false;
    if (this.text.startsWith('not.', this.pos)) {
      negate = true;
      this.pos += 4;
    }
    const dot = this.text.indexOf('.', this.pos);
    if (dot < 0) this.fail('expecting operator (eq, gt, ...)');
    const op = this.text.slice(this.pos, dot);
    if (op !== 'in' && op !== 'is' && !COMPARISON[op]) {
      throw parseError(`"failed to parse filter (${this.whole})"`, `unknown operator ${op}`);
    }
    this.pos = dot + 1;
    return { negate, op };
  }

  private parseOperand(op: string, context: 'top' | 'logic'): FilterValue {
    if (op === 'is') {
      const match = /^(null|true|false|unknown)/i.exec(this.text.slice(this.pos));
      if (!match) this.fail('expecting null or trilean value (unknown, true, false)');
      this.pos += match[0].length;
      return { tri: match[0].toLowerCase() };
    }
    if (op === 'in') return { list: this.parseList() };
    if (context === 'top') {
      const single = this.text.slice(this.pos);
      this.pos = this.text.length;
      return { single };
    }
    return { single: this.parseLogicSingleValue() };
  }

  /** `(a,"b,c",d)`: quoted elements unescape `\x`; bare ones run up to `,` or `)`. */
  private parseList(): string[] {
    this.expect('(');
    this.skipSpaces();
    const values = [this.parseListElement()];
    while (this.peek() === ',') {
      this.pos += 1;
      values.push(this.parseListElement());
    }
    this.expect(')');
    this.skipSpaces();
    return values.length === 1 && values[0] === '' ? [] : values;
  }

  private parseListElement(): string {
    const quoted = this.tryQuotedFollowedBy(',)');
    return quoted ?? this.readUntil(',)');
  }

  private parseLogicSingleValue(): string {
    const quoted = this.tryQuotedFollowedBy(',)');
    if (quoted !== undefined) return quoted;
    if (this.peek() === '{') {
      const close = this.text.indexOf('}', this.pos);
      if (close >= 0 && !this.text.slice(this.pos + 1, close).includes('{')) {
        const value = this.text.slice(this.pos, close + 1);
        this.pos = close + 1;
        return value;
      }
    }
    return this.readUntil(',)');
  }

  /** A quoted value, if one starts here and is followed by one of `followers` or the end. */
  private tryQuotedFollowedBy(followers: string): string | undefined {
    if (this.peek() !== '"') return undefined;
    const start = this.pos;
    try {
      const value = this.parseQuoted();
      const next = this.peek();
      if (next === undefined || followers.includes(next)) return value;
    } catch {
      // not a well-formed quoted value: fall back to a bare one, as PostgREST does
    }
    this.pos = start;
    return undefined;
  }

  private parseQuoted(): string {
    this.expect('"');
    let value = '';
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('unterminated quoted value');
      this.pos += 1;
      if (ch === '"') return value;
      if (ch === '\\') {
        const escaped = this.text[this.pos];
        if (escaped === undefined) this.fail('unterminated escape');
        value += escaped;
        this.pos += 1;
      } else {
        value += ch;
      }
    }
  }

  private readUntil(stops: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos])) this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ') this.pos += 1;
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) this.fail(`expecting "${ch}"`);
    this.pos += 1;
  }

  private expectEnd(): void {
    if (this.pos !== this.text.length) this.fail('expecting end of input');
  }

  private fail(expecting: string): never {
    const found = this.text[this.pos];
    throw parseError(
      `"failed to parse logic tree or filter (${this.whole})" (column ${this.pos + 1})`,
      `unexpected ${found === undefined ? 'end of input' : `"${found}"`} ${expecting}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

interface Prefer {
  return?: string;
  count?: string;
}

function parsePrefer(header: string | string[] | undefined): Prefer {
  const prefer: Prefer = {};
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const token of text.split(',')) {
    const [name, value] = token.trim().split('=');
    if (name === 'return') prefer.return = value;
    if (name === 'count') prefer.count = value;
  }
  return prefer;
}

function parseNonNegative(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) {
    throw parseError(`"failed to parse ${name} parameter (${value})"`, 'expecting digit');
  }
  return Number(value);
}

function parseJsonBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new HttpError(400, {
      code: 'PGRST102',
      message: 'Empty or invalid json',
      details: null,
      hint: null,
    });
  }
}

function toSqlValue(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function loadSchemaCache(
  pool: Pool,
  schema: string,
): Promise<Map<string, Map<string, string>>> {
  const result = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `select table_name, column_name, data_type from information_schema.columns
      where table_schema = $1 order by table_name, ordinal_position`,
    [schema],
  );
  const tables = new Map<string, Map<string, string>>();
  for (const row of result.rows) {
    const columns = tables.get(row.table_name) ?? new Map<string, string>();
    columns.set(row.column_name, row.data_type);
    tables.set(row.table_name, columns);
  }
  return tables;
}

interface PgErrorLike {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

function isPgError(error: unknown): error is PgErrorLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as { code: string }).code)
  );
}

/** PostgREST's mapping of SQLSTATE classes to HTTP statuses (the part that matters here). */
function pgErrorStatus(code: string): number {
  if (code === '42883' || code === '42P01') return 404;
  if (code === '42501') return 403;
  if (code === '23505' || code === '23503') return 409;
  if (code.startsWith('22') || code.startsWith('23') || code.startsWith('42')) return 400;
  return 500;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  sendRaw(res, status, JSON.stringify(body));
}

function sendRaw(res: http.ServerResponse, status: number, body: string, head = false): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(head ? undefined : body);
}
