import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class DescribeQueryDto {
  @ApiPropertyOptional({
    description: 'Window of the succeeded/failed totals, in hours back from now (1–720)',
    default: 24,
  })
  @IsOptional()
  @Type(() => Number)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Max(720, { message: 'windowHours must be at most 720 (30 days)' })
  @Min(1, { message: 'windowHours must be at least 1' })
  @IsInt({ message: 'windowHours must be an integer' })
  windowHours?: number;
}
