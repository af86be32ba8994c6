/** loadConfig: the environment, validated at start, with messages that say what to fix. */
import { ConfigError, loadConfig } from '../src/config/load-config';
import { testSecret } from './support/test-secret';

const SUPABASE = {
  SUPABASE_URL: 'https://example.supabase.co',
  SUPABASE_SERVICE_ROLE_KEY: testSecret('service-role-key'),
  TRANSCRIBER_URL: 'http://api-transcriber:8001',
  API_TOKEN: testSecret('api-token'),
};

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('loadConfig accepted the environment');
}

test('no Supabase settings: demo mode with the simulator, the product defaults', () => {
  const config = loadConfig({});
  expect(config.demoMode).toBe(true);
  expect(config.simulator).toMatchObject({ enabled: true, port: 8001 });
  expect(config.transcriber).toMatchObject({ url: 'http://127.0.0.1:8001', model: 'base' });
  expect(config.schedule).toMatchObject({
    id: 'transcription-schedule',
    cron: '0 */3 * * *',
    timezone: 'Asia/Tokyo',
  });
  expect(config.dispatch).toMatchObject({ batchSize: 50, maxConcurrentTranscriptions: 1 });
  expect(config.api.port).toBe(3000);
});

test('the Web UI links follow TEMPORAL_UI_PORT unless TEMPORAL_UI_URL says where the UI is', () => {
  expect(loadConfig({}).temporal.uiUrl).toBe('http://localhost:8233');
  expect(loadConfig({ TEMPORAL_UI_PORT: '8300' }).temporal.uiUrl).toBe('http://localhost:8300');
  expect(
    loadConfig({ TEMPORAL_UI_PORT: '8300', TEMPORAL_UI_URL: 'https://temporal.example/' }).temporal
      .uiUrl,
  ).toBe('https://temporal.example');
});

test('demo mode with TRANSCRIBER_URL talks to that transcriber and leaves the simulator off', () => {
  const config = loadConfig({ TRANSCRIBER_URL: 'http://host.docker.internal:8001/' });
  expect(config.demoMode).toBe(true);
  expect(config.simulator.enabled).toBe(false);
  expect(config.transcriber.url).toBe('http://host.docker.internal:8001');
});

test('Supabase mode needs TRANSCRIBER_URL and API_TOKEN, and both Supabase variables', () => {
  expect(loadConfig(SUPABASE)).toMatchObject({ demoMode: false, simulator: { enabled: false } });
  expect(problemsOf({ ...SUPABASE, TRANSCRIBER_URL: undefined })).toEqual([
    expect.stringContaining('TRANSCRIBER_URL is required with Supabase'),
  ]);
  expect(problemsOf({ ...SUPABASE, API_TOKEN: undefined })).toEqual([
    expect.stringContaining('API_TOKEN is required outside demo mode'),
  ]);
  expect(problemsOf({ ...SUPABASE, SUPABASE_SERVICE_ROLE_KEY: undefined })).toEqual([
    expect.stringContaining('SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY go together'),
  ]);
});

test('every bad value is reported at once, each naming its variable and what to write', () => {
  const problems = problemsOf({
    TRANSCRIBER_MODEL: 'large-v3',
    SCHEDULE_CRON: '0 */3 * *',
    SCHEDULE_TIMEZONE: 'Mars/Olympus',
    BATCH_SIZE: 'ten',
    MAX_CONCURRENT_TRANSCRIPTIONS: '0',
    TEMPORAL_ADDRESS: 'temporal',
    TRANSCRIBER_URL: 'api-transcriber:8001',
  });
  expect(problems).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^TRANSCRIBER_MODEL must be "base".*HTTP 400.*\(got "large-v3"\)$/),
      expect.stringMatching(/^SCHEDULE_CRON must have five fields.*\(got "0 \*\/3 \* \*"\)$/),
      expect.stringMatching(/^SCHEDULE_TIMEZONE must be an IANA time zone.*Mars\/Olympus/),
      expect.stringMatching(/^BATCH_SIZE .*\(got "ten"\)$/),
      expect.stringMatching(/^MAX_CONCURRENT_TRANSCRIPTIONS .*\(got "0"\)$/),
      expect.stringMatching(/^TEMPORAL_ADDRESS must be host:port/),
      expect.stringMatching(/^TRANSCRIBER_URL must be an http\(s\) URL/),
    ]),
  );
  expect(problems).toHaveLength(7);
});

test('timeouts that contradict each other are refused with both values', () => {
  expect(
    problemsOf({
      TRANSCRIBER_REQUEST_TIMEOUT_MS: '600000',
      TRANSCRIBE_WATCH_DEADLINE_MS: '600000',
      TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS: '900000',
    }),
  ).toEqual([expect.stringMatching(/^TRANSCRIBE_START_TO_CLOSE_TIMEOUT_MS \(900000\).*1200000/)]);
});

test('secrets are never echoed in the messages', () => {
  const key = 'short-secret';
  const token = 'tiny-token';
  const problems = problemsOf({ ...SUPABASE, SUPABASE_SERVICE_ROLE_KEY: key, API_TOKEN: token });
  expect(problems).toHaveLength(2);
  expect(problems.join('\n')).not.toContain(key);
  expect(problems.join('\n')).not.toContain(token);
});

test('a number that is not a whole number says so, whatever its limits; blank means unset', () => {
  expect(problemsOf({ BATCH_SIZE: 'abc', PORT: '1.5', SIMULATOR_PORT: 'x' })).toEqual([
    'BATCH_SIZE must be a whole number (got "abc")',
    'PORT must be a whole number (got "1.5")',
    'SIMULATOR_PORT must be a whole number (got "x")',
  ]);
  expect(problemsOf({ BATCH_SIZE: '5000' })).toEqual([
    'BATCH_SIZE must not be greater than 1000 (got "5000")',
  ]);
  expect(loadConfig({ BATCH_SIZE: '', PORT: ' ' })).toMatchObject({
    dispatch: { batchSize: 50 },
    api: { port: 3000 },
  });
});

test('ports npm start listens on together must differ; 0 (any free port) never clashes', () => {
  expect(problemsOf({ SIMULATOR_PORT: '3000' })).toEqual([
    'PORT and SIMULATOR_PORT both use port 3000: give each its own port',
  ]);
  expect(problemsOf({ TEMPORAL_UI_PORT: '7233' })).toEqual([
    'TEMPORAL_UI_PORT and TEMPORAL_ADDRESS both use port 7233: give each its own port',
  ]);
  expect(loadConfig({ SIMULATOR_PORT: '0', WORKER_METRICS_PORT: '0' }).simulator.port).toBe(0);
  // A remote Temporal server's port is not ours; the simulator is off with TRANSCRIBER_URL.
  expect(() =>
    loadConfig({ ...SUPABASE, TEMPORAL_ADDRESS: 'temporal:3000', SIMULATOR_PORT: '3000' }),
  ).not.toThrow();
});
