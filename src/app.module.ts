import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, FILE_STORE } from './app-tokens';
import type { AppConfig } from './config/app-config';
import type { FileStore } from './files/file-store';
import { ScheduleModule } from './schedule/schedule.module';
import { TemporalClientModule } from './temporal/temporal-client.module';

export interface AppModuleOptions {
  config: AppConfig;
  store: FileStore;
}

/** The API. Its host process (main.ts or start.ts) hands it the validated config and the store. */
@Global()
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [TemporalClientModule, ScheduleModule],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: FILE_STORE, useValue: options.store },
      ],
      exports: [APP_CONFIG, FILE_STORE],
    };
  }
}
