import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min, ValidateIf } from 'class-validator';

export class RetryFailedDto {
  @ApiPropertyOptional({
    description: 'Most failed files to re-run in this call (1–500), newest failures first',
    default: 100,
    minimum: 1,
    maximum: 500,
  })
  // Omit the field for the default; null is a 400 (IsOptional would quietly use 100).
  @ValidateIf((dto: RetryFailedDto) => dto.limit !== undefined)
  // Bottom-up: class-validator runs the type check first and stops there (stopAtFirstError).
  @Max(500, { message: 'limit must be at most 500' })
  @Min(1, { message: 'limit must be at least 1' })
  @IsInt({ message: 'limit must be an integer' })
  limit?: number;
}
