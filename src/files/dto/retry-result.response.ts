import { ApiProperty } from '@nestjs/swagger';
import type { RetryFailedResult, RetryResult } from '../failed-files.service';

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

export class SkippedRetryDto {
  @ApiProperty()
  filePath!: string;

  @ApiProperty({ description: 'Why it was not re-run (e.g. running, completed, unknown)' })
  reason!: string;
}

export class RetryFailedResultDto implements RetryFailedResult {
  @ApiProperty({ description: 'How many files were re-run' })
  retried!: number;

  @ApiProperty({ type: () => [RetryResultDto] })
  files!: RetryResultDto[];

  @ApiProperty({ type: () => [SkippedRetryDto] })
  skipped!: SkippedRetryDto[];
}
