import type { FactoryProvider } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { MODULE_OPTIONS } from '../durable-workflow.constants';
import type { ResolvedModuleOptions } from '../durable-workflow.options';
import { WORKFLOW_QUEUE_NAME } from './queue.options';
import type { WorkflowBullQueue } from './workflow-job-queue';

/**
 * The BullMQ queue under @nestjs/bullmq's token, so `@InjectQueue(WORKFLOW_QUEUE_NAME)` reaches it
 * (a dashboard, metrics); null without `queue`. Made here rather than by `BullModule.registerQueue`
 * because whether there is a queue may come from `forRootAsync`'s factory, after the module was
 * declared.
 */
export const workflowQueueProvider: FactoryProvider<WorkflowBullQueue | null> & {
  provide: string;
} = {
  provide: getQueueToken(WORKFLOW_QUEUE_NAME),
  useFactory: (options: ResolvedModuleOptions) =>
    options.queue
      ? new Queue(WORKFLOW_QUEUE_NAME, {
          connection: options.queue.connection,
          prefix: options.queue.prefix,
        })
      : null,
  inject: [MODULE_OPTIONS],
};
