import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { parseFilePath } from '../files/file-path';
import type { FileStore } from '../files/file-store';
import { TranscriptionStatus } from '../files/transcription-status';

/**
 * A stand-in for api-transcriber (DESIGN §2) for demo mode and tests: a real HTTP server that
 * honours the contract — synchronous answers, one file at a time across all requests, every
 * request (even `GET /`) waiting behind the work in progress, `status: "success"` whatever the
 * per-file outcome, `completed` written to the store on success, work carried on after the
 * client gives up.
 *
 * `capacity` (default 1, the real service) lets it serve that many requests at once, each still
 * processing its files one after the other: a model of several transcriber replicas behind one
 * address, used by the benchmark. With capacity above 1 a `GET /` can be answered while a file is
 * in progress, so it no longer proves that nothing is being worked on.
 *
 * Fault knobs for tests: latency per path (answer after the client's timeout), failing paths,
 * injected HTTP errors, cut connections ({@link TranscriberSimulator.setDropConnections}), and
 * stop/start on the same port (a restart that loses the work in progress).
 */

export interface SimulatorLogger {
  log(msg: string): void;
  warn(msg: string): void;
}

export interface TranscriberSimulatorOptions {
  /** Where it marks 'completed' on success, like the real one. */
  store: FileStore;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 8001; 0 picks a free port. */
  port?: number;
  /** Time one file takes. Default 1500. */
  latencyMs?: number;
  /**
   * Requests served at once (default 1, as the real api-transcriber). Further requests, `GET /`
   * included, wait first come, first served until one of them finishes.
   */
  capacity?: number;
  /** Paths matching it always fail (reported in error_files, row left as it was). */
  failPattern?: RegExp;
  /** Default: console. */
  logger?: SimulatorLogger;
}

/** Body of a 200 answer of `POST /fetch-and-transcribe`, exactly as the real service shapes it. */
export interface FetchAndTranscribeResponse {
  status: 'success';
  summary: { total_files: number; pending_processed: number; errors: number };
  processed_files: string[];
  processed_time_blocks: string[];
  error_files: string[] | null;
  execution_time_seconds: number;
  message: string;
}

/** A FastAPI/pydantic validation error item, as found in a 422 answer's `detail`. */
export interface ValidationErrorItem {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export interface HttpFailureMode {
  status: number;
  /** Default `{"detail": "Simulated HTTP <status>"}`. */
  body?: unknown;
  /** How many POSTs get the failure before the simulator recovers. Default: until reset. */
  times?: number;
}

export interface DropConnectionsMode {
  /** How long after a POST arrives its connection is cut (the work itself goes on). */
  afterMs: number;
  /** How many POSTs get cut before the simulator recovers. Default: until reset. */
  times?: number;
}

/** One file's processing, recorded when it starts; `finishedAt`/`outcome` are set when it ends. */
export interface ProcessingLogEntry {
  requestId: number;
  filePath: string;
  /** Date.now() when the file's turn came. */
  startedAt: number;
  finishedAt: number | null;
  outcome: 'completed' | 'failed' | null;
  reason?: string;
}

export const SIMULATOR_SERVICE_NAME = 'api-transcriber-simulator';
export const SUPPORTED_MODEL = 'base';
const TRANSCRIBE_PATH = '/fetch-and-transcribe';
const MAX_BODY_BYTES = 1024 * 1024;

/** Counters for tests and the demo's log. All counts since start (or the last resetStats()). */
export class TranscriberSimulatorStats {
  /** `POST /fetch-and-transcribe` requests received, whatever their outcome. */
  requests = 0;
  /** Files transcribed (row set to completed). */
  filesProcessed = 0;
  /** Files reported in error_files. */
  filesFailed = 0;
  /**
   * Most transcribe requests in flight at once. A request is in flight from its arrival until
   * its processing has finished, even when the client has gone away in between.
   */
  maxConcurrentRequests = 0;
  /** Transcribe requests whose connection was cut by {@link TranscriberSimulator.setDropConnections}. */
  connectionsDropped = 0;
  /** Most in-flight requests that named one same path. 1 means no path was ever sent twice at once. */
  maxConcurrentPerPath = 0;
  /**
   * How many valid requests named each path (a path repeated inside one request counts once;
   * requests answered with an injected HTTP failure count, 400/422 ones do not). Paths of the
   * device_id + local_date form count when the request's turn comes and they are looked up.
   */
  readonly requestsByPath = new Map<string, number>();
  /** Every file's processing, in order. */
  readonly processingLog: ProcessingLogEntry[] = [];

