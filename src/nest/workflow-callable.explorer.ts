import { Injectable } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { WorkflowValidationError } from '../core/errors';
import { ServiceRegistry } from '../core/services';
import { WORKFLOW_CALLABLE, WORKFLOW_CALLABLE_METHODS } from './durable-workflow.constants';

/** Finds the providers decorated `@WorkflowCallable(name)` in every module of the application. */
@Injectable()
export class WorkflowCallableExplorer {
  /** Services that stand in for the discovered ones of the same name (the testing module's fakes). */
  private readonly replacements = new Map<string, object>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  /** Makes `service` the one `call` steps reach as `name`, whether or not a provider has that name. */
  replace(name: string, service: object): void {
    this.replacements.set(name, service);
  }

  explore(): ServiceRegistry {
    const services = new Map<string, object>(this.replacements);
    const methods: Record<string, readonly string[]> = {};
    const duplicates: string[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const name = this.reflector.get<string | undefined>(WORKFLOW_CALLABLE, metatype);
      if (!name || this.replacements.has(name)) continue;
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
