import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { APP_CONFIG, FILE_STORE } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import type { FileStore } from '../files/file-store';
import {
  checkSupabase,
  checkTemporal,
  checkTranscriber,
  CheckStatus,
  type CheckResult,
} from '../preflight/connectivity-checks';

/**
 * One indicator per dependency, built on the preflight's checks so that health, the start-up
 * log and `npm run preflight` give the same reason for the same fault.
 */
@Injectable()
export class DependencyHealthIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(FILE_STORE) private readonly store: FileStore,
  ) {}

  private toIndicator(result: CheckResult): HealthIndicatorResult {
    const check = this.health.check(result.name);
    if (result.status === CheckStatus.Fail) {
      return check.down({
        target: result.target,
        problem: result.problem,
        reason: `${result.name}: ${result.message}`,
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
    return this.toIndicator(await checkTemporal(this.config.temporal.address));
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
      return check.down({ target: this.store.description, reason: (error as Error).message });
    }
  }
}
