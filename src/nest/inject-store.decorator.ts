import { Inject } from '@nestjs/common';
import { STORE } from './durable-workflow.constants';

/** Injects the workflow store (`WorkflowStore`). */
export const InjectStore = (): ParameterDecorator & PropertyDecorator => Inject(STORE);
