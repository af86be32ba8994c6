import { ConsoleLogger, type LogLevel as NestLogLevel } from '@nestjs/common';
import {
  DefaultLogger,
  type LogEntry,
  type LogLevel as TemporalLogLevel,
} from '@temporalio/worker';
import type { AppConfig } from '../config/app-config';

const NEST_LEVELS: Record<AppConfig['logLevel'], NestLogLevel[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

const TEMPORAL_LEVELS: Record<AppConfig['logLevel'], TemporalLogLevel> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** Nest's logger: one JSON object per line in production, readable lines at a terminal. */
export function createNestLogger(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): ConsoleLogger {
  return new ConsoleLogger({
    json: config.logFormat === 'json',
    logLevels: NEST_LEVELS[config.logLevel],
  });
}

/** Errors do not survive JSON.stringify; keep their name, message and stack. */
function serializable(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      cause: serializable(value.cause),
    };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

function writeJson(entry: LogEntry): void {
  const { sdkComponent, ...meta }: Record<string, unknown> = entry.meta ?? {};
  // Activity and workflow log lines carry workflowId, workflowType and the file path (meta).
  const line = JSON.stringify(
    {
      time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
      level: entry.level.toLowerCase(),
      context: typeof sdkComponent === 'string' ? sdkComponent : 'temporal',
      message: entry.message,
      ...Object.fromEntries(
        Object.entries(meta)
          .filter(([key]) => key !== 'taskToken')
          .map(([key, value]) => [key, serializable(value)]),
      ),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  process.stdout.write(`${line}\n`);
}

/** Temporal's Runtime logger (worker, activities, workflows), in the same format as Nest's. */
export function createTemporalLogger(
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>,
): DefaultLogger {
  const level = TEMPORAL_LEVELS[config.logLevel];
  return config.logFormat === 'json'
    ? new DefaultLogger(level, writeJson)
    : new DefaultLogger(level);
}
