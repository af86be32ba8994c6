import { Module } from '@nestjs/common';
import { LiveTimezone } from './live-timezone.service';
import { ScheduleController } from './schedule.controller';
import { ScheduleService } from './schedule.service';

@Module({
  controllers: [ScheduleController],
  providers: [ScheduleService, LiveTimezone],
  // Runs and failed files write their times in the schedule's live zone too.
  exports: [LiveTimezone],
})
export class ScheduleModule {}
