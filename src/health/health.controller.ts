import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { DependencyHealthIndicators } from './health-indicators';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: DependencyHealthIndicators,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({
    summary:
      'Temporal, api-transcriber (GET /) and Supabase (or the demo store): 200 when all are up',
  })
  @ApiServiceUnavailableResponse({ description: 'At least one is down; each carries its reason' })
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicators.temporal(),
      () => this.indicators.transcriber(),
      () => this.indicators.supabase(),
    ]);
  }
}
