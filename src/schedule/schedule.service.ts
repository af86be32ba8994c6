import { Inject, Injectable } from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import {
  describeTranscriptionSchedule,
  triggerDispatch,
  type ScheduleView,
  type TriggerResult,
} from '../temporal/transcription-schedule';

@Injectable()
export class ScheduleService {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  describe(): Promise<ScheduleView> {
    return describeTranscriptionSchedule(this.client, this.config.schedule.id);
  }

  trigger(): Promise<TriggerResult> {
    return triggerDispatch(this.client, this.config.schedule.id);
  }
}
