import { Module } from '@nestjs/common';
import { DispatchTrigger } from './dispatch-trigger.service';
import { LiveTimezone } from './live-timezone.service';
import { ScheduleController } from './schedule.controller';
import { ScheduleService } from './schedule.service';

@Module({
  controllers: [ScheduleController],
  providers: [ScheduleService, LiveTimezone, DispatchTrigger],
  // Runs and failed files write their times in the schedule's live zone too; the re-run of
  // failed files triggers dispatches in the same queue as POST /api/schedule/trigger.
  exports: [LiveTimezone, DispatchTrigger],
})
export class ScheduleModule {}
