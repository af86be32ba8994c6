import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import { ApiError, ApiErrorResponses, TEMPORAL_UNAVAILABLE } from '../common/api-error-responses';
import { LimitQueryDto } from '../common/limit-query.dto';
import type { AppConfig } from '../config/app-config';
import { LiveTimezone } from '../schedule/live-timezone.service';
import { DispatchRunDto } from './dispatch-run.response';
import { listDispatchRuns, type DispatchRunView } from './dispatch-runs';

@ApiTags('runs')
@Controller('runs')
export class RunsController {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly timezone: LiveTimezone,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Dispatch runs, scheduled and direct, newest first, with status and counts',
  })
  @ApiOkResponse({
    type: [DispatchRunDto],
    description:
      'Counts are the dispatch workflow results, read from Temporal; times in the schedule zone',
  })
  @ApiErrorResponses({
    [ApiError.BadRequest]: 'limit is not an integer in 1–200',
    [ApiError.Unavailable]: TEMPORAL_UNAVAILABLE,
  })
  async list(@Query() query: LimitQueryDto): Promise<DispatchRunView[]> {
    return listDispatchRuns(
      {
        client: this.client,
        namespace: this.config.temporal.namespace,
        uiUrl: this.config.temporal.uiUrl,
        timezone: await this.timezone.get(),
      },
      query.limit ?? 20,
    );
  }
}