  /** @internal */
  inFlightRequests = 0;
  /** @internal */
  readonly inFlightPathCounts = new Map<string, number>();

  /** Paths named by requests now in flight (queued or being processed). */
  inFlightPaths(): string[] {
    return [...this.inFlightPathCounts.keys()];
  }

  /** @internal */
  reset(): void {
    this.requests = 0;
    this.filesProcessed = 0;
    this.filesFailed = 0;
    this.connectionsDropped = 0;
    this.maxConcurrentRequests = this.inFlightRequests;
    this.maxConcurrentPerPath = Math.max(0, ...this.inFlightPathCounts.values());
    this.requestsByPath.clear();
    this.processingLog.length = 0;
  }
}

class StoppedError extends Error {
  constructor() {
    super('transcriber simulator stopped');
    this.name = 'StoppedError';
  }
}

/**
 * `capacity` permits, first come, first served: a released permit passes straight to the
 * oldest waiter. With capacity 1 it is a FIFO mutex.
 */
class FifoSemaphore {
  private available: number;
  private readonly waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(capacity: number) {
    this.available = capacity;
  }

  async acquire(): Promise<() => void> {
    if (this.available > 0) {
      this.available -= 1;
    } else {
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        next.resolve(); // the permit passes to the next waiter
      } else {
        this.available += 1;
      }
    };
  }

  rejectAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}

export type TranscribeJob =
  | { kind: 'paths'; filePaths: string[] }
  | { kind: 'device-date'; deviceId: string; localDate: string };

export type ParsedRequest =
  { ok: true; job: TranscribeJob } | { ok: false; status: number; body: unknown };

/** Tracks one transcribe request while it is in flight. */
interface RequestTracker {
  readonly id: number;
  addPaths(paths: string[]): void;
  end(): void;
}

export class TranscriberSimulator {
  readonly stats = new TranscriberSimulatorStats();

  private readonly server: Server;
  private readonly store: FileStore;
  private readonly logger: SimulatorLogger;
  /** Requests served at once. */
  readonly capacity: number;
  private readonly slots: FifoSemaphore;
  private latency: number | ((filePath: string) => number);
  private failPattern: RegExp | undefined;
  private httpFailure: { status: number; body?: unknown; remaining: number } | null = null;
  private dropConnections: { afterMs: number; remaining: number } | null = null;
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private readonly idleWaiters: Array<() => void> = [];
  private nextRequestId = 1;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private boundUrl = '';

