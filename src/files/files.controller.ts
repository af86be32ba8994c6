import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerTokenGuard } from '../auth/bearer-token.guard';
import { LimitQueryDto } from '../common/limit-query.dto';
import { RetryFailedDto } from './dto/retry-failed.dto';
import { RetryFileDto } from './dto/retry-file.dto';
import type { FailedFileView } from './failed-file-workflows';
import {
  FailedFilesService,
  type RetryFailedResult,
  type RetryResult,
} from './failed-files.service';

@ApiTags('files')
@Controller('files')
export class FilesController {
  constructor(private readonly files: FailedFilesService) {}

  @Get('failed')
  @ApiOperation({
    summary:
      'Files whose last transcription workflow failed: path, device, last error, attempts, time, Web UI link',
  })
  @ApiOkResponse({ description: 'Newest failures first' })
  failed(@Query() query: LimitQueryDto): Promise<FailedFileView[]> {
    return this.files.list(query.limit ?? 20);
  }

  @Post('retry')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Re-run one file: row back to processing, a new run of transcribe:<file_path>',
  })
  @ApiNotFoundResponse({ description: 'No row has that file_path' })
  @ApiConflictResponse({ description: 'Its workflow is running, or the row is already completed' })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  retry(@Body() body: RetryFileDto): Promise<RetryResult> {
    return this.files.retry(body.filePath);
  }

  @Post('retry-failed')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Re-run every failed file, newest failures first, at most limit' })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  retryFailed(@Body() body: RetryFailedDto): Promise<RetryFailedResult> {
    return this.files.retryFailed(body.limit ?? 100);
  }
}
