import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import { LimitQueryDto } from '../common/limit-query.dto';
import type { AppConfig } from '../config/app-config';
import { listDispatchRuns, type DispatchRunView } from './dispatch-runs';

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Dispatch runs, scheduled and direct, newest first, with status and counts',
  })
  @ApiOkResponse({ description: 'Counts are the dispatch workflow results, read from Temporal' })
  list(@Query() query: LimitQueryDto): Promise<DispatchRunView[]> {
    return listDispatchRuns(
      {
        client: this.client,
        namespace: this.config.temporal.namespace,
        uiUrl: this.config.temporal.uiUrl,
        timezone: this.config.schedule.timezone,
      },
      query.limit ?? 20,
    );
  }
}
