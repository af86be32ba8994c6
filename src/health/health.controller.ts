import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { DependencyHealthIndicators } from './health-indicators';
import { HealthResponseDto } from './health-response.dto';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: DependencyHealthIndicators,
  ) {}

  @Get()
  // Terminus's generic schema is replaced by one that documents each part's reason.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOperation({
    summary:
      'Temporal, api-transcriber (GET /) and Supabase (or the demo store): 200 when all are up',
  })
  @ApiOkResponse({ type: HealthResponseDto, description: 'All up' })
  @ApiServiceUnavailableResponse({
    type: HealthResponseDto,
    description: 'At least one is down; each carries its reason',
  })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.temporal(),
      () => this.indicators.transcriber(),
      () => this.indicators.supabase(),
    ]);
  }
}
