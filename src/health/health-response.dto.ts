import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/** One dependency's part of the health answer. */
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'] })
  status!: 'up' | 'down';

  @ApiPropertyOptional({ description: 'What was checked (address or URL)' })
  target?: string;

  @ApiPropertyOptional({
    description: 'Why it is down and the fix, prefixed with the service',
    example:
      'api-transcriber: DNS lookup failed for host.docker.internal; fix: host.docker.internal does not resolve on Linux; on the watchme-network use the service name, e.g. http://api-transcriber:8001',
  })
  reason?: string;

  @ApiPropertyOptional({ description: 'DNS, refused, timeout, HTTP <status>, busy, gRPC …' })
  problem?: string;

  @ApiPropertyOptional({ description: 'Up with a caveat (e.g. busy): what it is' })
  state?: string;

  @ApiPropertyOptional()
  note?: string;

  @ApiPropertyOptional({ description: 'demo when the local demo store plays Supabase' })
  mode?: string;
}

const BY_DEPENDENCY = {
  type: 'object',
  description: 'Keyed by temporal, transcriber, supabase',
  additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) },
} as const;

/** Terminus's answer: the same shape with 200 (all up) and 503 (any down). */
@ApiExtraModels(HealthIndicatorDto)
export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] })
  status!: 'ok' | 'error' | 'shutting_down';

  @ApiPropertyOptional({ ...BY_DEPENDENCY, description: 'The parts that are up' })
  info?: Record<string, HealthIndicatorDto>;

  @ApiPropertyOptional({ ...BY_DEPENDENCY, description: 'The parts that are down' })
  error?: Record<string, HealthIndicatorDto>;

  @ApiProperty({ ...BY_DEPENDENCY, description: 'Every part' })
  details!: Record<string, HealthIndicatorDto>;
}
