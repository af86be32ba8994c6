import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import { APP_CONFIG, TEMPORAL_CLIENT } from '../app-tokens';
import type { AppConfig } from '../config/app-config';
import { createApiMetrics } from './api-metrics';
import { fetchMetrics } from './metrics-server';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  private readonly registry: Registry;

  constructor(
    @Inject(TEMPORAL_CLIENT) client: Client,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.registry = createApiMetrics(client, config.schedule.id);
  }

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary:
      "Prometheus metrics: the schedule and dispatch gauges, then the worker's (product counters and Temporal SDK metrics)",
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'Prometheus text format; a gauge whose read failed (Temporal down, schedule missing) has no sample',
    schema: { type: 'string', example: 'transcription_schedule_paused 0\n' },
  })
  async metrics(): Promise<string> {
    const own = await this.registry.metrics();
    const worker = this.config.metrics.workerUrl
      ? await fetchMetrics(this.config.metrics.workerUrl, 'worker')
      : '# worker metrics not included: WORKER_METRICS_URL is not set\n';
    return `${own}\n${worker}`;
  }
}
