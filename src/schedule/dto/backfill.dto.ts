import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601, Matches } from 'class-validator';

// A date-time without an offset would be read in the server's zone, which is rarely the
// schedule's: the offset (or Z) must be written out.
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

function offsetMessage(field: string, example: string): string {
  return `${field} must be a date-time with a zone offset or Z, e.g. ${example}; without one it would be read in the server's time zone (add e.g. +09:00)`;
}

export class BackfillDto {
  @ApiProperty({
    description: 'Start of the range (ISO 8601 with offset or Z), inclusive',
    example: '2026-12-03T00:00:00+09:00',
  })
  // Bottom-up: class-validator runs the ISO 8601 check first and stops there (stopAtFirstError).
  @Matches(WITH_OFFSET, { message: offsetMessage('start', '2026-12-03T00:00:00+09:00') })
  @IsISO8601(
    { strict: true },
    { message: 'start must be an ISO 8601 date-time, e.g. 2026-12-03T00:00:00+09:00' },
  )
  start!: string;

  @ApiProperty({
    description: 'End of the range (ISO 8601 with offset or Z), inclusive; not in the future',
    example: '2026-12-03T12:00:00+09:00',
  })
  @Matches(WITH_OFFSET, { message: offsetMessage('end', '2026-12-03T12:00:00+09:00') })
  @IsISO8601(
    { strict: true },
    { message: 'end must be an ISO 8601 date-time, e.g. 2026-12-03T12:00:00+09:00' },
  )
  end!: string;
}
