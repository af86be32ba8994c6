import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Max, Min } from 'class-validator';
import { QueryInteger } from '../../common/query-integer';

export class DescribeQueryDto {
  @ApiPropertyOptional({
    description: 'Window of the succeeded/failed totals, in hours back from now (1–720)',
    default: 24,
  })
  @IsOptional()
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Max(720, { message: 'windowHours must be at most 720 (30 days)' })
  @Min(1, { message: 'windowHours must be at least 1' })
  @QueryInteger('windowHours')
  windowHours?: number;
}
