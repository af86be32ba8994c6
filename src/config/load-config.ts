import * as path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { AppConfig } from './app-config';
import { EnvironmentVariables, ENVIRONMENT_VARIABLE_NAMES } from './environment-variables';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const MINUTE = 60_000;

const SECRET_VARIABLES = new Set(['SUPABASE_SERVICE_ROLE_KEY', 'API_TOKEN']);

function describeErrors(errors: ValidationError[]): string[] {
  return errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      SECRET_VARIABLES.has(error.property) || message.includes('(got ')
        ? message
        : `${message} (got "${String(error.value)}")`,
    ),
  );
}

/**
 * Ports one process may listen on together (npm start runs them all): each needs its own. The
 * Temporal server counts only when it is local.
 */
function portClashes(vars: EnvironmentVariables, demoMode: boolean): string[] {
  const temporalAddress = vars.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const temporalHost = temporalAddress.slice(0, temporalAddress.lastIndexOf(':'));
  const ports: Array<[string, number | undefined]> = [
    ['PORT', vars.PORT ?? 3000],
    ['WORKER_METRICS_PORT', vars.WORKER_METRICS_PORT ?? 9464],
    [
      'SIMULATOR_PORT',
      demoMode && !vars.TRANSCRIBER_URL ? (vars.SIMULATOR_PORT ?? 8001) : undefined,
    ],
    ['TEMPORAL_UI_PORT', vars.TEMPORAL_UI_PORT ?? 8233],
    [
      'TEMPORAL_ADDRESS',
      ['127.0.0.1', 'localhost', '0.0.0.0', '::1'].includes(temporalHost)
        ? Number(temporalAddress.slice(temporalAddress.lastIndexOf(':') + 1))
        : undefined,
    ],
  ];
  const problems: string[] = [];
  const seen = new Map<number, string>();
  for (const [name, port] of ports) {
    // 0 means "any free port" (or off, for the worker's metrics): never a clash.
    if (port === undefined || !Number.isInteger(port) || port === 0) continue;
    const other = seen.get(port);
    if (other) problems.push(`${other} and ${name} both use port ${port}: give each its own port`);
    else seen.set(port, name);
  }
  return problems;
}

