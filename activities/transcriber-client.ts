import axios, { AxiosError, type AxiosInstance } from 'axios';
import { diagnoseNetworkError, networkErrorCode } from '../src/preflight/network-diagnosis';
import { TranscriptionErrorType } from './transcription-error-type';

/** The 200 answer of POST /fetch-and-transcribe (DESIGN §2). */
export interface TranscriberResponse {
  status: string;
  summary?: { total_files?: number; pending_processed?: number; errors?: number };
  processed_files?: string[];
  processed_time_blocks?: string[];
  error_files?: string[] | null;
  execution_time_seconds?: number;
  message?: string;
}

/** A failed call, classified; `type` is one of TranscriptionErrorType. */
export class TranscriberCallError extends Error {
  constructor(
    message: string,
    readonly type: TranscriptionErrorType,
    readonly retryable: boolean,
    /** True when the request may still be running on the transcriber (we stopped waiting). */
    readonly mayStillRun = false,
  ) {
    super(message);
    this.name = 'TranscriberCallError';
  }
}

export interface TranscriberClientOptions {
  baseUrl: string;
  model: string;
}

/** Codes that mean nothing listens at the address: no request can be running there. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND']);

/** HTTP client for api-transcriber. One file per request: per-file outcomes stay unambiguous. */
export class TranscriberClient {
  private readonly http: AxiosInstance;
  /** host:port, for messages. */
  readonly host: string;
  private readonly hostname: string;

  constructor(private readonly options: TranscriberClientOptions) {
    this.http = axios.create({ baseURL: options.baseUrl, proxy: false });
    const url = new URL(options.baseUrl);
    this.host = url.host;
    this.hostname = url.hostname;
  }

  get baseUrl(): string {
    return this.options.baseUrl;
  }

  /**
   * Posts one file and waits for the synchronous answer. `signal` carries the activity's
   * cancellation; `timeoutMs` bounds the wait (the transcriber keeps working after we stop).
   */
  async transcribe(
    filePath: string,
    options: { signal?: AbortSignal; timeoutMs: number },
  ): Promise<TranscriberResponse> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await this.http.post<TranscriberResponse>(
        '/fetch-and-transcribe',
        { file_paths: [filePath], model: this.options.model },
        { signal, validateStatus: () => true },
      );
      if (response.status === 400 || response.status === 422) {
        throw new TranscriberCallError(
          `api-transcriber at ${this.host} rejected the request with HTTP ${response.status}: ${describeBody(response.data)}`,
          TranscriptionErrorType.Rejected,
          false,
        );
      }
      if (response.status >= 500) {
        throw new TranscriberCallError(
          `api-transcriber at ${this.host} answered HTTP ${response.status}: ${describeBody(response.data)}`,
          TranscriptionErrorType.ServerError,
          true,
        );
      }
      if (response.status !== 200 || typeof response.data !== 'object' || response.data === null) {
        throw new TranscriberCallError(
          `api-transcriber at ${this.host} answered HTTP ${response.status} with ${describeBody(response.data)}; expected 200 with JSON`,
          TranscriptionErrorType.UnexpectedResponse,
          true,
        );
      }
      return response.data;
    } catch (error) {
      if (error instanceof TranscriberCallError) throw error;
      if (options.signal?.aborted) throw error; // cancellation: let the activity report it as such
      if (timeout.aborted) {
        throw new TranscriberCallError(
          `api-transcriber at ${this.host} gave no answer within ${Math.round(options.timeoutMs / 1000)} s; it may still be working on ${filePath}`,
          TranscriptionErrorType.NoAnswer,
          true,
          true,
        );
      }
      if (
        networkErrorCode(error) === 'ECONNRESET' &&
        !(error instanceof AxiosError && error.response)
      ) {
        // The request went out and the connection broke before the answer (the server, a
        // proxy or a NAT dropped it). The transcriber keeps working on what it received.
        throw new TranscriberCallError(
          `api-transcriber at ${this.host} closed the connection before answering; it may still be working on ${filePath}`,
          TranscriptionErrorType.ConnectionLost,
          true,
          true,
        );
      }
      throw this.networkError(error);
    }
  }

  /** GET / — the transcriber's health check. Resolves with its JSON or throws a described error. */
  async ping(timeoutMs: number): Promise<unknown> {
    try {
      const response = await this.http.get('/', { signal: AbortSignal.timeout(timeoutMs) });
      return response.data;
    } catch (error) {
      if (error instanceof AxiosError && error.code === AxiosError.ERR_CANCELED) {
        throw new TranscriberCallError(
          `api-transcriber at ${this.host}: no answer to GET / within ${timeoutMs} ms (it answers only between files, so it may be busy)`,
          TranscriptionErrorType.NoAnswer,
          true,
        );
      }
      throw this.networkError(error);
    }
  }

  /**
   * For watching an earlier request: waits for `GET /`, which the transcriber answers only
   * between files, first come first served. Resolves with a sentence saying why no earlier
   * request can still be running there (it answered, or it is unreachable), or undefined when
   * that cannot be told (the wait was aborted, the connection broke). Never rejects.
   */
  async probeIdle(signal: AbortSignal): Promise<string | undefined> {
    try {
      await this.http.get('/', { signal, validateStatus: () => true });
      return `api-transcriber at ${this.host} answered GET /, which it does only between files`;
    } catch (error) {
      if (signal.aborted) return undefined;
      const code = networkErrorCode(error);
      if (code && UNREACHABLE_CODES.has(code)) {
        const { cause } = diagnoseNetworkError(error, this.hostname, 'api-transcriber');
        return `api-transcriber at ${this.host} is unreachable (${cause})`;
      }
      return undefined;
    }
  }

  private networkError(error: unknown): TranscriberCallError {
    if (error instanceof AxiosError && error.response) {
      return new TranscriberCallError(
        `api-transcriber at ${this.host} answered HTTP ${error.response.status}`,
        TranscriptionErrorType.ServerError,
        true,
      );
    }
    // The same words as the preflight and /api/health: what failed, and the likely fix.
    const { cause, fix } = diagnoseNetworkError(error, this.hostname, 'api-transcriber');
    return new TranscriberCallError(
      `api-transcriber at ${this.host}: ${cause}; ${fix}`,
      TranscriptionErrorType.Unreachable,
      true,
    );
  }
}

function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '(empty body)';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
