/** `npm start`: the demo's web process (and, without REDIS_URL or with WORKER unset, its runner). */
import 'reflect-metadata';
import { consoleTelemetry } from './telemetry';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ApiKeyGuard } from './api-key.guard';
import { DemoAppModule } from './app.module';
import { demoConfig, describeSetup } from './demo-config';
import { startFailureLine } from './start-failure';
import { exitOnSignalWhileStarting } from './starting-signals';

async function main(): Promise<void> {
  const starting = exitOnSignalWhileStarting();
  // Before the application is made: the module takes its tracer and meter when it is created.
  consoleTelemetry();
  const config = demoConfig();
  // Open event streams (a dashboard tab) must not keep a stopping server waiting.
  const app = await NestFactory.create(DemoAppModule.register(config, { http: true }), {
    forceCloseConnections: true,
    // A failed start reaches main()'s catch, which says what to check, instead of aborting.
    abortOnError: false,
  });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Durable workflows')
      .setDescription('Start, follow and answer workflow executions.')
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .addSecurityRequirements('api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
  // The module connects and boots in listen(): only then do Nest's shutdown hooks take over.
  await app.listen(config.port, config.host);
  starting();
  const base = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  const key = ApiKeyGuard.key;
  process.stdout.write(
    [
      '',
      `Durable workflow demo: ${describeSetup(config)}`,
      `  dashboard  ${base}/signin?key=${key}`,
      `  API        ${base}/workflows   (header x-api-key: ${key})`,
      `  OpenAPI    ${base}/docs`,
      `  health     ${base}/health`,
      `  try        curl -X POST -H 'x-api-key: ${key}' -H 'content-type: application/json' \\`,
      `               -d '{"input":{"requester":"ana","amount":2500,"purpose":"laptop"}}' \\`,
      `               ${base}/workflows/expense_approval/executions`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(startFailureLine(error));
  process.exit(1);
});
