import type { AppConfig } from './config/app-config';

export interface ModeInfo {
  mode: 'demo' | 'supabase';
  demoNotice?: string;
}

export const DEMO_NOTICE =
  'DEMO MODE: no SUPABASE_URL is set, so files come from a local demo store and a built-in transcriber simulator plays api-transcriber. Nothing here touches production data.';

export function describeMode(config: AppConfig): ModeInfo {
  return config.demoMode ? { mode: 'demo', demoNotice: DEMO_NOTICE } : { mode: 'supabase' };
}
