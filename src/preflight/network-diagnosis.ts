/**
 * Turns a failed connection into what an operator needs: what failed (DNS, refused, timeout …)
 * and the fix most likely to help. Shared by the preflight, the health endpoint and the
 * transcribe activity, so all three say the same thing.
 */
export const NetworkProblem = {
  Dns: 'DNS',
  Refused: 'refused',
  Timeout: 'timeout',
  Reset: 'reset',
  Unreachable: 'unreachable',
  Other: 'other',
} as const;
export type NetworkProblem = (typeof NetworkProblem)[keyof typeof NetworkProblem];

export interface NetworkDiagnosis {
  problem: NetworkProblem;
  /** e.g. "DNS lookup failed for host.docker.internal". */
  cause: string;
  fix: string;
}

const CODES: Record<string, { problem: NetworkProblem; cause: (host: string) => string }> = {
  ENOTFOUND: { problem: NetworkProblem.Dns, cause: (host) => `DNS lookup failed for ${host}` },
  EAI_AGAIN: {
    problem: NetworkProblem.Dns,
    cause: (host) => `DNS lookup failed for ${host} (temporary resolver failure)`,
  },
  ECONNREFUSED: {
    problem: NetworkProblem.Refused,
    cause: (host) => `connection refused by ${host}: nothing listens on that port`,
  },
  ETIMEDOUT: {
    problem: NetworkProblem.Timeout,
    cause: (host) => `connection to ${host} timed out`,
  },
  ECONNRESET: { problem: NetworkProblem.Reset, cause: (host) => `connection reset by ${host}` },
  EPIPE: {
    problem: NetworkProblem.Reset,
    cause: (host) => `connection to ${host} closed while sending`,
  },
  EHOSTUNREACH: {
    problem: NetworkProblem.Unreachable,
    cause: (host) => `host ${host} unreachable`,
  },
  ENETUNREACH: {
    problem: NetworkProblem.Unreachable,
    cause: (host) => `network unreachable for ${host}`,
  },
};

/** The first errno-style code found on the error or its causes. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code in CODES) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The fix for a host that cannot be reached, given what failed. */
export function likelyFix(host: string, problem: NetworkProblem, service: string): string {
  if (host === 'host.docker.internal') {
    return `host.docker.internal does not resolve on Linux; on the watchme-network use the service name, e.g. http://api-transcriber:8001`;
  }
  if (problem === NetworkProblem.Dns) {
    return `if this runs in a container, ${host} is not on its network: docker network connect watchme-network ${host}`;
  }
  // Supabase is a hosted project, never a service on the watchme-network.
  if (service === 'Supabase' && problem === NetworkProblem.Refused) {
    return 'check SUPABASE_URL: Supabase is reached at its project URL (https://<project>.supabase.co)';
  }
  if (problem === NetworkProblem.Refused && (host === 'localhost' || host.startsWith('127.'))) {
    return `start ${service} or correct the port; inside a container ${host} is the container itself, so use the ${service} service name on the watchme-network`;
  }
  if (problem === NetworkProblem.Refused) return `start ${service}, or correct the port`;
  return `check that ${service} is running and reachable from here`;
}

export function diagnoseNetworkError(
  error: unknown,
  host: string,
  service: string,
): NetworkDiagnosis {
  const code = networkErrorCode(error);
  const known = code ? CODES[code] : undefined;
  const problem = known?.problem ?? NetworkProblem.Other;
  return {
    problem,
    cause: known
      ? known.cause(host)
      : `request failed: ${(error as Error)?.message ?? String(error)}`,
    fix: likelyFix(host, problem, service),
  };
}
