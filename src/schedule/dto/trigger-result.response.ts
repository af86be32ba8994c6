import { ApiProperty } from '@nestjs/swagger';
import type { TriggerResult } from '../../temporal/transcription-schedule';

export class TriggerResultDto implements TriggerResult {
  @ApiProperty({ description: 'False when skipped because a dispatch is still running' })
  started!: boolean;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The dispatch started now, or the running one that made this trigger skip',
  })
  workflowId!: string | null;

  @ApiProperty({ example: 'Started dispatch dispatch-2026-12-03T15:00:00Z' })
  message!: string;
}
