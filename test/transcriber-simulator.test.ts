import axios, { type AxiosInstance } from 'axios';

import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import type {
  FetchAndTranscribeResponse,
  ProcessingLogEntry,
  ValidationErrorItem,
} from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';

const LATENCY_MS = 100;
const silent = { log: () => undefined, warn: () => undefined };

/** Asymmetric matchers typed as unknown (expect.any() returns any). */
const anyNumber: unknown = expect.any(Number);
const anyString: unknown = expect.any(String);

type TranscribeBody = FetchAndTranscribeResponse;
interface ValidationErrorBody {
  detail: ValidationErrorItem[];
}

const DEVICE = 'd-7f3a21c9';
const DATE = '2025-06-01';
const path = (timeBlock: string, device = DEVICE, date = DATE): string =>
  `files/${device}/${date}/${timeBlock}/audio.wav`;

const P1 = path('10-00');
const P2 = path('10-30');
const P3 = path('11-00');
const FAILING = path('11-30', 'd-fail0001');
const OTHER_DATE = path('09-00', DEVICE, '2025-05-31');

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('TranscriberSimulator over HTTP', () => {
  let store: LocalFileStore;
  let simulator: TranscriberSimulator;
  let http: AxiosInstance;

  const logOf = (filePath: string): ProcessingLogEntry[] =>
    simulator.stats.processingLog.filter((entry) => entry.filePath === filePath);
  const started = (filePath: string): boolean => logOf(filePath).length > 0;
  const transcribe = (filePaths: string[], extra: Record<string, unknown> = {}) =>
    http.post<TranscribeBody>('/fetch-and-transcribe', {
      file_paths: filePaths,
      model: 'base',
      ...extra,
    });

  beforeEach(async () => {
    store = new LocalFileStore();
    await store.insert(
      [P1, P2, P3, FAILING, OTHER_DATE].map((filePath) => {
        const [, deviceId, localDate, timeBlock] = filePath.split('/');
        return {
          file_path: filePath,
          device_id: deviceId,
          local_date: localDate,
          time_block: timeBlock,
          recorded_at: `${localDate}T00:00:00.000Z`,
          created_at: '2025-06-01T00:00:00.000Z',
          transcriptions_status: 'pending',
        };
      }),
    );
    simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: LATENCY_MS,
      failPattern: /d-fail/,
      logger: silent,
    });
    http = axios.create({ baseURL: simulator.url, validateStatus: () => true });
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('listens on loopback with a random port', () => {
    expect(simulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(simulator.url).not.toMatch(/:8001$/);
  });

  it('transcribes a file, marks it completed and answers with the exact response shape', async () => {
    const response = await transcribe([P1]);

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.data).toEqual({
      status: 'success',
      summary: { total_files: 1, pending_processed: 1, errors: 0 },
      processed_files: [P1],
      processed_time_blocks: ['10-00'],
      error_files: null,
      execution_time_seconds: anyNumber,
      message: anyString,
    });
    expect(response.data.execution_time_seconds).toBeGreaterThanOrEqual(0);
    expect(await store.getStatus(P1)).toBe('completed');
    expect(await store.getStatus(P2)).toBe('pending');
    expect(simulator.stats.filesProcessed).toBe(1);
    expect(simulator.stats.filesFailed).toBe(0);
    expect(simulator.stats.requests).toBe(1);
    expect(simulator.stats.requestsByPath.get(P1)).toBe(1);
    expect(simulator.stats.inFlightPaths()).toEqual([]);
  });

  it('reports a failing file only in error_files, with status "success", and leaves the row as it was', async () => {
    const before = await store.findByPath(FAILING);

    const response = await transcribe([FAILING]);

    expect(response.status).toBe(200);
    expect(response.data).toEqual({
      status: 'success',
      summary: { total_files: 1, pending_processed: 0, errors: 1 },
      processed_files: [],
      processed_time_blocks: [],
      error_files: [FAILING],
      execution_time_seconds: anyNumber,
      message: anyString,
    });
    expect(await store.findByPath(FAILING)).toEqual(before);
    expect(simulator.stats.filesFailed).toBe(1);
    expect(logOf(FAILING)[0]).toMatchObject({ outcome: 'failed', reason: anyString });
  });

  it('handles a mixed batch: only the files in processed_files are done', async () => {
    const missing = path('12-00', 'd-00000000');
    const malformed = 'not/a/valid/path.wav';

    const response = await transcribe([P1, FAILING, missing, malformed, P2]);

    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      status: 'success',
      summary: { total_files: 5, pending_processed: 2, errors: 3 },
      processed_files: [P1, P2],
      processed_time_blocks: ['10-00', '10-30'],
      error_files: [FAILING, missing, malformed],
    });
    expect(await store.getStatus(P1)).toBe('completed');
    expect(await store.getStatus(P2)).toBe('completed');
    expect(await store.getStatus(FAILING)).toBe('pending');
    expect(await store.getStatus(missing)).toBeNull();
    expect(store.count()).toBe(5); // nothing created for unknown paths
  });

  it('follows runtime knobs: setFailPattern and per-path latency', async () => {
    simulator.setFailPattern(/10-30/);
    simulator.setLatency((filePath) => (filePath === P1 ? 5 : 20));

    const response = await transcribe([P1, P2, FAILING]);

    expect(response.data.processed_files).toEqual([P1, FAILING]);
    expect(response.data.error_files).toEqual([P2]);
    simulator.setFailPattern(undefined);
    expect((await transcribe([P2])).data.processed_files).toEqual([P2]);
  });

  it('refuses a model other than "base" with 400 naming the model, touching nothing', async () => {
    const response = await transcribe([P1], { model: 'large' });

    expect(response.status).toBe(400);
    expect(response.data).toEqual({ detail: expect.stringContaining('large') as unknown });
    expect(await store.getStatus(P1)).toBe('pending');
    expect(simulator.stats.processingLog).toEqual([]);
  });

  it('defaults the model to "base" when it is left out', async () => {
    const response = await http.post<TranscribeBody>('/fetch-and-transcribe', { file_paths: [P1] });
    expect(response.status).toBe(200);
    expect(response.data.processed_files).toEqual([P1]);
  });

  it.each<[string, unknown]>([
    ['an empty body', ''],
    ['an empty object', {}],
    ['only a model', { model: 'base' }],
    ['device_id without local_date', { device_id: DEVICE, model: 'base' }],
    ['an empty file_paths list', { file_paths: [], model: 'base' }],
    ['file_paths that is not a list', { file_paths: P1, model: 'base' }],
    ['file_paths with a number in it', { file_paths: [P1, 42], model: 'base' }],
    ['a model that is not a string', { file_paths: [P1], model: 1 }],
    ['a JSON array', [P1]],
    ['malformed JSON', '{"file_paths": ['],
  ])('answers 422 with FastAPI-style details for %s', async (_name, body) => {
    const response = await http.post<ValidationErrorBody>('/fetch-and-transcribe', body, {
      headers: { 'content-type': 'application/json' },
      transformRequest: (data: unknown) => (typeof data === 'string' ? data : JSON.stringify(data)),
    });

    expect(response.status).toBe(422);
    expect(Array.isArray(response.data.detail)).toBe(true);
    expect(response.data.detail.length).toBeGreaterThan(0);
    for (const item of response.data.detail) {
      expect(item).toEqual(
        expect.objectContaining({
          loc: expect.arrayContaining(['body']) as unknown,
          msg: anyString,
          type: anyString,
        }) as unknown,
      );
    }
    expect(await store.getStatus(P1)).toBe('pending');
  });

  it('names the offending field in a 422', async () => {
    const response = await http.post<ValidationErrorBody>('/fetch-and-transcribe', {
      file_paths: [P1, 42],
      model: 'base',
    });
    expect(response.status).toBe(422);
    expect(response.data.detail).toEqual([
      expect.objectContaining({ loc: ['body', 'file_paths', 1], type: 'string_type' }) as unknown,
    ]);
  });

  it('processes concurrent requests one after the other, never two files at once', async () => {
    simulator.setLatency(150);
    let firstAnsweredAt = 0;
    let secondAnsweredAt = 0;

    const first = transcribe([P1]).then((response) => {
      firstAnsweredAt = Date.now();
      return response;
    });
    await waitFor(() => started(P1), 'the first file to start');
    const second = transcribe([P2]).then((response) => {
      secondAnsweredAt = Date.now();
      return response;
    });
    await waitFor(
      () => simulator.stats.inFlightPaths().includes(P2),
      'the second request to arrive',
    );
    expect(logOf(P2)).toEqual([]); // queued behind the first, not started

    const [a, b] = await Promise.all([first, second]);

    expect(a.data.processed_files).toEqual([P1]);
    expect(b.data.processed_files).toEqual([P2]);
    const [p1] = logOf(P1);
    const [p2] = logOf(P2);
    expect(p1.finishedAt).not.toBeNull();
    expect(p2.startedAt).toBeGreaterThanOrEqual(p1.finishedAt!);
    expect(secondAnsweredAt).toBeGreaterThanOrEqual(firstAnsweredAt);
    expect(simulator.stats.maxConcurrentRequests).toBe(2);
    expect(simulator.stats.maxConcurrentPerPath).toBe(1);
  });

  it('never overlaps files of a batch and of concurrent batches (FIFO)', async () => {
    simulator.setLatency(30);
    const results = await Promise.all([transcribe([P1, P2]), transcribe([P3]), transcribe([P1])]);

    expect(results.map((response) => response.status)).toEqual([200, 200, 200]);
    const log = simulator.stats.processingLog;
    expect(log).toHaveLength(4);
    for (let i = 1; i < log.length; i++) {
      expect(log[i].startedAt).toBeGreaterThanOrEqual(log[i - 1].finishedAt!);
    }
    // One request's files are contiguous: requests are served whole, in arrival order.
    const requestOrder = log.map((entry) => entry.requestId);
    expect(requestOrder).toEqual([...requestOrder].sort((x, y) => x - y));
    expect(simulator.stats.requestsByPath.get(P1)).toBe(2);
  });

  it('counts the same path in flight twice at once in maxConcurrentPerPath', async () => {
    const first = transcribe([P1]);
    await waitFor(() => started(P1), 'the first request to start');
    const second = transcribe([P1, P2]);
    await waitFor(() => simulator.stats.requestsByPath.get(P1) === 2, 'the duplicate to arrive');
    expect(simulator.stats.inFlightPaths().sort()).toEqual([P1, P2].sort());

    await Promise.all([first, second]);

    expect(simulator.stats.maxConcurrentPerPath).toBe(2);
    expect(simulator.stats.inFlightPaths()).toEqual([]);
  });

  it('makes GET / wait while a file is being processed', async () => {
    simulator.setLatency(200);
    const post = transcribe([P1]);
    await waitFor(() => started(P1), 'the file to start');

    let finishedWhenHealthAnswered: number | null | undefined;
    const health = await http.get('/').then((response) => {
      finishedWhenHealthAnswered = logOf(P1)[0].finishedAt;
      return response;
    });

    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok', service: 'api-transcriber-simulator' });
    expect(finishedWhenHealthAnswered).toEqual(anyNumber);
    expect((await post).status).toBe(200);
  });

  it('answers GET / at once when idle, and 404 JSON for an unknown route', async () => {
    const health = await http.get('/');
    expect(health.status).toBe(200);
    expect(health.data).toMatchObject({ status: 'ok', service: 'api-transcriber-simulator' });

    const unknown = await http.get('/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.data).toEqual({ detail: 'Not Found' });
  });

  it('keeps working when the client gives up mid-file and still writes the result', async () => {
    simulator.setLatency(200);
    const controller = new AbortController();
    const post = transcribe([P1]);
    const aborted = http
      .post(
        '/fetch-and-transcribe',
        { file_paths: [P2], model: 'base' },
        { signal: controller.signal },
      )
      .catch((error: unknown) => error);
    await waitFor(() => started(P2), 'P2 to start');
    expect(logOf(P2)[0].finishedAt).toBeNull(); // mid-file
    controller.abort();

    expect(axios.isCancel(await aborted)).toBe(true);
    await simulator.idle();

    expect(await store.getStatus(P2)).toBe('completed');
    expect(logOf(P2)[0].outcome).toBe('completed');
    expect(simulator.stats.inFlightPaths()).toEqual([]);
    // The server is still healthy and the other client got its answer.
    expect((await post).status).toBe(200);
    expect((await http.get('/')).status).toBe(200);
  });

  it('keeps working after a client timeout on a queued request', async () => {
    simulator.setLatency(150);
    const first = transcribe([P1]);
    await waitFor(() => started(P1), 'P1 to start');
    const timedOut = await http
      .post('/fetch-and-transcribe', { file_paths: [P2], model: 'base' }, { timeout: 50 })
      .catch((error: unknown) => error);

    expect(axios.isAxiosError(timedOut) && timedOut.code).toBe('ECONNABORTED');
    await first;
    await simulator.idle();
    expect(await store.getStatus(P2)).toBe('completed');
  });

  it('answers with an injected HTTP failure the given number of times, then recovers', async () => {
    simulator.setHttpFailure({ status: 503, times: 1 });

    const failed = await transcribe([P1]);
    expect(failed.status).toBe(503);
    expect(failed.data).toEqual({ detail: anyString });
    expect(await store.getStatus(P1)).toBe('pending');

    const recovered = await transcribe([P1]);
    expect(recovered.status).toBe(200);
    expect(recovered.data.processed_files).toEqual([P1]);
    expect(await store.getStatus(P1)).toBe('completed');
    expect(simulator.stats.requests).toBe(2);
  });

  it('keeps an injected failure without "times" until it is cleared', async () => {
    simulator.setHttpFailure({ status: 500, body: { detail: 'boom' } });
    expect((await transcribe([P1])).data).toEqual({ detail: 'boom' });
    expect((await transcribe([P1])).status).toBe(500);
    simulator.setHttpFailure(null);
    expect((await transcribe([P1])).status).toBe(200);
  });

  it('cuts connections on request without answering, and the work goes on', async () => {
    simulator.setDropConnections({ afterMs: 20, times: 1 });

    const dropped = await transcribe([P1]).catch((error: unknown) => error);
    expect((dropped as { code?: string }).code).toBe('ECONNRESET');
    expect(simulator.stats.connectionsDropped).toBe(1);
    // The file is still transcribed and its row written, as by the real service.
    await simulator.idle();
    expect(await store.getStatus(P1)).toBe('completed');
    expect(logOf(P1)).toEqual([expect.objectContaining({ outcome: 'completed' })]);

    // Only `times` requests are cut.
    expect((await transcribe([P2])).status).toBe(200);
    expect(simulator.stats.connectionsDropped).toBe(1);
  });

  it('rejects a negative drop delay', () => {
    expect(() => simulator.setDropConnections({ afterMs: -1 })).toThrow(RangeError);
  });

  it('processes the pending files of a device and local date', async () => {
    await store.setStatus(P3, 'completed');

    const response = await http.post<TranscribeBody>('/fetch-and-transcribe', {
      device_id: DEVICE,
      local_date: DATE,
      model: 'base',
    });

    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      status: 'success',
      summary: { total_files: 2, pending_processed: 2, errors: 0 },
      error_files: null,
    });
    expect([...response.data.processed_files].sort()).toEqual([P1, P2].sort());
    expect(await store.getStatus(OTHER_DATE)).toBe('pending');
    expect(await store.getStatus(FAILING)).toBe('pending');
    expect(simulator.stats.requestsByPath.get(P1)).toBe(1);
  });

  it('answers a device and date with nothing pending with an empty success', async () => {
    const response = await http.post<TranscribeBody>('/fetch-and-transcribe', {
      device_id: 'd-00000000',
      local_date: DATE,
      model: 'base',
    });
    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      status: 'success',
      summary: { total_files: 0, pending_processed: 0, errors: 0 },
      processed_files: [],
      error_files: null,
    });
  });

  it('stops promptly with work queued, abandoning it', async () => {
    simulator.setLatency(60_000);
    const inProgress = transcribe([P1]).catch((error: unknown) => error);
    await waitFor(() => started(P1), 'P1 to start');
    const queued = transcribe([P2]).catch((error: unknown) => error);
    await waitFor(() => simulator.stats.inFlightPaths().includes(P2), 'P2 to queue');

    await simulator.stop();

    expect(axios.isAxiosError(await inProgress)).toBe(true);
    expect(axios.isAxiosError(await queued)).toBe(true);
    expect(await store.getStatus(P1)).toBe('pending');
    expect(await store.getStatus(P2)).toBe('pending');
    await simulator.stop(); // idempotent
  });
});
