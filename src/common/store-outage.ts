import { FileStoreUnavailableError, StoreFailure } from '../files/file-store';

/**
 * The 503 sentence for a store that cannot be used, phrased like the Temporal outage: what
 * failed (the store's own message names the host, the operation and the cause, never the key),
 * then the fix. Undefined for any other error.
 */
export function describeStoreOutage(error: unknown): string | undefined {
  if (!(error instanceof FileStoreUnavailableError)) return undefined;
  const { store, host, operation, failure, httpStatus } = error.details;
  switch (failure) {
    case StoreFailure.KeyRefused:
      return `${store} (${host}) refused the service-role key (HTTP ${httpStatus ?? '401/403'} on ${operation}); fix: set SUPABASE_SERVICE_ROLE_KEY to the service-role key of this project (Project Settings → API). ${error.message}`;
    case StoreFailure.NotTheStore:
      return `${store} cannot be used: ${error.message}; fix: set SUPABASE_URL to the project URL (https://<project>.supabase.co) and check that the audio_files table exists`;
    case StoreFailure.ServerError:
      return `${store} is failing: ${error.message}. Retry once it is back; if it persists, check the project's status in the Supabase dashboard`;
    case StoreFailure.Unreachable:
      return `${store} is unreachable: ${error.message}. Fix: check SUPABASE_URL and that ${host} is reachable from the API; retry once it is back`;
  }
}