/** Reads the environment, validates every variable, and returns typed config or throws ConfigError. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const raw: Record<string, string> = {};
  for (const name of ENVIRONMENT_VARIABLE_NAMES) {
    const value = env[name];
    // Blank means unset, as compose writes `VAR=${VAR:-}`: the default applies.
    if (value !== undefined && value.trim() !== '') raw[name] = value;
  }
  const vars = plainToInstance(EnvironmentVariables, raw);
  const problems = describeErrors(validateSync(vars, { stopAtFirstError: true }));

  const hasUrl = vars.SUPABASE_URL !== undefined;
  const hasKey = vars.SUPABASE_SERVICE_ROLE_KEY !== undefined;
  if (hasUrl !== hasKey) {
    problems.push(
      `SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY go together: set both for Supabase, or neither for demo mode (only ${hasUrl ? 'SUPABASE_URL' : 'SUPABASE_SERVICE_ROLE_KEY'} is set)`,
    );
  }
  const demoMode = !hasUrl && !hasKey;
  if (!demoMode && !vars.TRANSCRIBER_URL) {
    problems.push(
      'TRANSCRIBER_URL is required with Supabase, e.g. http://api-transcriber:8001 inside the watchme-network',
    );
  }
  if (!demoMode && !vars.API_TOKEN) {
    problems.push('API_TOKEN is required outside demo mode (at least 16 characters)');
  }

  const heartbeatTimeoutMs = vars.TRANSCRIBE_HEARTBEAT_TIMEOUT_MS ?? 30_000;
  const requestTimeoutMs = vars.TRANSCRIBER_REQUEST_TIMEOUT_MS ?? 30 * MINUTE;
  const watchDeadlineMs = vars.TRANSCRIBE_WATCH_DEADLINE_MS ?? 30 * MINUTE;
  const startToCloseTimeoutMs = vars.TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS ?? 2 * 60 * MINUTE;
  const statusPollIntervalMs = vars.TRANSCRIBE_STATUS_POLL_INTERVAL_MS ?? 10_000;
  if (startToCloseTimeoutMs < requestTimeoutMs + watchDeadlineMs) {
    problems.push(
      `TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS (${startToCloseTimeoutMs}) must be at least TRANSCRIBER_REQUEST_TIMEOUT_MS + TRANSCRIBE_WATCH_DEADLINE_MS (${requestTimeoutMs + watchDeadlineMs}), or an attempt is cut off while it still waits for the transcriber`,
    );
  }
  const initialIntervalMs = vars.TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS ?? 30_000;
  const maximumIntervalMs = vars.TRANSCRIBE_RETRY_MAX_INTERVAL_MS ?? 10 * MINUTE;
  if (maximumIntervalMs < initialIntervalMs) {
    problems.push(
      `TRANSCRIBE_RETRY_MAX_INTERVAL_MS (${maximumIntervalMs}) must not be below TRANSCRIBE_RETRY_INITIAL_INTERVAL_MS (${initialIntervalMs})`,
    );
  }
  if (vars.SIMULATOR_FAIL_PATTERN) {
    try {
      new RegExp(vars.SIMULATOR_FAIL_PATTERN);
    } catch (error) {
      problems.push(
        `SIMULATOR_FAIL_PATTERN is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  }
  problems.push(...portClashes(vars, demoMode));
  if (problems.length > 0) throw new ConfigError(problems);

  const simulatorPort = vars.SIMULATOR_PORT ?? 8001;
  const transcribe = {
    heartbeatTimeoutMs,
    startToCloseTimeoutMs,
    maximumAttempts: vars.TRANSCRIBE_MAX_ATTEMPTS ?? 5,
    initialIntervalMs,
    maximumIntervalMs,
  };
  return {
    demoMode,
    dataDir: path.resolve(vars.DATA_DIR ?? 'data'),
    logLevel: (vars.LOG_LEVEL as AppConfig['logLevel'] | undefined) ?? 'info',
    logFormat: logFormatOf(vars.LOG_FORMAT, env),
    metrics: {
      workerPort: vars.WORKER_METRICS_PORT ?? 9464,
      workerUrl: vars.WORKER_METRICS_URL,
    },
    workflowBundlePath: vars.WORKFLOW_BUNDLE_PATH || undefined,
    temporal: {
      address: vars.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: vars.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: vars.TEMPORAL_TASK_QUEUE ?? 'transcription',
      // Unset: the UI of the dev server npm start runs, on TEMPORAL_UI_PORT.
      uiUrl: (vars.TEMPORAL_UI_URL ?? `http://localhost:${vars.TEMPORAL_UI_PORT ?? 8233}`).replace(
        /\/+$/,
        '',
      ),
      cliPath: vars.TEMPORAL_CLI_PATH,
      uiPort: vars.TEMPORAL_UI_PORT ?? 8233,
    },
    supabase: demoMode
      ? undefined
      : { url: vars.SUPABASE_URL!, serviceRoleKey: vars.SUPABASE_SERVICE_ROLE_KEY! },
    transcriber: {
      url: (vars.TRANSCRIBER_URL ?? `http://127.0.0.1:${simulatorPort}`).replace(/\/+$/, ''),
      model: vars.TRANSCRIBER_MODEL ?? 'base',
      requestTimeoutMs,
      watchDeadlineMs,
      statusPollIntervalMs,
    },
    transcribeActivity: transcribe,
    dispatch: {
      batchSize: vars.BATCH_SIZE ?? 50,
      maxConcurrentTranscriptions: vars.MAX_CONCURRENT_TRANSCRIPTIONS ?? 1,
      maxFilesPerRun: vars.MAX_FILES_PER_RUN ?? 5000,
      childrenPerRun: vars.DISPATCH_CHILDREN_PER_RUN ?? 200,
      transcribe,
      // About half an hour of retrying (5 s doubling to 2 min, 20 attempts) before a dispatch
      // gives up on an unreachable store; the next scheduled run starts over.
      storeRetry: { initialIntervalMs: 5_000, maximumIntervalMs: 2 * MINUTE, maximumAttempts: 20 },
    },
    schedule: {
      id: vars.SCHEDULE_ID ?? 'transcription-schedule',
      cron: vars.SCHEDULE_CRON ?? '0 */3 * * *',
      timezone: vars.SCHEDULE_TIMEZONE ?? 'Asia/Tokyo',
      catchupWindowMs: vars.SCHEDULE_CATCHUP_WINDOW_MS ?? 60 * MINUTE,
      backfillMaxSlots: vars.BACKFILL_MAX_SLOTS ?? 24,
    },
    api: {
      port: vars.PORT ?? 3000,
      token: vars.API_TOKEN,
    },
    simulator: {
      // Demo mode with TRANSCRIBER_URL checks connectivity to a real transcriber (npm start warns
      // that it writes to Supabase, not to the demo store); the simulator then stays off.
      enabled: demoMode && !vars.TRANSCRIBER_URL,
      port: simulatorPort,
      latencyMs: vars.SIMULATOR_LATENCY_MS ?? 1500,
      failPattern: vars.SIMULATOR_FAIL_PATTERN || undefined,
    },
  };
}

/**
 * LOG_FORMAT as given (blank is unset), else JSON in production (the image sets NODE_ENV) and
 * readable lines otherwise. Also read for start-up failures, before the configuration loads.
 */
export function logFormatOf(
  logFormat: string | undefined,
  env: NodeJS.ProcessEnv,
): AppConfig['logFormat'] {
  const given = logFormat?.trim();
  if (given) return given as AppConfig['logFormat'];
  return env.NODE_ENV === 'production' ? 'json' : 'pretty';
}
