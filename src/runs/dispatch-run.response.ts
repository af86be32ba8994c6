import { ApiProperty } from '@nestjs/swagger';
import type { DispatchResult, SkippedRow } from '../../workflows/dispatch-pending-files';
import type { DispatchRunView } from './dispatch-runs';

export class SkippedRowDto implements SkippedRow {
  @ApiProperty({ type: String, nullable: true })
  filePath!: string | null;

  @ApiProperty()
  reason!: string;
}

/** A dispatch's own result, summed over its continue-as-new chain. */
export class DispatchResultDto implements DispatchResult {
  @ApiProperty({ description: 'Pending rows read from the store' })
  found!: number;

  @ApiProperty({ description: 'File workflows this dispatch started' })
  started!: number;

  @ApiProperty({ description: 'Files whose workflow was already running: reported, not restarted' })
  alreadyRunning!: number;

  @ApiProperty({ description: 'Rows stuck in processing with no workflow, put back to pending' })
  released!: number;

  @ApiProperty({ description: 'Started file workflows that completed' })
  succeeded!: number;

  @ApiProperty({ description: 'Started file workflows that ended failed' })
  failed!: number;

  @ApiProperty({ description: 'Rows with an empty or malformed file_path' })
  invalid!: number;

  @ApiProperty({ description: 'Rows whose file_path appeared twice in this dispatch' })
  duplicates!: number;

  @ApiProperty({ description: 'Workflow runs in the chain (1 without continue-as-new)' })
  runs!: number;

  @ApiProperty({ description: 'True when MAX_FILES_PER_RUN stopped it with files still pending' })
  capReached!: boolean;

  @ApiProperty({ type: () => [SkippedRowDto] })
  skippedRows!: SkippedRowDto[];
}

export class DispatchRunDto implements DispatchRunView {
  @ApiProperty({ example: 'dispatch-2026-12-03T15:00:00Z' })
  workflowId!: string;

  @ApiProperty()
  runId!: string;

  @ApiProperty({
    enum: ['RUNNING', 'COMPLETED', 'FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'],
  })
  status!: string;

  @ApiProperty({
    enum: ['schedule', 'direct'],
    description:
      'By the schedule (on time, triggered or backfilled: Temporal records the three alike, with TemporalScheduledById) or started directly',
  })
  startedBy!: 'schedule' | 'direct';

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The slot it ran for (schedule runs; ISO 8601 with offset)',
  })
  scheduledAt!: string | null;

  @ApiProperty({ description: 'ISO 8601 in the schedule zone, with its offset' })
  startedAt!: string;

  @ApiProperty({ type: String, nullable: true })
  closedAt!: string | null;

  @ApiProperty({
    type: () => DispatchResultDto,
    nullable: true,
    description: "The dispatch workflow's result, once it completed",
  })
  counts!: DispatchResultDto | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it failed, if it did' })
  error!: string | null;

  @ApiProperty({ description: 'The run in the Temporal Web UI' })
  link!: string;
}
