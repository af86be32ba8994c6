import { GrpcStatus, grpcCode, grpcDetails } from './grpc-status';

/** Why Temporal cannot be reached, phrased like the preflight: what failed, then the fix. */
export interface TemporalOutage {
  /** "DNS", "refused", "timeout" or "unavailable", as the preflight's problem field. */
  problem: string;
  /** One sentence: "<what failed>; fix: <what to do>". */
  message: string;
}

function hostOf(address: string): string {
  const index = address.lastIndexOf(':');
  return index > 0 ? address.slice(0, index) : address;
}

/**
 * Reads a failed Temporal call as an outage (UNAVAILABLE or DEADLINE_EXCEEDED), or undefined
 * when the failure is something else. grpc-js reports the socket error only inside its details
 * text ("… Last error: connect ECONNREFUSED …"), so that is what is matched.
 */
export function describeTemporalOutage(
  error: unknown,
  address: string,
): TemporalOutage | undefined {
  const code = grpcCode(error);
  if (code !== GrpcStatus.Unavailable && code !== GrpcStatus.DeadlineExceeded) return undefined;
  const details = grpcDetails(error);
  if (/ECONNREFUSED/.test(details)) {
    return {
      problem: 'refused',
      message: `connection refused by ${address}: nothing listens on that port; fix: start the Temporal server (npm start runs a dev server) or correct TEMPORAL_ADDRESS`,
    };
  }
  if (/Name resolution failed|ENOTFOUND|EAI_AGAIN/.test(details)) {
    return {
      problem: 'DNS',
      message: `DNS lookup failed for ${hostOf(address)}; fix: check TEMPORAL_ADDRESS; in Docker use the temporal service name on the watchme-network`,
    };
  }
  if (code === GrpcStatus.DeadlineExceeded || /ETIMEDOUT/.test(details)) {
    return {
      problem: 'timeout',
      message: `no answer from ${address} in time; fix: check that the Temporal server is running and reachable from here (TEMPORAL_ADDRESS)`,
    };
  }
  return {
    problem: 'unavailable',
    message: `${address} is unavailable (${details}); fix: check that ${address} is a running Temporal frontend (TEMPORAL_ADDRESS)`,
  };
}
