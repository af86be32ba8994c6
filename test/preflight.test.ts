/**
 * Connectivity preflight against real servers on loopback: the simulator, the Supabase double,
 * a Temporal dev server. A name that does not resolve is exercised with host.docker.internal,
 * which has no DNS entry here, exactly as on a Linux Docker host.
 */
import { TranscriberSimulator } from '../src/demo/transcriber-simulator';
import { LocalFileStore } from '../src/files/local-file-store';
import { freeLoopbackPort } from '../src/metrics/free-port';
import {
  checkSupabase,
  checkTemporal,
  checkTranscriber,
  formatCheck,
} from '../src/preflight/connectivity-checks';
import { PostgrestDouble } from './support/postgrest-double';
import { startTemporal, type TemporalHarness } from './support/temporal-harness';
import { testSecret } from './support/test-secret';

const quiet = { log() {}, warn() {} };

describe('transcriber', () => {
  test('host.docker.internal: DNS failure with the watchme-network fix, on one line', async () => {
    const result = await checkTranscriber('http://host.docker.internal:8001');
    console.log(formatCheck(result));
    expect(result).toMatchObject({ status: 'fail', problem: 'DNS' });
    expect(result.message).toContain('DNS lookup failed for host.docker.internal');
    expect(result.message).toContain('http://api-transcriber:8001');
    expect(formatCheck(result)).not.toContain('\n');
  });

  test('an unknown service name: DNS failure telling how to join the network', async () => {
    const result = await checkTranscriber('http://api-transcriber:8001');
    console.log(formatCheck(result));
    expect(result.problem).toBe('DNS');
    expect(result.message).toContain('docker network connect watchme-network api-transcriber');
  });

  test('nothing listening: connection refused', async () => {
    const result = await checkTranscriber('http://127.0.0.1:9');
    console.log(formatCheck(result));
    expect(result).toMatchObject({ status: 'fail', problem: 'refused' });
  });

  test('up answers ok; busy (accepts but does not answer) is a warning, not a failure', async () => {
    const store = new LocalFileStore();
    await store.insert([{ file_path: 'files/d-1/2026-12-01/00-00/audio.wav' }]);
    const simulator = await TranscriberSimulator.start({
      store,
      port: 0,
      latencyMs: 4_000,
      logger: quiet,
    });
    try {
      expect((await checkTranscriber(simulator.url)).status).toBe('ok');
      const busy = fetch(`${simulator.url}/fetch-and-transcribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          file_paths: ['files/d-1/2026-12-01/00-00/audio.wav'],
          model: 'base',
        }),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const result = await checkTranscriber(simulator.url, 1_000);
      console.log(formatCheck(result));
      expect(result).toMatchObject({ status: 'warn', problem: 'busy' });
      await busy;
    } finally {
      await simulator.stop();
    }
  });
});

describe('supabase', () => {
  let supabase: PostgrestDouble;
  beforeAll(async () => {
    supabase = await PostgrestDouble.start();
  });
  afterAll(async () => {
    await supabase?.stop();
  });

  test('reachable with the right key', async () => {
    expect((await checkSupabase(supabase.url, supabase.serviceRoleKey)).status).toBe('ok');
  });

  test('a wrong key names the variable to fix, without echoing the key', async () => {
    const result = await checkSupabase(supabase.url, testSecret('wrong-key'));
    console.log(formatCheck(result));
    expect(result).toMatchObject({ status: 'fail', problem: 'HTTP 401' });
    expect(result.message).toContain('SUPABASE_SERVICE_ROLE_KEY');
    expect(result.message).not.toContain('wrong-key');
  });

  test('nothing listening at SUPABASE_URL: refused, with a fix about the URL (not the network)', async () => {
    const result = await checkSupabase(`http://127.0.0.1:${await freeLoopbackPort()}`, 'key');
    console.log(formatCheck(result));
    expect(result).toMatchObject({ status: 'fail', problem: 'refused' });
    expect(result.message).toContain('check SUPABASE_URL: Supabase is reached at its project URL');
    expect(result.message).not.toContain('watchme-network');
  });

  test('an outage answering 503 is reported with its status', async () => {
    supabase.setFailure({ status: 503 });
    try {
      const result = await checkSupabase(supabase.url, supabase.serviceRoleKey);
      expect(result).toMatchObject({ status: 'fail', problem: 'HTTP 503' });
    } finally {
      supabase.setFailure(null);
    }
  });
});

describe('temporal', () => {
  let temporal: TemporalHarness;
  beforeAll(async () => {
    temporal = await startTemporal();
  });
  afterAll(async () => {
    await temporal?.stop();
  });

  test('the dev server answers; a closed port is refused with the fix', async () => {
    expect((await checkTemporal(temporal.address)).status).toBe('ok');
    const result = await checkTemporal('127.0.0.1:9');
    console.log(formatCheck(result));
    expect(result).toMatchObject({ status: 'fail', problem: 'refused' });
    expect(result.message).toContain('connection refused by 127.0.0.1:9');
    expect(result.message).toContain('TEMPORAL_ADDRESS');
  });
});
