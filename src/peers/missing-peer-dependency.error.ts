import { DurableWorkflowError } from '../core/errors';

/**
 * A feature the application turned on needs a package it has not installed. The frameworks and
 * drivers are the application's own (peer dependencies), so the module never brings a copy of them.
 */
export class MissingPeerDependencyError extends DurableWorkflowError {
  constructor(
    readonly packages: readonly string[],
    readonly feature: string,
  ) {
    super(
      `${feature} needs ${packages.join(' and ')}, which ${packages.length > 1 ? 'are' : 'is'} not installed. Run: npm install ${packages.join(' ')}`,
    );
  }
}
