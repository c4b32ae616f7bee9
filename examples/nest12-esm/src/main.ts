import 'reflect-metadata';
import { Logger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';

/** The web process: the application's API, the module's API behind its guard, OpenAPI at /docs. */
const app = await NestFactory.create(AppModule.forRole('web'), { forceCloseConnections: true });
app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
app.enableShutdownHooks();
const document = SwaggerModule.createDocument(
  app,
  new DocumentBuilder()
    .setTitle('Refunds')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
    .build(),
);
SwaggerModule.setup('docs', app, document);
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
new Logger('Refunds').log(`listening on ${await app.getUrl()}`);
