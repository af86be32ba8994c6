import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiError,
  ApiErrorResponses,
  BearerProtected,
  BODY_ERRORS,
  STORE_UNAVAILABLE,
  TEMPORAL_UNAVAILABLE,
} from '../common/api-error-responses';
import { LimitQueryDto } from '../common/limit-query.dto';
import { FailedFileDto } from './dto/failed-file.response';
import { RetryFailedDto } from './dto/retry-failed.dto';
import { RetryFileDto } from './dto/retry-file.dto';
import { RetryFailedResultDto, RetryResultDto } from './dto/retry-result.response';
import type { FailedFileView } from './failed-file-workflows';
import { FailedFilesRequeue, type RetryFailedResult } from './failed-files-requeue.service';
import { FailedFilesService, type RetryResult } from './failed-files.service';

@ApiTags('files')
@ApiErrorResponses({ [ApiError.Unavailable]: `${TEMPORAL_UNAVAILABLE}; or ${STORE_UNAVAILABLE}` })
@Controller('files')
export class FilesController {
  constructor(
    private readonly files: FailedFilesService,
    private readonly requeue: FailedFilesRequeue,
  ) {}

  @Get('failed')
  @ApiOperation({
    summary:
      'Files whose last transcription workflow failed: path, device, last error, attempts, time, Web UI link',
    description:
      'Looks at the newest failed runs only (a few times limit), and leaves out files re-run since or whose row is completed by now.',
  })
  @ApiOkResponse({ type: [FailedFileDto], description: 'Newest failures first' })
  @ApiErrorResponses({ [ApiError.BadRequest]: 'limit is not an integer in 1–200' })
  failed(@Query() query: LimitQueryDto): Promise<FailedFileView[]> {
    return this.files.list(query.limit ?? 20);
  }

  @Post('retry')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({
    summary: 'Re-run one file: row back to processing, a new run of transcribe:<file_path>',
    description:
      'Starts the run at once, beside any dispatch: for one file. To re-run many, use retry-failed, which goes through a dispatch and its window.',
  })
  @ApiOkResponse({ type: RetryResultDto, description: 'The new run' })
  @ApiErrorResponses({
    ...BODY_ERRORS,
    [ApiError.BadRequest]: 'filePath missing, not a string, or not of the form files/…/audio.wav',
    [ApiError.NotFound]: 'No row has that file_path',
    [ApiError.Conflict]:
      'Its workflow is running, its row is in processing (a dispatch or another re-run has it), or it is already completed',
  })
  retry(@Body() body: RetryFileDto): Promise<RetryResult> {
    return this.files.retry(body.filePath);
  }

  @Post('retry-failed')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({
    summary:
      'Re-run the failed files (newest failures first, at most limit): rows back to pending, then a dispatch (overlap SKIP)',
    description:
      'The rows still failed go back to pending and a dispatch is triggered, so the re-runs go through its window (MAX_CONCURRENT_TRANSCRIPTIONS) instead of reaching the transcriber all at once. If a dispatch is already running it is not restarted: it takes only rows created after the point it has reached, and the others wait for the next dispatch; the message says which.',
  })
  @ApiOkResponse({
    type: RetryFailedResultDto,
    description: 'How many were put back, which dispatch takes them, and why the others were not',
  })
  @ApiErrorResponses(BODY_ERRORS)
  retryFailed(@Body() body: RetryFailedDto): Promise<RetryFailedResult> {
    return this.requeue.requeue(body.limit ?? 100);
  }
}
