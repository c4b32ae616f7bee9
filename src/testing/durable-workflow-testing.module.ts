import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DurableWorkflowModule } from '../nest/durable-workflow.module';
import { InProcessRunner } from '../nest/runners/in-process-runner';
import type { WorkflowRunner } from '../nest/runners/workflow-runner';
import { WorkflowCallableExplorer } from '../nest/workflow-callable.explorer';
import { WORKFLOW_CLOCK, WORKFLOW_RUNNER } from '../nest/workflow-runtime.providers';
import { peers } from '../peers/peers';
import { WORKFLOW_MIGRATIONS } from '../storage/typeorm/migrations/index';
import type { DurableWorkflowTestingOptions } from './testing.options';
import { WorkflowTestClock } from './workflow-test-clock';

/** The testing module's own DataSource, apart from any the application's modules open. */
export const TESTING_DATA_SOURCE = 'durable_workflow_testing';

/** Connects the clock to the runner it must wait for, and puts the stand-ins in place. */
class TestingHooks {}

/**
 * The real module, engine and TypeORM store, on an in-memory SQLite database (better-sqlite3),
 * running in process on a `WorkflowTestClock`: no server, no real waiting.
 */
@Module({})
export class DurableWorkflowTestingModule {
  static forRoot(options: DurableWorkflowTestingOptions): DynamicModule {
    const { TypeOrmModule } = peers.testingStore();
    const workflowModule = DurableWorkflowModule.forRoot({
      store: { type: 'typeorm', dataSource: TESTING_DATA_SOURCE },
      workflows: options.workflows,
      // A failure in a test should show at once, not after the retries meant for outages.
      resilience: false,
    });
    const testing: Provider[] = [
      WorkflowTestClock,
      { provide: WORKFLOW_CLOCK, useExisting: WorkflowTestClock },
      {
        provide: TestingHooks,
        useFactory: (
          clock: WorkflowTestClock,
          runner: WorkflowRunner,
          explorer: WorkflowCallableExplorer,
        ) => {
          if (runner instanceof InProcessRunner) clock.settleWith(() => runner.idle());
          for (const [name, service] of Object.entries(options.callables ?? {}))
            explorer.replace(name, service);
          return new TestingHooks();
        },
        inject: [WorkflowTestClock, WORKFLOW_RUNNER, WorkflowCallableExplorer],
      },
    ];
    return {
      module: DurableWorkflowTestingModule,
      imports: [
        TypeOrmModule.forRoot({
          name: TESTING_DATA_SOURCE,
          type: 'better-sqlite3',
          database: ':memory:',
          autoLoadEntities: true,
          migrations: WORKFLOW_MIGRATIONS,
          migrationsRun: true,
        }),
        {
          ...workflowModule,
          // Later providers of a token win: the test clock replaces the system clock.
          providers: [...(workflowModule.providers ?? []), ...testing],
          exports: [...(workflowModule.exports ?? []), WorkflowTestClock],
        },
      ],
      providers: options.providers ?? [],
    };
  }
}
