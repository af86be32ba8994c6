import { Body, Controller, Get, HttpCode, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerTokenGuard } from '../auth/bearer-token.guard';
import type { ScheduleView, TriggerResult } from '../temporal/transcription-schedule';
import { BackfillDto } from './dto/backfill.dto';
import { DescribeQueryDto } from './dto/describe-query.dto';
import { NoteDto } from './dto/note.dto';
import { UpdateScheduleDto } from './dto/update-schedule.dto';
import { ScheduleService, type BackfillResult, type ScheduleDetails } from './schedule.service';

@ApiTags('schedule')
@Controller('schedule')
export class ScheduleController {
  constructor(private readonly schedules: ScheduleService) {}

  @Get()
  @ApiOperation({
    summary:
      'The schedule: paused + note, cron, zone, description (ja/en), next 10 runs, recent runs with counts, totals',
  })
  @ApiOkResponse({ description: 'Times are ISO 8601 in the schedule time zone, with its offset' })
  describe(@Query() query: DescribeQueryDto): Promise<ScheduleDetails> {
    return this.schedules.describe(query.windowHours ?? 24);
  }

  @Post('pause')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Pause the schedule; the note is kept and shown' })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  pause(@Body() body: NoteDto): Promise<ScheduleView> {
    return this.schedules.pause(body.note);
  }

  @Post('resume')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Resume the schedule; the note is kept and shown' })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  resume(@Body() body: NoteDto): Promise<ScheduleView> {
    return this.schedules.resume(body.note);
  }

  @Post('trigger')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Start a dispatch now (overlap SKIP); answers whether it started or was skipped',
  })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  trigger(): Promise<TriggerResult> {
    return this.schedules.trigger();
  }

  @Patch()
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Change the interval (everyHours: slots from 00:00) or the cron, and optionally the zone; paused state and note are kept',
  })
  @ApiBadRequestResponse({
    description: 'Invalid cron or zone, or both/neither of everyHours and cron',
  })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  update(@Body() body: UpdateScheduleDto): Promise<ScheduleView> {
    return this.schedules.update(body);
  }

  @Post('backfill')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Run the slots of a past range, one after another (overlap BUFFER_ALL); at most BACKFILL_MAX_SLOTS',
  })
  @ApiBadRequestResponse({
    description: 'start after end, a range in the future, no slot, or too many slots',
  })
  @ApiUnauthorizedResponse({ description: 'Missing or wrong bearer token' })
  backfill(@Body() body: BackfillDto): Promise<BackfillResult> {
    return this.schedules.backfill(body);
  }
}
