import { Controller, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { ScheduleService } from './schedule.service';
import type { ScheduleView, TriggerResult } from '../temporal/transcription-schedule';
import { describeMode, type ModeInfo } from '../mode-info';

@ApiTags('schedule')
@Controller('schedule')
export class ScheduleController {
  constructor(
    private readonly schedules: ScheduleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The transcription schedule: cron, time zone, paused, next runs' })
  @ApiOkResponse({ description: 'Next run times are ISO 8601 in the schedule time zone' })
  async describe(): Promise<ScheduleView & ModeInfo> {
    return { ...(await this.schedules.describe()), ...describeMode(this.config) };
  }

  @Post('trigger')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start a dispatch now (overlap SKIP: skipped while one runs)' })
  async trigger(): Promise<TriggerResult> {
    return this.schedules.trigger();
  }
}
