/**
 * JSON logs: the Temporal SDK's lines (worker, activities, workflows) and start-up failures are
 * written in the shape of Nest's own JSON lines, so that one log query reads every process.
 */
import { ConsoleLogger } from '@nestjs/common';
import { ConfigError } from '../src/config/load-config';
import { createTemporalLogger } from '../src/logging/loggers';
import { reportStartupError } from '../src/startup-error';

/** Everything written to stdout and stderr while `run` runs, as parsed JSON lines. */
function captureJsonLines(
  run: () => void,
): Array<{ stream: string; line: Record<string, unknown> }> {
  const lines: Array<{ stream: string; line: Record<string, unknown> }> = [];
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const text of String(chunk).split('\n').filter(Boolean)) {
        lines.push({ stream, line: JSON.parse(text) as Record<string, unknown> });
      }
      return true;
    }),
  );
  try {
    run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines;
}

test("the SDK's lines have Nest's fields, level names and timestamp; the task token is left out", () => {
  const [nest] = captureJsonLines(() =>
    new ConsoleLogger({ json: true }).log('from nest', 'SomeContext'),
  );
  const temporal = createTemporalLogger({ logLevel: 'info', logFormat: 'json' });
  const lines = captureJsonLines(() => {
    temporal.info('activity done', {
      sdkComponent: 'activity',
      workflowId: 'transcribe:files/d/2026-12-01/00-00/audio.wav',
      taskToken: 'c2VjcmV0',
    });
    temporal.error('activity failed', { sdkComponent: 'activity' });
  });
  const [info, error] = lines;
  expect(Object.keys(info.line).slice(0, 5)).toEqual(Object.keys(nest.line));
  expect(info).toMatchObject({
    stream: 'stdout',
    line: { level: 'log', pid: process.pid, message: 'activity done', context: 'activity' },
  });
  expect(typeof info.line.timestamp).toBe(typeof nest.line.timestamp);
  expect(Math.abs(Number(info.line.timestamp) - Date.now())).toBeLessThan(60_000);
  expect(info.line.workflowId).toBe('transcribe:files/d/2026-12-01/00-00/audio.wav');
  expect(info.line).not.toHaveProperty('taskToken');
  // Nest writes errors to stderr; so do these.
  expect(error).toMatchObject({ stream: 'stderr', line: { level: 'error' } });
});

test('a start-up failure is one JSON line where logs are JSON, a readable line otherwise', () => {
  const [json] = captureJsonLines(() =>
    reportStartupError('worker', new Error('cannot connect'), { LOG_FORMAT: 'json' }),
  );
  expect(json).toMatchObject({
    stream: 'stderr',
    line: { level: 'fatal', context: 'worker', message: 'failed to start: cannot connect' },
  });
  const [production] = captureJsonLines(() =>
    reportStartupError('api', new ConfigError(['PORT must be a port number']), {
      NODE_ENV: 'production',
    }),
  );
  expect(production.line).toMatchObject({
    context: 'api',
    message: 'Invalid configuration:\n  - PORT must be a port number',
    problems: ['PORT must be a port number'],
  });

  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    reportStartupError('worker', new Error('cannot connect'), { LOG_FORMAT: 'pretty' });
    expect(printed).toHaveBeenCalledWith('worker: failed to start: cannot connect');
  } finally {
    printed.mockRestore();
  }
});

test('readable lines: no task token, and an expected failure without its stack', () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const temporal = createTemporalLogger({ logLevel: 'info', logFormat: 'pretty' });
    const failure = new Error('files/d/2026-12-01/00-00/audio.wav is in error_files');
    failure.name = 'TranscriberFileError';
    temporal.warn('Activity failed', { taskToken: 'c2VjcmV0', error: failure, attempt: 2 });
    temporal.error('Worker crashed', { error: new Error('boom') });
  } finally {
    spy.mockRestore();
  }
  expect(written[0]).toMatch(
    /^\S+Z \[WARN\] Activity failed \{ error: 'TranscriberFileError: files\/d\/2026-12-01\/00-00\/audio\.wav is in error_files', attempt: 2 \}\n$/,
  );
  expect(written[0]).not.toContain('c2VjcmV0');
  // An ERROR keeps its stack.
  expect(written[1]).toContain('[ERROR] Worker crashed');
  expect(written[1]).toContain('at ');
});
