import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { WorkflowValidationError } from '../core/errors';
import { ServiceRegistry } from '../core/services';
import { WORKFLOW_CALLABLE, WORKFLOW_CALLABLE_METHODS } from './durable-workflow.constants';

/** Finds the providers decorated `@WorkflowCallable(name)` in every module of the application. */
@Injectable()
export class WorkflowCallableExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  explore(): ServiceRegistry {
    const services = new Map<string, object>();
    const methods: Record<string, readonly string[]> = {};
    const duplicates: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const name = this.reflector.get<string | undefined>(WORKFLOW_CALLABLE, metatype);
      if (!name) continue;
      if (services.has(name) && services.get(name) !== instance) {
        duplicates.push(
          `@WorkflowCallable('${name}') is on more than one provider (${metatype.name} and another)`,
        );
      }
      services.set(name, instance as object);
      const listed = this.reflector.get<readonly string[] | undefined>(
        WORKFLOW_CALLABLE_METHODS,
        metatype,
      );
      if (listed) methods[name] = listed;
    }
    const registry = new ServiceRegistry(services, { methods });
    const problems = [...duplicates, ...registry.listProblems()];
    if (problems.length) throw new WorkflowValidationError('Workflow services', problems);
    return registry;
  }
}
