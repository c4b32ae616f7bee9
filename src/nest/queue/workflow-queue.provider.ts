import type { FactoryProvider, Provider } from '@nestjs/common';
import { peers } from '../../peers/peers';
import { MODULE_OPTIONS, WORKFLOW_QUEUE } from '../durable-workflow.constants';
import type { ResolvedModuleOptions } from '../durable-workflow.options';
import { OwnedResources } from '../owned-resources';
import { watchOutages } from './queue-outages';
import { WORKFLOW_QUEUE_NAME } from './queue.options';
import type { WorkflowBullQueue } from './workflow-job-queue';

/**
 * The BullMQ queue (null without `queue`). Made here rather than by `BullModule.registerQueue`
 * because whether there is a queue may come from `forRootAsync`'s factory, after the module was
 * declared.
 */
export const workflowQueueProvider: FactoryProvider<WorkflowBullQueue | null> = {
  provide: WORKFLOW_QUEUE,
  useFactory: (options: ResolvedModuleOptions, owned: OwnedResources) => {
    if (!options.queue) return null;
    const queue: WorkflowBullQueue = new (peers.bullmq().Queue)(WORKFLOW_QUEUE_NAME, {
      connection: options.queue.connection,
      prefix: options.queue.prefix,
    });
    watchOutages(queue, 'The BullMQ queue');
    return owned.own(queue);
  },
  inject: [MODULE_OPTIONS, OwnedResources],
};

/**
 * The same queue under @nestjs/bullmq's token, so `@InjectQueue(WORKFLOW_QUEUE_NAME)` reaches it,
 * when the application installed @nestjs/bullmq; none otherwise.
 */
export function injectableQueueAliases(): Provider[] {
  const nestBullMq = peers.nestBullMq();
  return nestBullMq
    ? [{ provide: nestBullMq.getQueueToken(WORKFLOW_QUEUE_NAME), useExisting: WORKFLOW_QUEUE }]
    : [];
}
