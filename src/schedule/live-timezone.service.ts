import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import { describeTemporalOutage } from '../common/temporal-outage';
import type { AppConfig } from '../config/app-config';
import { describeTranscriptionSchedule } from '../temporal/transcription-schedule';

/**
 * The zone every time in the API is written in: the live schedule's (an operator may have
 * changed it with PATCH), as GET /api/schedule shows it; the configured one only when the
 * schedule cannot be read (not created yet).
 */
@Injectable()
export class LiveTimezone {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(): Promise<string> {
    try {
      const view = await describeTranscriptionSchedule(this.client, this.config.schedule.id);
      return view.timezone ?? this.config.schedule.timezone;
    } catch (error) {
      // With Temporal down the caller's own query fails too: let it, rather than wait twice.
      if (describeTemporalOutage(error, this.config.temporal.address)) throw error;
      return this.config.schedule.timezone;
    }
  }
}