  private constructor(options: TranscriberSimulatorOptions) {
    this.store = options.store;
    this.logger = options.logger ?? {
      log: (msg) => console.log(msg),
      warn: (msg) => console.warn(msg),
    };
    this.latency = options.latencyMs ?? 1500;
    this.failPattern = options.failPattern;
    const capacity = options.capacity ?? 1;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `TranscriberSimulator: capacity must be a positive integer, got ${capacity}`,
      );
    }
    this.capacity = capacity;
    this.slots = new FifoSemaphore(capacity);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: TranscriberSimulatorOptions): Promise<TranscriberSimulator> {
    const simulator = new TranscriberSimulator(options);
    await simulator.listen(options.host ?? '127.0.0.1', options.port ?? 8001);
    return simulator;
  }

  /** Base URL, e.g. "http://127.0.0.1:8001" (no trailing slash). */
  get url(): string {
    return this.boundUrl;
  }

  /** Time one file takes, fixed or per path. */
  setLatency(ms: number | ((filePath: string) => number)): void {
    this.latency = ms;
  }

  setFailPattern(pattern: RegExp | undefined): void {
    this.failPattern = pattern;
  }

  /**
   * Answers the next POSTs with an HTTP error (e.g. 500, 503) at once, without queueing or
   * processing them, `times` times (default: until called again with null), then recovers.
   */
  setHttpFailure(mode: HttpFailureMode | null): void {
    if (mode === null) {
      this.httpFailure = null;
      return;
    }
    if (!Number.isInteger(mode.status) || mode.status < 100 || mode.status > 599) {
      throw new RangeError(
        `setHttpFailure: status must be an HTTP status code, got ${mode.status}`,
      );
    }
    this.httpFailure = {
      status: mode.status,
      body: mode.body,
      remaining: mode.times ?? Number.POSITIVE_INFINITY,
    };
  }

  /**
   * Cuts the connection of the next POSTs `afterMs` after they arrive, without an answer, as a
   * proxy, a NAT or a network blip would (the client sees a reset). The work goes on and the
   * result is still written, as the real service does when its client is gone. `times` POSTs
   * (default: until called again with null).
   */
  setDropConnections(mode: DropConnectionsMode | null): void {
    if (mode === null) {
      this.dropConnections = null;
      return;
    }
    if (!Number.isFinite(mode.afterMs) || mode.afterMs < 0) {
      throw new RangeError(`setDropConnections: afterMs must be >= 0, got ${mode.afterMs}`);
    }
    this.dropConnections = {
      afterMs: mode.afterMs,
      remaining: mode.times ?? Number.POSITIVE_INFINITY,
    };
  }

  resetStats(): void {
    this.stats.reset();
  }

  /** Resolves when no transcribe request is queued or being processed. */
  idle(): Promise<void> {
    if (this.stats.inFlightRequests === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Closes the server and every connection. Queued requests and the file in progress are
   * abandoned (their rows are left as they are). Safe to call twice.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.stopped = true;
    this.slots.rejectAll(new StoppedError());
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake();
    }
    this.sleepers.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.logger.log(`[transcriber-simulator] stopped (${this.boundUrl})`);
  }

  private listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(
          new Error(
            `transcriber simulator could not listen on ${host}:${port}: ${error.code ?? error.message}` +
              (error.code === 'EADDRINUSE'
                ? ' (the port is taken: is another npm start, a real api-transcriber or another simulator running? Stop it, or set SIMULATOR_PORT to a free port)'
                : ''),
          ),
        );
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.server.on('error', (error) =>
          this.logger.warn(`[transcriber-simulator] server error: ${error.message}`),
        );
        const address = this.server.address() as AddressInfo;
        this.boundUrl = `http://${urlHost(address.address)}:${address.port}`;
        this.logger.log(
          `[transcriber-simulator] DEMO transcriber simulator listening on ${this.boundUrl} ` +
            `(not the real api-transcriber; ${describeLatency(this.latency)} per file` +
            `${this.capacity > 1 ? `, ${this.capacity} requests at once` : ''})`,
        );
        resolve();
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // A client that has gone away must never crash the server.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    this.route(req, res).catch((error: unknown) => {
      if (error instanceof StoppedError) {
        res.destroy();
        return;
      }
      this.logger.warn(`[transcriber-simulator] internal error: ${errorMessage(error)}`);
      send(res, 500, { detail: `Internal Server Error: ${errorMessage(error)}` });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (path === TRANSCRIBE_PATH && req.method === 'POST') {
      await this.handleTranscribe(req, res);
      return;
    }
    req.resume(); // discard any body
    // Like the real service, nothing is answered while a file is being transcribed.
    await this.whenTurnComes(() => {
      if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        send(res, 200, {
          status: 'ok',
          service: SIMULATOR_SERVICE_NAME,
          simulator: true,
          model: SUPPORTED_MODEL,
          endpoints: { main: TRANSCRIBE_PATH },
        });
      } else if (path === '/' || path === TRANSCRIBE_PATH) {
        send(res, 405, { detail: 'Method Not Allowed' });
      } else {
        send(res, 404, { detail: 'Not Found' });
      }
      return Promise.resolve();
    });
  }

  private async handleTranscribe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const tracker = this.trackRequest();
    const drop = this.takeDropConnection();
    if (drop !== null) {
      const timer = setTimeout(() => {
        if (res.writableFinished) return;
        this.stats.connectionsDropped += 1;
        this.logger.warn(
          `[transcriber-simulator] request #${tracker.id}: connection cut after ${drop} ms (simulated)`,
        );
        req.socket.destroy();
      }, drop);
      res.on('close', () => clearTimeout(timer));
    }
    res.on('close', () => {
      if (!res.writableFinished && !this.stopped) {
        this.logger.log(
          `[transcriber-simulator] request #${tracker.id}: client went away before the answer; ` +
            'work goes on and results are still written',
        );
      }
    });
    try {
      let raw: string;
      try {
        raw = await readBody(req);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          send(res, 413, { detail: error.message });
        }
        return; // client aborted while sending: nothing to do
      }
      const parsed = parseTranscribeRequest(raw);
      if (parsed.ok && parsed.job.kind === 'paths') tracker.addPaths(parsed.job.filePaths);

      const failure = this.takeHttpFailure();
      if (failure) {
        this.logger.warn(
          `[transcriber-simulator] request #${tracker.id}: simulated HTTP ${failure.status}`,
        );
        send(res, failure.status, failure.body);
        return;
      }

      await this.whenTurnComes(async () => {
        if (!parsed.ok) {
          send(res, parsed.status, parsed.body);
          return;
        }
        const result = await this.transcribe(parsed.job, tracker);
        send(res, 200, result);
      });
    } finally {
      tracker.end();
    }
  }

  /**
   * Runs `work` when a slot is free (with capacity 1: when every earlier request is done),
   * holding everyone after it back.
   */
  private async whenTurnComes(work: () => Promise<void>): Promise<void> {
    if (this.stopped) throw new StoppedError();
    const release = await this.slots.acquire();
    try {
      if (this.stopped) throw new StoppedError();
      await work();
    } finally {
      release();
    }
  }

  private async transcribe(
    job: TranscribeJob,
    tracker: RequestTracker,
  ): Promise<FetchAndTranscribeResponse> {
    const started = performance.now();
    let filePaths: string[];
    if (job.kind === 'paths') {
      filePaths = unique(job.filePaths);
    } else {
      filePaths = unique(
        await this.store.listPendingPathsForDeviceDate(job.deviceId, job.localDate),
      );
      tracker.addPaths(filePaths);
    }
    this.logger.log(
      `[transcriber-simulator] request #${tracker.id}: ${filePaths.length} file(s)` +
        (job.kind === 'device-date' ? ` pending for ${job.deviceId} on ${job.localDate}` : ''),
    );

    const processed: string[] = [];
    const failed: string[] = [];
    for (const filePath of filePaths) {
      if (this.stopped) throw new StoppedError();
      const ok = await this.processFile(filePath, tracker.id);
      (ok ? processed : failed).push(filePath);
    }

    const timeBlocks = unique(
      processed.flatMap((filePath) => {
        const parts = parseFilePath(filePath);
        return 'error' in parts ? [] : [parts.timeBlock];
      }),
    );
    const seconds = Math.round((performance.now() - started) / 10) / 100;
    return {
      status: 'success',
      summary: {
        total_files: filePaths.length,
        pending_processed: processed.length,
        errors: failed.length,
      },
      processed_files: processed,
      processed_time_blocks: timeBlocks,
      error_files: failed.length > 0 ? failed : null,
      execution_time_seconds: seconds,
      message:
        filePaths.length === 0
          ? 'No files to process'
          : `Transcribed ${processed.length} of ${filePaths.length} file(s)` +
            (failed.length > 0 ? `; ${failed.length} failed` : '') +
            ' (simulator)',
    };
  }

  /** One file: with capacity 1, the only work in progress anywhere. True when it was transcribed. */
  private async processFile(filePath: string, requestId: number): Promise<boolean> {
    const entry: ProcessingLogEntry = {
      requestId,
      filePath,
      startedAt: Date.now(),
      finishedAt: null,
      outcome: null,
    };
    this.stats.processingLog.push(entry);
    const finish = (outcome: 'completed' | 'failed', reason?: string): boolean => {
      entry.finishedAt = Date.now();
      entry.outcome = outcome;
      if (outcome === 'completed') {
        this.stats.filesProcessed += 1;
        this.logger.log(`[transcriber-simulator] ✓ ${filePath}`);
      } else {
        entry.reason = reason;
        this.stats.filesFailed += 1;
        this.logger.warn(`[transcriber-simulator] ✗ ${filePath}: ${reason ?? 'failed'}`);
      }
      return outcome === 'completed';
    };

    try {
      const parts = parseFilePath(filePath);
      if ('error' in parts) return finish('failed', parts.error);
      // The real service fails fast when the audio is not in storage.
      if ((await this.store.findByPath(filePath)) === null) {
        return finish('failed', 'no such file in the store');
      }
      await this.sleep(this.latencyFor(filePath));
      if (this.stopped) throw new StoppedError();
      const pattern = this.failPattern;
      if (pattern && filePath.search(pattern) !== -1) {
        return finish('failed', `simulated transcription failure (matches ${String(pattern)})`);
      }
      if (!(await this.store.setStatus(filePath, TranscriptionStatus.Completed))) {
        return finish('failed', 'row disappeared before the result could be written');
      }
      return finish('completed');
    } catch (error) {
      if (error instanceof StoppedError) throw error;
      return finish('failed', errorMessage(error));
    }
  }

  private latencyFor(filePath: string): number {
    const value = typeof this.latency === 'function' ? this.latency(filePath) : this.latency;
    return Number.isFinite(value) && value > 0 ? value : 0;
  }

  /** A timer, cut short by stop(). */
  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  private takeDropConnection(): number | null {
    const mode = this.dropConnections;
    if (!mode) return null;
    mode.remaining -= 1;
    if (mode.remaining <= 0) this.dropConnections = null;
    return mode.afterMs;
  }

  private takeHttpFailure(): { status: number; body: unknown } | null {
    const failure = this.httpFailure;
    if (!failure) return null;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.httpFailure = null;
    return {
      status: failure.status,
      body: failure.body ?? { detail: `Simulated HTTP ${failure.status}` },
    };
  }

  private trackRequest(): RequestTracker {
    const stats = this.stats;
    const id = this.nextRequestId++;
    const paths = new Set<string>();
    let ended = false;
    stats.inFlightRequests += 1;
    stats.maxConcurrentRequests = Math.max(stats.maxConcurrentRequests, stats.inFlightRequests);
    return {
      id,
      addPaths: (filePaths) => {
        if (ended) return;
        for (const filePath of filePaths) {
          if (paths.has(filePath)) continue;
          paths.add(filePath);
          stats.requestsByPath.set(filePath, (stats.requestsByPath.get(filePath) ?? 0) + 1);
          const count = (stats.inFlightPathCounts.get(filePath) ?? 0) + 1;
          stats.inFlightPathCounts.set(filePath, count);
          stats.maxConcurrentPerPath = Math.max(stats.maxConcurrentPerPath, count);
        }
      },
      end: () => {
        if (ended) return;
        ended = true;
        stats.inFlightRequests -= 1;
        for (const filePath of paths) {
          const count = (stats.inFlightPathCounts.get(filePath) ?? 1) - 1;
          if (count > 0) stats.inFlightPathCounts.set(filePath, count);
          else stats.inFlightPathCounts.delete(filePath);
        }
        if (stats.inFlightRequests === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      },
    };
  }
}

