import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE, RouterModule } from '@nestjs/core';
import { APP_CONFIG, FILE_STORE } from './app-tokens';
import { ApiValidationPipe } from './common/api-validation.pipe';
import { ApiExceptionFilter } from './common/temporal-exception.filter';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import type { FileStore } from './files/file-store';
import { FilesModule } from './files/files.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RunsModule } from './runs/runs.module';
import { ScheduleModule } from './schedule/schedule.module';
import { TemporalClientModule } from './temporal/temporal-client.module';

export interface AppModuleOptions {
  /** Validated config; read from the environment when omitted. */
  config?: AppConfig;
  store: FileStore;
}

/** The API. Its host process (main.ts or start.ts) hands it the store it shares with the worker. */
@Global()
@Module({})
export class AppModule {
  static register(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        // Validation is loadConfig's: every variable checked, a ConfigError naming what to fix.
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [() => ({ app: options.config ?? loadConfig(process.env) })],
        }),
        TemporalClientModule,
        ScheduleModule,
        RunsModule,
        FilesModule,
        HealthModule,
        MetricsModule,
        // Everything under /api except the metrics, which Prometheus scrapes at /metrics by
        // convention. (A global prefix with an exclusion routes the same, but Nest's start log
        // would then claim "MetricsController {/api/metrics}".)
        RouterModule.register(
          [ScheduleModule, RunsModule, FilesModule, HealthModule].map((module) => ({
            path: 'api',
            module,
          })),
        ),
      ],
      providers: [
        {
          provide: APP_CONFIG,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => config.getOrThrow<AppConfig>('app'),
        },
        { provide: FILE_STORE, useValue: options.store },
        { provide: APP_PIPE, useValue: new ApiValidationPipe() },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
      exports: [APP_CONFIG, FILE_STORE],
    };
  }
}
