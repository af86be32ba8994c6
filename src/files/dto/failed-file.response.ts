import { ApiProperty } from '@nestjs/swagger';
import type { FailedFileView } from '../failed-file-workflows';

export class FailedFileDto implements FailedFileView {
  @ApiProperty({ example: 'files/d-7f3a21c9/2026-12-03/09-30/audio.wav' })
  filePath!: string;

  @ApiProperty({ type: String, nullable: true, example: 'd-7f3a21c9' })
  deviceId!: string | null;

  @ApiProperty({ description: 'Why the last attempt failed, as the workflow recorded it' })
  lastError!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Attempts the last run made' })
  attempts!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When it failed (ISO 8601 in the schedule zone, with its offset)',
  })
  failedAt!: string | null;

  @ApiProperty({ example: 'transcribe:files/d-7f3a21c9/2026-12-03/09-30/audio.wav' })
  workflowId!: string;

  @ApiProperty()
  runId!: string;

  @ApiProperty({ description: 'The failed run in the Temporal Web UI' })
  link!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'failed',
    description:
      "The row's transcriptions_status now: failed, or pending / processing once it was put back in the queue and its new run has not started yet (null: no such row)",
  })
  rowStatus!: string | null;
}
