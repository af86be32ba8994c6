import { ApiProperty } from '@nestjs/swagger';
import type { BackfillResult } from '../schedule.service';

export class BackfillResultDto implements BackfillResult {
  @ApiProperty({
    type: [String],
    description: 'The slots that will run (ISO 8601 in the schedule zone, with its offset)',
    example: ['2026-12-02T03:00:00+09:00', '2026-12-02T06:00:00+09:00'],
  })
  slots!: string[];

  @ApiProperty({ enum: ['BUFFER_ALL'], description: 'They run one after another' })
  overlapPolicy!: 'BUFFER_ALL';

  @ApiProperty()
  message!: string;
}