/**
 * Validates a request body the way the real service's pydantic model does:
 * `file_paths: list[str] | None`, `device_id: str | None`, `local_date: str | None`,
 * `model: str = "base"`, and either `file_paths` or `device_id` + `local_date` (422 otherwise).
 * A model other than "base" is refused afterwards by the handler with 400.
 */
export function parseTranscribeRequest(raw: string): ParsedRequest {
  const invalid = (items: ValidationErrorItem[]): ParsedRequest => ({
    ok: false,
    status: 422,
    body: { detail: items },
  });

  if (raw.trim() === '') {
    return invalid([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (error) {
    return invalid([
      {
        type: 'json_invalid',
        loc: ['body', 0],
        msg: 'JSON decode error',
        input: {},
        ctx: { error: errorMessage(error) },
      },
    ]);
  }
  if (body === null) {
    return invalid([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  if (typeof body !== 'object' || Array.isArray(body)) {
    return invalid([
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      },
    ]);
  }

  const fields = body as Record<string, unknown>;
  const items: ValidationErrorItem[] = [];
  const optionalString = (name: string): string | null => {
    const value = fields[name];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') {
      items.push(stringTypeError(['body', name], value));
      return null;
    }
    return value;
  };

  let filePaths: string[] | null = null;
  const rawPaths = fields.file_paths;
  if (rawPaths !== undefined && rawPaths !== null) {
    if (!Array.isArray(rawPaths)) {
      items.push({
        type: 'list_type',
        loc: ['body', 'file_paths'],
        msg: 'Input should be a valid list',
        input: rawPaths,
      });
    } else {
      rawPaths.forEach((item: unknown, index) => {
        if (typeof item !== 'string')
          items.push(stringTypeError(['body', 'file_paths', index], item));
      });
      filePaths = rawPaths.filter((item): item is string => typeof item === 'string');
    }
  }
  const deviceId = optionalString('device_id');
  const localDate = optionalString('local_date');
  let model = SUPPORTED_MODEL;
  if (fields.model !== undefined) {
    if (typeof fields.model === 'string') model = fields.model;
    else items.push(stringTypeError(['body', 'model'], fields.model));
  }
  if (items.length > 0) return invalid(items);

  // Python truthiness, as the real service tests it: [] and "" count as absent.
  let job: TranscribeJob;
  if (filePaths && filePaths.length > 0) {
    job = { kind: 'paths', filePaths };
  } else if (deviceId && localDate) {
    job = { kind: 'device-date', deviceId, localDate };
  } else {
    return invalid([
      {
        type: 'value_error',
        loc: ['body'],
        msg: 'Value error, either file_paths or both device_id and local_date are required',
        input: body,
        ctx: { error: {} },
      },
    ]);
  }

  if (model !== SUPPORTED_MODEL) {
    return {
      ok: false,
      status: 400,
      body: {
        detail: `Unsupported model: ${model}. Supported models: ${SUPPORTED_MODEL}`,
      },
    };
  }
  return { ok: true, job };
}

function stringTypeError(loc: Array<string | number>, input: unknown): ValidationErrorItem {
  return { type: 'string_type', loc, msg: 'Input should be a valid string', input };
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        return; // keep draining so that the 413 can be delivered
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) reject(new BodyTooLargeError(`Request body exceeds ${MAX_BODY_BYTES} bytes`));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client went away while sending the request'));
    });
  });
}

/** Writes a JSON answer unless the client has already gone away. */
function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function urlHost(address: string): string {
  if (address === '0.0.0.0') return '127.0.0.1';
  if (address === '::') return '[::1]';
  return address.includes(':') ? `[${address}]` : address;
}

function describeLatency(latency: number | ((filePath: string) => number)): string {
  return typeof latency === 'function' ? 'variable latency' : `${latency} ms`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
