import type { Provider } from '@nestjs/common';
import type { WorkflowSource } from '../core/definition/load-workflow';

export interface DurableWorkflowTestingOptions {
  /** The workflows under test: objects, YAML text or YAML file paths. */
  workflows: WorkflowSource[];
  /**
   * Providers of the test: the `@WorkflowCallable` services the workflows call, and what those
   * need. @defaultValue []
   */
  providers?: Provider[];
  /**
   * Stand-ins for services by the name `call` steps use (`{ ledger: fakeLedger }`): a step reaches
   * the stand-in, never a provider of that name. Any object with the called methods will do.
   * @defaultValue {}
   */
  callables?: Record<string, object>;
}
