import type { ServerResponse } from 'node:http';
import { type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { adminPageDir } from './admin-page/admin-page-assets';
import { AppModule, type AppModuleOptions } from './app.module';
import { JSON_BODY_LIMIT, translateBodyErrors } from './common/request-body-error';

/** Builds the Nest app with its global prefix, OpenAPI docs and admin page, not yet listening. */
export async function createApi(
  options: AppModuleOptions,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(options), {
    logger,
  });
  // The admin page at / (index.html, admin.js, admin.css), outside the /api prefix. Its requests
  // use relative URLs, so it also works behind a reverse-proxy path prefix. no-cache: browsers
  // revalidate (ETag) and never run an old admin.js against a newer API.
  app.useStaticAssets(adminPageDir(), {
    index: 'index.html',
    setHeaders: (response: ServerResponse) => {
      response.setHeader('Cache-Control', 'no-cache');
    },
  });
  // Registered here, not by Nest at init, so that translateBodyErrors sits right behind it and
  // a body too large or not JSON gets a 413/400 that says what to send.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.use(translateBodyErrors);
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
