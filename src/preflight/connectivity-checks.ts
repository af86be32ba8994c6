import { lookup } from 'node:dns/promises';
import axios from 'axios';
import { Connection } from '@temporalio/client';
import { canConnect, probeTcp } from '../health/tcp-probe';
import { diagnoseNetworkError, NetworkProblem, type NetworkDiagnosis } from './network-diagnosis';

export const CheckStatus = { Ok: 'ok', Warn: 'warn', Fail: 'fail', Skipped: 'skipped' } as const;
export type CheckStatus = (typeof CheckStatus)[keyof typeof CheckStatus];

/** One dependency's reachability, phrased for a person: what, where, what failed, the fix. */
export interface CheckResult {
  name: 'temporal' | 'transcriber' | 'supabase';
  target: string;
  status: CheckStatus;
  /** One sentence; for failures "<what failed>; fix: <what to do>". */
  message: string;
  /** A NetworkProblem, "HTTP <status>", "busy" or "gRPC". */
  problem?: string;
}

const DEFAULT_TIMEOUT_MS = 3_000;

async function resolveHost(
  hostname: string,
  service: string,
): Promise<NetworkDiagnosis | undefined> {
  try {
    await lookup(hostname);
    return undefined;
  } catch (error) {
    return diagnoseNetworkError(error, hostname, service);
  }
}

function failed(
  name: CheckResult['name'],
  target: string,
  diagnosis: NetworkDiagnosis,
): CheckResult {
  return {
    name,
    target,
    status: CheckStatus.Fail,
    problem: diagnosis.problem,
    message: `${diagnosis.cause}; fix: ${diagnosis.fix}`,
  };
}

/** api-transcriber: DNS, TCP, then GET / (it answers only between files, so silence = busy). */
export async function checkTranscriber(
  url: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CheckResult> {
  const { hostname, port, protocol } = new URL(url);
  const service = 'api-transcriber';
  const dns = await resolveHost(hostname, service);
  if (dns) return failed('transcriber', url, dns);
  const portNumber = Number(port || (protocol === 'https:' ? 443 : 80));
  try {
    const response = await axios.get(url.replace(/\/+$/, '') + '/', {
      signal: AbortSignal.timeout(timeoutMs),
      validateStatus: () => true,
      proxy: false,
    });
    if (response.status >= 200 && response.status < 300) {
      return {
        name: 'transcriber',
        target: url,
        status: CheckStatus.Ok,
        message: `GET / answered ${response.status}`,
      };
    }
    return {
      name: 'transcriber',
      target: url,
      status: CheckStatus.Fail,
      problem: `HTTP ${response.status}`,
      message: `GET / answered HTTP ${response.status}; fix: check that ${url} is api-transcriber (TRANSCRIBER_URL) and look at its log`,
    };
  } catch (error) {
    if (axios.isCancel(error) || (error as { code?: string }).code === 'ERR_CANCELED') {
      if (await canConnect(hostname, portNumber, timeoutMs)) {
        return {
          name: 'transcriber',
          target: url,
          status: CheckStatus.Warn,
          problem: 'busy',
          message: `accepts connections but GET / gave no answer within ${timeoutMs} ms: it answers only between files, so it is probably busy transcribing`,
        };
      }
      return failed('transcriber', url, {
        problem: NetworkProblem.Timeout,
        cause: `no answer from ${hostname}:${portNumber} within ${timeoutMs} ms`,
        fix: `check that ${service} is running and reachable from here`,
      });
    }
    return failed('transcriber', url, diagnoseNetworkError(error, hostname, service));
  }
}

/** Supabase: DNS, then a one-row read of audio_files with the service-role key. */
export async function checkSupabase(
  url: string,
  serviceRoleKey: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CheckResult> {
  const { hostname } = new URL(url);
  const dns = await resolveHost(hostname, 'Supabase');
  if (dns) {
    return failed('supabase', url, {
      ...dns,
      fix: 'check SUPABASE_URL (https://<project>.supabase.co) and the DNS of this host',
    });
  }
  try {
    const response = await axios.get(`${url.replace(/\/+$/, '')}/rest/v1/audio_files`, {
      params: { select: 'file_path', limit: 1 },
      headers: { apikey: serviceRoleKey, Authorization: `Bearer ${serviceRoleKey}` },
      signal: AbortSignal.timeout(timeoutMs),
      validateStatus: () => true,
      proxy: false,
    });
    if (response.status === 200 && Array.isArray(response.data)) {
      return {
        name: 'supabase',
        target: url,
        status: CheckStatus.Ok,
        message: 'audio_files readable',
      };
    }
    const fix =
      response.status === 401 || response.status === 403
        ? 'the key was refused: set SUPABASE_SERVICE_ROLE_KEY to the project service-role key'
        : response.status === 404
          ? 'no audio_files table at this URL: check SUPABASE_URL'
          : 'look at the Supabase project status';
    return {
      name: 'supabase',
      target: url,
      status: CheckStatus.Fail,
      problem: `HTTP ${response.status}`,
      message: `reading audio_files answered HTTP ${response.status}; fix: ${fix}`,
    };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_CANCELED') {
      return failed('supabase', url, {
        problem: NetworkProblem.Timeout,
        cause: `no answer within ${timeoutMs} ms`,
        fix: 'check the network path to Supabase',
      });
    }
    return failed('supabase', url, diagnoseNetworkError(error, hostname, 'Supabase'));
  }
}

/** Temporal: DNS, TCP, then the frontend's GetSystemInfo. */
export async function checkTemporal(
  address: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<CheckResult> {
  const index = address.lastIndexOf(':');
  const hostname = address.slice(0, index);
  const port = Number(address.slice(index + 1));
  const dns = await resolveHost(hostname, 'Temporal');
  if (dns) {
    return failed('temporal', address, {
      ...dns,
      fix: 'check TEMPORAL_ADDRESS; in Docker use the temporal service name on the watchme-network',
    });
  }
  const tcp = await probeTcp(hostname, port, timeoutMs);
  if (!tcp.open) {
    const diagnosis = diagnoseNetworkError(tcp.error, address, 'Temporal');
    return failed('temporal', address, {
      ...diagnosis,
      fix:
        diagnosis.problem === NetworkProblem.Refused
          ? 'start the Temporal server (npm start runs a dev server) or correct TEMPORAL_ADDRESS'
          : `check that Temporal runs at ${address} (TEMPORAL_ADDRESS) and that nothing blocks the way`,
    });
  }
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    try {
      await connection.withDeadline(Date.now() + timeoutMs, () =>
        connection.workflowService.getSystemInfo({}),
      );
    } finally {
      await connection.close();
    }
    return {
      name: 'temporal',
      target: address,
      status: CheckStatus.Ok,
      message: 'frontend answered',
    };
  } catch (error) {
    return {
      name: 'temporal',
      target: address,
      status: CheckStatus.Fail,
      problem: 'gRPC',
      message: `the port is open but Temporal did not answer: ${(error as Error).message}; fix: check that ${address} is a Temporal frontend`,
    };
  }
}

export function formatCheck(result: CheckResult): string {
  const mark = { ok: 'OK  ', warn: 'WARN', fail: 'FAIL', skipped: 'SKIP' }[result.status];
  return `${mark} ${result.name} ${result.target}: ${result.message}`;
}
