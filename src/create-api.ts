import { type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, type AppModuleOptions } from './app.module';

/** Builds the Nest app with its global prefix and OpenAPI docs, not yet listening. */
export async function createApi(
  options: AppModuleOptions,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.register(options), { logger });
  // Prometheus scrapes /metrics by convention; everything else lives under /api.
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Scheduled transcription')
      .setDescription(
        'Controls of the Temporal schedule that transcribes pending audio files. Mutating endpoints need "Authorization: Bearer <API_TOKEN>".',
      )
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
  return app;
}
