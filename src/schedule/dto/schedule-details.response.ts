import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DispatchRunDto } from '../../runs/dispatch-run.response';
import type { CronDescription } from '../cron-description';
import type { FileTotals, ScheduleDetails } from '../schedule.service';
import { ScheduleViewDto } from './schedule-view.response';

export class CronDescriptionDto implements CronDescription {
  @ApiProperty({ example: 'every 3 hours from 00:00 JST' })
  en!: string;

  @ApiProperty({ example: '0時起点で3時間ごと（JST）' })
  ja!: string;
}

export class FileTotalsDto implements FileTotals {
  @ApiProperty({ description: 'What the numbers count, in English' })
  window!: string;

  @ApiProperty({ description: 'What the numbers count, in Japanese' })
  windowJa!: string;

  @ApiProperty({ description: 'Start of the window (ISO 8601 with offset)' })
  since!: string;

  @ApiProperty({ description: 'transcribeFile runs that completed in the window' })
  succeeded!: number;

  @ApiProperty({ description: 'transcribeFile runs that failed or timed out in the window' })
  failed!: number;
}

/** GET /api/schedule: the state plus what operators need to judge it. */
export class ScheduleDetailsDto extends ScheduleViewDto implements ScheduleDetails {
  @ApiProperty({ type: () => CronDescriptionDto })
  description!: CronDescriptionDto;

  @ApiProperty({ description: 'transcribeFile workflows running now (dispatches and re-runs)' })
  runningFileWorkflows!: number;

  @ApiProperty({
    type: () => [DispatchRunDto],
    description: 'The latest dispatch runs of this schedule, newest first, with their counts',
  })
  recentRuns!: DispatchRunDto[];

  @ApiProperty({ type: () => FileTotalsDto })
  totals!: FileTotalsDto;

  @ApiProperty({ enum: ['demo', 'supabase'] })
  mode!: 'demo' | 'supabase';

  @ApiPropertyOptional({ description: 'Present in demo mode only' })
  demoNotice?: string;
}
