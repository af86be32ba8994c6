import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Max, Min } from 'class-validator';
import { QueryInteger } from './query-integer';

export class LimitQueryDto {
  @ApiPropertyOptional({
    description: 'How many to return (1–200)',
    default: 20,
    minimum: 1,
    maximum: 200,
  })
  @IsOptional()
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Max(200, { message: 'limit must be at most 200' })
  @Min(1, { message: 'limit must be at least 1' })
  @QueryInteger('limit')
  limit?: number;
}
