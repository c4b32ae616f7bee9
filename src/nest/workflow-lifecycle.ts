import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NotRunningError } from '../core/errors';
import type { WorkflowRegistry } from '../core/registry';
import { DiscoveredServices } from './discovered-services';
import { DiscoveredStepTypes } from './discovered-step-types';
import { MODULE_OPTIONS } from './durable-workflow.constants';
import type { ResolvedModuleOptions } from './durable-workflow.options';
import { WorkflowEvents } from './events/workflow-events';
import { ExecutionFeed } from './execution-feed';
import { OwnedResources } from './owned-resources';
import type { WorkflowRunner } from './runners/workflow-runner';
import { SharedRemoteChanges } from './shared-remote-changes';
import { WorkflowCallableExplorer } from './workflow-callable.explorer';
import { WorkflowStepTypeExplorer } from './workflow-step-type.explorer';
import { WORKFLOW_REGISTRY, WORKFLOW_RUNNER } from './workflow-runtime.providers';

/**
 * The module's start and stop, in one place. At start: the `@WorkflowCallable` services and the
 * `@WorkflowStepType` step types are discovered, the workflows loaded and checked against them (a workflow naming an unknown service
 * or method stops the start), and the runner picks up what a previous process left. At stop, in
 * order: live streams end, the runner stops taking work and lets what is in flight checkpoint, then
 * what the module opened (the queue, a store's own connection) is closed.
 */
@Injectable()
export class WorkflowLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private started = false;

  constructor(
    @Inject(MODULE_OPTIONS) private readonly options: ResolvedModuleOptions,
    @Inject(WORKFLOW_REGISTRY) private readonly registry: WorkflowRegistry,
    @Inject(WORKFLOW_RUNNER) private readonly runner: WorkflowRunner,
    private readonly services: DiscoveredServices,
    private readonly explorer: WorkflowCallableExplorer,
    private readonly feed: ExecutionFeed,
    private readonly remoteChanges: SharedRemoteChanges,
    private readonly owned: OwnedResources,
    private readonly stepTypes: DiscoveredStepTypes,
    private readonly stepTypeExplorer: WorkflowStepTypeExplorer,
    private readonly events: WorkflowEvents,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.services.use(this.explorer.explore());
    this.stepTypes.use(this.stepTypeExplorer.explore());
    this.registry.registerAll(this.options.workflows);
    this.events.check(this.registry);
    this.started = true;
    // Listening first: executions the runner takes up at boot may halt at event steps at once.
    this.events.start();
    await this.runner.boot();
  }

  /** Refuses work before the application started. */
  assertStarted(): void {
    if (!this.started) {
      throw new NotRunningError(
        'WorkflowService is used before the application started: call app.init() (or app.listen()) first.',
      );
    }
  }

  /** Ends the live streams before the HTTP server closes, so their connections don't hold it open. */
  beforeApplicationShutdown(): void {
    this.feed.close();
    this.remoteChanges.close();
  }

  /** Stores close nothing earlier (no onModuleDestroy), so the drain can still write. */
  async onApplicationShutdown(): Promise<void> {
    this.events.stop();
    try {
      await this.runner.stop(this.options.shutdownGraceMs);
    } finally {
      await this.owned.closeAll();
    }
  }
}
