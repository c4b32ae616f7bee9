/** `npm run start:worker`: a worker-only process (no HTTP) taking jobs from the BullMQ queue. */
import 'reflect-metadata';
import { consoleTelemetry } from './telemetry';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DemoAppModule } from './app.module';
import { demoConfig, describeSetup } from './demo-config';
import { startFailureLine } from './start-failure';
import { exitOnSignalWhileStarting } from './starting-signals';

async function main(): Promise<void> {
  const starting = exitOnSignalWhileStarting();
  // Before the application is made: the module takes its tracer and meter when it is created.
  consoleTelemetry();
  const config = { ...demoConfig(), worker: true };
  if (!config.redisUrl) {
    throw new Error(
      'A worker process takes its work from BullMQ: set REDIS_URL (and DATABASE_URL, shared with the web process). Without them, `npm start` runs everything in one process.',
    );
  }
  const app = await NestFactory.createApplicationContext(
    DemoAppModule.register(config, { http: false }),
    { abortOnError: false },
  );
  starting();
  app.enableShutdownHooks();
  new Logger('Demo').log(`Worker ready: ${describeSetup(config)}`);
}

main().catch((error: unknown) => {
  console.error(startFailureLine(error));
  process.exit(1);
});
