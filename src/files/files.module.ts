import { Module } from '@nestjs/common';
import { FailedFilesService } from './failed-files.service';
import { FilesController } from './files.controller';

@Module({ controllers: [FilesController], providers: [FailedFilesService] })
export class FilesModule {}
