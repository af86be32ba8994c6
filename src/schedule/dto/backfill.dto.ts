import { ApiProperty } from '@nestjs/swagger';
import { IsISO8601 } from 'class-validator';

export class BackfillDto {
  @ApiProperty({
    description: 'Start of the range (ISO 8601 with offset), inclusive',
    example: '2026-12-03T00:00:00+09:00',
  })
  @IsISO8601(
    { strict: true },
    { message: 'start must be an ISO 8601 date-time, e.g. 2026-12-03T00:00:00+09:00' },
  )
  start!: string;

  @ApiProperty({
    description: 'End of the range (ISO 8601 with offset), inclusive; not in the future',
    example: '2026-12-03T12:00:00+09:00',
  })
  @IsISO8601(
    { strict: true },
    { message: 'end must be an ISO 8601 date-time, e.g. 2026-12-03T12:00:00+09:00' },
  )
  end!: string;
}
