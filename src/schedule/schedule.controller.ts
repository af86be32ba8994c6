import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiError,
  ApiErrorResponses,
  BearerProtected,
  BODY_ERRORS,
  TEMPORAL_UNAVAILABLE,
} from '../common/api-error-responses';
import { NoBodyPipe } from '../common/no-body.pipe';
import type { TriggerResult } from '../temporal/transcription-schedule';
import { BackfillDto } from './dto/backfill.dto';
import { BackfillResultDto } from './dto/backfill-result.response';
import { DescribeQueryDto } from './dto/describe-query.dto';
import { NoteDto } from './dto/note.dto';
import { ScheduleDetailsDto } from './dto/schedule-details.response';
import { TriggerResultDto } from './dto/trigger-result.response';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import { ScheduleService, type BackfillResult, type ScheduleDetails } from './schedule.service';

@ApiTags('schedule')
@ApiErrorResponses({ [ApiError.Unavailable]: TEMPORAL_UNAVAILABLE })
@Controller('schedule')
export class ScheduleController {
  constructor(private readonly schedules: ScheduleService) {}

  @Get()
  @ApiOperation({
    summary:
      'The schedule: paused + note, cron, zone, description (ja/en), next 10 runs, recent runs with counts, totals',
  })
  @ApiOkResponse({
    type: ScheduleDetailsDto,
    description: 'Times are ISO 8601 in the schedule time zone, with its offset',
  })
  @ApiErrorResponses({ [ApiError.BadRequest]: 'windowHours is not an integer in 1–720' })
  describe(@Query() query: DescribeQueryDto): Promise<ScheduleDetails> {
    return this.schedules.describe(query.windowHours ?? 24);
  }

  @Post('pause')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({ summary: 'Pause the schedule; the note is kept and shown' })
  @ApiOkResponse({
    type: ScheduleDetailsDto,
    description: 'The schedule, now paused, as GET /api/schedule shows it',
  })
  @ApiErrorResponses(BODY_ERRORS)
  pause(@Body() body: NoteDto): Promise<ScheduleDetails> {
    return this.schedules.pause(body.note);
  }

  @Post('resume')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({ summary: 'Resume the schedule; the note is kept and shown' })
  @ApiOkResponse({
    type: ScheduleDetailsDto,
    description: 'The schedule, now running, as GET /api/schedule shows it',
  })
  @ApiErrorResponses(BODY_ERRORS)
  resume(@Body() body: NoteDto): Promise<ScheduleDetails> {
    return this.schedules.resume(body.note);
  }

  @Post('trigger')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({
    summary: 'Start a dispatch now (overlap SKIP); answers whether it started or was skipped',
  })
  @ApiOkResponse({ type: TriggerResultDto })
  @ApiErrorResponses({
    ...BODY_ERRORS,
    [ApiError.BadRequest]: 'A body with fields: this endpoint takes none (send no body, or {})',
  })
  trigger(@Body(NoBodyPipe) _body: undefined): Promise<TriggerResult> {
    return this.schedules.trigger();
  }

  @Patch()
  @BearerProtected()
  @ApiOperation({
    summary:
      'Change the interval (everyHours: slots from 00:00) or the cron, and optionally the zone; paused state and note are kept',
  })
  @ApiOkResponse({
    type: ScheduleDetailsDto,
    description: 'The schedule with its new next runs, as GET /api/schedule shows it',
  })
  @ApiErrorResponses({
    ...BODY_ERRORS,
    [ApiError.BadRequest]:
      'Invalid cron or zone (the message names the field Temporal refused), a null or wrongly typed field, or both/neither of everyHours and cron',
  })
  update(@Body() body: UpdateScheduleDto): Promise<ScheduleDetails> {
    return this.schedules.update(body);
  }

  @Post('backfill')
  @HttpCode(200)
  @BearerProtected()
  @ApiOperation({
    summary:
      'Run the slots of a past range, start and end included, one after another (overlap BUFFER_ALL); at most BACKFILL_MAX_SLOTS',
  })
  @ApiOkResponse({ type: BackfillResultDto })
  @ApiErrorResponses({
    ...BODY_ERRORS,
    [ApiError.BadRequest]:
      'start or end not ISO 8601 with an offset, start after end, a range in the future, no slot, or too many slots',
  })
  backfill(@Body() body: BackfillDto): Promise<BackfillResult> {
    return this.schedules.backfill(body);
  }
}
