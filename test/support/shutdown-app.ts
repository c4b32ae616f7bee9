/**
 * An application stopped with SIGTERM while a step runs: `shutdown-app.ts '<ShutdownAppConfig>'`.
 * It starts one `doze` execution, prints `started <id>` once the step is under way, and ends only
 * through its shutdown hooks.
 */
import 'reflect-metadata';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { setTimeout as delay } from 'node:timers/promises';
import { DurableWorkflowModule, WorkflowCallable, WorkflowService } from '../../src';
import { REDIS_URL } from './env';
import { appTypeorm } from './typeorm-app';

export type ShutdownAppConfig =
  | { store: 'postgres'; schema: string }
  | { store: 'sqlite'; sqliteFile: string }
  | { store: 'redis'; prefix: string };

@WorkflowCallable('sleeper')
@Injectable()
class Sleeper {
  async doze(): Promise<{ dozed: true }> {
    process.stdout.write('dozing\n');
    await delay(1500);
    return { dozed: true };
  }
}

@Module({ providers: [Sleeper] })
class SleeperModule {}

const DOZE = {
  id: 'doze',
  name: 'One slow step',
  steps: [
    {
      id: 'doze',
      type: 'call',
      service: 'sleeper',
      method: 'doze',
      output: 'slept',
      next: 'after',
    },
    { id: 'after', type: 'assign', set: { after: true } },
  ],
};

function imports(config: ShutdownAppConfig): DynamicModule[] {
  const common = { workflows: [DOZE], shutdownGraceMs: 10_000 };
  const app = SleeperModule as unknown as DynamicModule;
  if (config.store === 'redis') {
    return [
      app,
      DurableWorkflowModule.forRoot({
        ...common,
        store: { type: 'redis', url: REDIS_URL, prefix: config.prefix },
      }),
    ];
  }
  const where = config.store === 'sqlite' ? { sqliteFile: config.sqliteFile } : config;
  return [
    app,
    appTypeorm(where),
    DurableWorkflowModule.forRoot({ ...common, store: { type: 'typeorm' } }),
  ];
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as ShutdownAppConfig;
  const ref = await Test.createTestingModule({ imports: imports(config) }).compile();
  ref.enableShutdownHooks();
  await ref.init();
  const started = await ref.get(WorkflowService).start('doze');
  process.stdout.write(`started ${started.id}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
