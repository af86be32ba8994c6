import { ApiProperty } from '@nestjs/swagger';
import type { ScheduleView } from '../../temporal/transcription-schedule';

const ISO_WITH_OFFSET = 'ISO 8601 in the schedule time zone, with its offset';

export class RecentActionDto {
  @ApiProperty({ description: `The slot it ran for (${ISO_WITH_OFFSET})` })
  scheduledAt!: string;

  @ApiProperty({ description: `When Temporal started it (${ISO_WITH_OFFSET})` })
  takenAt!: string;

  @ApiProperty({ example: 'dispatch-2026-12-03T15:00:00Z' })
  workflowId!: string;
}

/** The schedule's own state, as Temporal describes it; GET /api/schedule adds the rest. */
export class ScheduleViewDto implements ScheduleView {
  @ApiProperty({ example: 'transcription-schedule' })
  id!: string;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'Why it was paused or resumed' })
  note!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '0 */3 * * *' })
  cron!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Asia/Tokyo' })
  timezone!: string | null;

  @ApiProperty({ description: 'Overlap policy of scheduled runs', example: 'SKIP' })
  overlapPolicy!: string;

  @ApiProperty({ description: 'How late a missed slot may still run, in ms' })
  catchupWindowMs!: number;

  @ApiProperty({
    type: [String],
    description: `The next 10 run times (${ISO_WITH_OFFSET})`,
    example: ['2026-12-04T00:00:00+09:00'],
  })
  nextRuns!: string[];

  @ApiProperty({ type: [String], description: 'Dispatch workflows running now' })
  runningWorkflowIds!: string[];

  @ApiProperty({ type: () => [RecentActionDto], description: 'Runs Temporal remembers starting' })
  recentActions!: RecentActionDto[];
}
