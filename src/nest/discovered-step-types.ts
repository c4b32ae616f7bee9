import type { CustomStep, CustomStepTypes, StepTypeResolver } from '../core/custom-step-types';
import { NotRunningError } from '../core/errors';

/**
 * The `@WorkflowStepType` providers, as the registry and the engine reach them. Like the services,
 * they are found at start, after the engine was made, and handed in then with `use`.
 */
export class DiscoveredStepTypes implements StepTypeResolver {
  private types?: CustomStepTypes;

  use(types: CustomStepTypes): void {
    this.types = types;
  }

  get names(): string[] {
    return this.found().names;
  }

  has(name: string): boolean {
    return this.found().has(name);
  }

  problemsWith(name: string, config: Record<string, unknown>): string[] {
    return this.found().problemsWith(name, config);
  }

  stepType(name: string): CustomStep<object> {
    return this.found().stepType(name);
  }

  private found(): CustomStepTypes {
    if (!this.types) {
      throw new NotRunningError(
        'Workflow step types are discovered when the application starts: call app.init() first.',
      );
    }
    return this.types;
  }
}
