import { ApiProperty } from '@nestjs/swagger';
import { TriggerResultDto } from '../../schedule/dto/trigger-result.response';
import type { RequeueSkip, RetryFailedResult } from '../failed-files-requeue.service';
import type { RetryResult } from '../failed-files.service';

export class RetryResultDto implements RetryResult {
  @ApiProperty()
  filePath!: string;

  @ApiProperty({ description: 'transcribe:<file_path>' })
  workflowId!: string;

  @ApiProperty({ description: 'The new run' })
  runId!: string;

  @ApiProperty({ description: 'The new run in the Temporal Web UI' })
  link!: string;
}

export class SkippedRetryDto implements RequeueSkip {
  @ApiProperty()
  filePath!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The row's status now (null: no such row any more)",
    example: 'processing',
  })
  status!: string | null;

  @ApiProperty({ description: 'Why it was not put back (only rows still failed are)' })
  reason!: string;
}

export class RetryFailedResultDto implements RetryFailedResult {
  @ApiProperty({ description: 'Failed rows put back to pending, for a dispatch to take' })
  requeued!: number;

  @ApiProperty({ type: [String], description: 'Their file paths' })
  filePaths!: string[];

  @ApiProperty({
    description: 'The same as requeued (its earlier name, kept for existing clients)',
    deprecated: true,
  })
  retried!: number;

  @ApiProperty({ type: () => [SkippedRetryDto] })
  skipped!: SkippedRetryDto[];

  @ApiProperty({
    type: () => TriggerResultDto,
    nullable: true,
    description:
      'The dispatch triggered to take them (overlap SKIP): started, or skipped because one is running; null when nothing was put back',
  })
  dispatch!: TriggerResultDto | null;

  @ApiProperty({
    description:
      'What happens to them now: which dispatch takes them, or that they wait for the next one',
  })
  message!: string;
}
