import { Module } from '@nestjs/common';
import { ScheduleModule } from '../schedule/schedule.module';
import { FailedFilesService } from './failed-files.service';
import { FilesController } from './files.controller';

@Module({
  imports: [ScheduleModule],
  controllers: [FilesController],
  providers: [FailedFilesService],
})
export class FilesModule {}
