import { inspect } from 'node:util';
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

/** A log line's fields without the task token: an opaque credential for completing the task. */
function loggableEntries(fields: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(fields).filter(([key]) => key !== 'taskToken');
}

/** Temporal's level names in Nest's words, so that one query reads both kinds of line. */
const NEST_LEVEL_OF: Record<TemporalLogLevel, NestLogLevel> = {
  TRACE: 'verbose',
  DEBUG: 'debug',
  INFO: 'log',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * One JSON log line in the shape Nest's ConsoleLogger writes (`level`, `pid`, `timestamp` in
 * epoch milliseconds, `message`, `context`, then the fields given), to stderr for errors as
 * Nest does. Every process's JSON lines share this shape: the API's, the worker's, the SDK's.
 */
export function writeJsonLine(
  level: NestLogLevel,
  context: string,
  message: string,
  fields: Record<string, unknown> = {},
  timestamp = Date.now(),
): void {
  const line = JSON.stringify(
    {
      level,
      pid: process.pid,
      timestamp,
      message,
      context,
      ...Object.fromEntries(
        loggableEntries(fields).map(([key, value]) => [key, serializable(value)]),
      ),
    },
    (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
  );
  const stream = level === 'error' || level === 'fatal' ? process.stderr : process.stdout;
  stream.write(`${line}\n`);
}

function writeJson(entry: LogEntry): void {
  const { sdkComponent, ...meta }: Record<string, unknown> = entry.meta ?? {};
  // Activity and workflow log lines carry workflowId, workflowType and the file path (meta).
  writeJsonLine(
    NEST_LEVEL_OF[entry.level],
    typeof sdkComponent === 'string' ? sdkComponent : 'temporal',
    entry.message,
    meta,
    Number(entry.timestampNanos / 1_000_000n),
  );
}

/**
 * The readable line: time, level, message, then the fields. No task token, and for anything
 * below ERROR an error is its name and message only: an activity's expected failure (a file in
 * error_files, say) would otherwise print a stack of SDK frames on every attempt.
 */
function writePretty(entry: LogEntry): void {
  const fields = Object.fromEntries(
    loggableEntries(entry.meta ?? {}).map(([key, value]) => [
      key,
      value instanceof Error && entry.level !== 'ERROR' ? `${value.name}: ${value.message}` : value,
    ]),
  );
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const rest =
    Object.keys(fields).length > 0 ? ` ${inspect(fields, { breakLength: Infinity })}` : '';
  process.stderr.write(`${time} [${entry.level}] ${entry.message}${rest}\n`);
}

/** Temporal's Runtime logger (worker, activities, workflows), in the same format as Nest's. */
export function createTemporalLogger(
  config: Pick<AppConfig, 'logLevel' | 'logFormat'>,
): DefaultLogger {
  const level = TEMPORAL_LEVELS[config.logLevel];
  return config.logFormat === 'json'
    ? new DefaultLogger(level, writeJson)
    : new DefaultLogger(level, writePretty);
}
