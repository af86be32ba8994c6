import type { AppConfig } from '../config/app-config';
import {
  checkSupabase,
  checkTemporal,
  checkTranscriber,
  CheckStatus,
  type CheckResult,
} from './connectivity-checks';

/** Every dependency checked at once; in demo mode Supabase is replaced by the local store. */
export async function runPreflight(config: AppConfig): Promise<CheckResult[]> {
  return Promise.all([
    checkTemporal(config.temporal.address),
    checkTranscriber(config.transcriber.url),
    config.supabase
      ? checkSupabase(config.supabase.url, config.supabase.serviceRoleKey)
      : Promise.resolve<CheckResult>({
          name: 'supabase',
          target: 'local demo store',
          status: CheckStatus.Skipped,
          message: 'demo mode: no SUPABASE_URL, the local demo store is used',
        }),
  ]);
}
