import { Module } from '@nestjs/common';
import { ScheduleModule } from '../schedule/schedule.module';
import { RunsController } from './runs.controller';

@Module({ imports: [ScheduleModule], controllers: [RunsController] })
export class RunsModule {}
