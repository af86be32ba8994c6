import type { ServerResponse } from 'node:http';
import { type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { adminPageDir } from './admin-page/admin-page-assets';
import { AppModule, type AppModuleOptions } from './app.module';
import { refuseNonJsonBodies } from './common/json-only-bodies';
import { JSON_BODY_LIMIT, translateBodyErrors, verifyUtf8 } from './common/request-body-error';

/** Builds the Nest app with its /api routes, OpenAPI docs and admin page, not yet listening. */
export async function createApi(
  options: AppModuleOptions,
  logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error'],
): Promise<INestApplication> {
  // bodyParser off: Nest would add a form (urlencoded) parser too, and this API reads JSON only.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(options), {
    logger,
    bodyParser: false,
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
  // A body that is not JSON gets a 415 first; the JSON parser would skip it unread.
  app.use(refuseNonJsonBodies);
  // Registered here, not by Nest at init, so that translateBodyErrors sits right behind it and
  // a body too large, not JSON or not decodable gets a 4xx that says what to send.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, verify: verifyUtf8 });
  app.use(translateBodyErrors);
  // The /api prefix comes from AppModule's routes (RouterModule), not a global prefix: /metrics
  // stays outside it, and the route log says so.
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
