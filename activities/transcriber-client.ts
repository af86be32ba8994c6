import axios, { AxiosError, type AxiosInstance } from 'axios';
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

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED:
    'connection refused: the service is not listening there (stopped, wrong port, or not on this network)',
  ENOTFOUND: 'DNS lookup failed',
  EAI_AGAIN: 'DNS lookup failed (temporary resolver failure)',
  ECONNRESET: 'connection reset by the server',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
};

/** Adds the fix most likely to help for an address that cannot be reached. */
function likelyFix(host: string, code: string): string {
  if (host === 'host.docker.internal') {
    return 'host.docker.internal does not resolve on Linux; inside the watchme-network use the service name, e.g. http://api-transcriber:8001';
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `if this runs in a container, the transcriber container is not on its network: docker network connect watchme-network ${host}`;
  }
  if ((host === 'localhost' || host.startsWith('127.')) && code === 'ECONNREFUSED') {
    return 'inside a container localhost is the container itself; use the transcriber service name on the watchme-network';
  }
  return 'check TRANSCRIBER_URL and that api-transcriber is running';
}

/** HTTP client for api-transcriber. One file per request: per-file outcomes stay unambiguous. */
export class TranscriberClient {
  private readonly http: AxiosInstance;
  readonly host: string;

  constructor(private readonly options: TranscriberClientOptions) {
    this.http = axios.create({ baseURL: options.baseUrl, proxy: false });
    this.host = new URL(options.baseUrl).host;
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

  private networkError(error: unknown): TranscriberCallError {
    const code = findErrorCode(error);
    const hostname = new URL(this.options.baseUrl).hostname;
    if (error instanceof AxiosError && error.response) {
      return new TranscriberCallError(
        `api-transcriber at ${this.host} answered HTTP ${error.response.status}`,
        TranscriptionErrorType.ServerError,
        true,
      );
    }
    const cause =
      (code && NETWORK_CAUSES[code]) ?? `request failed (${code ?? (error as Error).message})`;
    const label = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `${cause} for ${hostname}` : cause;
    return new TranscriberCallError(
      `api-transcriber at ${this.host}: ${label}; ${likelyFix(hostname, code ?? '')}`,
      TranscriptionErrorType.Unreachable,
      true,
    );
  }
}

function findErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_CAUSES) return code;
    current = (current as { cause?: unknown }).cause;
  }
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeBody(body: unknown): string {
  if (body === undefined || body === null || body === '') return '(empty body)';
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
