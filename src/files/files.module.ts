import { Module } from '@nestjs/common';
import { ScheduleModule } from '../schedule/schedule.module';
import { FailedFilesRequeue } from './failed-files-requeue.service';
import { FailedFilesService } from './failed-files.service';
import { FilesController } from './files.controller';

@Module({
  imports: [ScheduleModule],
  controllers: [FilesController],
  providers: [FailedFilesService, FailedFilesRequeue],
})
export class FilesModule {}
