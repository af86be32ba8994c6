import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, FILE_STORE, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import type { FileStore } from '../files/file-store';
import {
  checkSupabase,
  checkTranscriber,
  CheckStatus,
  type CheckResult,
} from '../preflight/connectivity-checks';
import { checkTemporalClient } from './temporal-health';

/** How each part's reason starts: the service as operators know it (DESIGN §5, issue 3). */
const REASON_PREFIX: Record<CheckResult['name'], string> = {
  temporal: 'temporal',
  transcriber: 'api-transcriber',
  supabase: 'supabase',
};

/**
 * One indicator per dependency. The transcriber and Supabase use the preflight's checks, so
 * that health, the start-up log and `npm run preflight` give the same reason for the same
 * fault; Temporal is asked over the API's shared client.
 */
@Injectable()
export class DependencyHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FILE_STORE) private readonly store: FileStore,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
  ) {}

  private toIndicator(result: CheckResult): HealthIndicatorResult {
    const check = this.health.check(result.name);
    if (result.status === CheckStatus.Fail) {
      return check.down({
        target: result.target,
        problem: result.problem,
        reason: `${REASON_PREFIX[result.name]}: ${result.message}`,
      });
    }
    return check.up({
      target: result.target,
      ...(result.status === CheckStatus.Warn
        ? { state: result.problem, note: result.message }
        : {}),
    });
  }

  async temporal(): Promise<HealthIndicatorResult> {
    const address = this.config.temporal.address;
    const result = await checkTemporalClient(this.client, address);
    return this.toIndicator(
      result.up
        ? {
            name: 'temporal',
            target: address,
            status: CheckStatus.Ok,
            message: 'frontend answered',
          }
        : {
            name: 'temporal',
            target: address,
            status: CheckStatus.Fail,
            problem: result.problem,
            message: result.message,
          },
    );
  }

  async transcriber(): Promise<HealthIndicatorResult> {
    return this.toIndicator(await checkTranscriber(this.config.transcriber.url));
  }

  async supabase(): Promise<HealthIndicatorResult> {
    if (this.config.supabase) {
      return this.toIndicator(
        await checkSupabase(this.config.supabase.url, this.config.supabase.serviceRoleKey),
      );
    }
    const check = this.health.check('supabase');
    try {
      await this.store.ping();
      return check.up({ target: this.store.description, mode: 'demo' });
    } catch (error) {
      return check.down({
        target: this.store.description,
        reason: `supabase: ${(error as Error).message}`,
      });
    }
  }
}
