import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { CustomStepTypes, type CustomStep } from '../core/custom-step-types';
import { StepTypeRegistrationError } from '../core/errors';
import { WORKFLOW_STEP_TYPE } from './durable-workflow.constants';

/** Finds the providers decorated `@WorkflowStepType(name)` in every module of the application. */
@Injectable()
export class WorkflowStepTypeExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  explore(): CustomStepTypes {
    const types = new Map<string, { step: CustomStep<object>; className: string }>();
    const duplicates: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const name = this.reflector.get<string | undefined>(WORKFLOW_STEP_TYPE, metatype);
      if (!name) continue;
      const found = types.get(name);
      if (found && found.step !== instance) {
        duplicates.push(
          `@WorkflowStepType('${name}') is on more than one provider (${found.className} and ${metatype.name}); give each step type its own name`,
        );
        continue;
      }
      types.set(name, { step: instance as CustomStep<object>, className: metatype.name });
    }
    if (duplicates.length) {
      throw new StepTypeRegistrationError(
        `Custom step types cannot be registered:\n${duplicates.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
    return new CustomStepTypes(new Map([...types].map(([name, { step }]) => [name, step])));
  }
}
