import type { StepTypeCatalog } from './definition/parse-custom-step';
import { STEP_TYPES } from './definition/definition-types';
import { StepError, StepTypeRegistrationError } from './errors';

/** What a custom step sees of the run, read only. */
export interface CustomStepContext {
  readonly executionId: string;
  readonly workflowId: string;
  readonly stepId: string;
  /** The registered name, as `type` in the document. */
  readonly stepType: string;
  /** 1 for the first attempt; after a crash or a failed attempt the step runs again. */
  readonly attempt: number;
  /** The run's input. */
  readonly input: Readonly<Record<string, unknown>>;
  /** A copy of the context variables: a step changes them only through its `output`. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** Aborted when the attempt runs out of time (the step's `timeout` or the run's): stop the work. */
  readonly signal: AbortSignal;
}

/**
 * A step type an application adds (`type: <name>` in documents). `validate` runs when a workflow
 * loads, on the step's own keys as written (references not yet resolved); `run` runs when the step
 * is reached, on those keys with references resolved, and its result goes to the step's `output`.
 * Like `call`, a step runs at least once: after a crash before its checkpoint it runs again.
 */
export interface CustomStep<TConfig = Record<string, unknown>> {
  /** The problems with a step's keys, each naming the key; [] when they are valid. */
  validate(config: Record<string, unknown>): string[];
  run(config: TConfig, context: CustomStepContext): Promise<unknown>;
}

/** The custom step types, for loading documents and for running their steps. */
export interface StepTypeResolver extends StepTypeCatalog {
  stepType(name: string): CustomStep<object>;
}

const STEP_TYPE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/;
const BUILT_IN = new Set<string>(STEP_TYPES);

/**
 * Custom step types by name; a name may not be a built-in step type. Each type's config is its own
 * shape, hence `CustomStep<object>`.
 */
export class CustomStepTypes implements StepTypeResolver {
  private readonly types: ReadonlyMap<string, CustomStep<object>>;

  constructor(
    types: Record<string, CustomStep<object>> | ReadonlyMap<string, CustomStep<object>> = {},
  ) {
    this.types = types instanceof Map ? new Map(types) : new Map(Object.entries(types));
    const problems = [...this.types].flatMap(([name, type]) => registrationProblems(name, type));
    if (problems.length) {
      throw new StepTypeRegistrationError(
        `Custom step types cannot be registered:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
  }

  get names(): string[] {
    return [...this.types.keys()];
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  problemsWith(name: string, config: Record<string, unknown>): string[] {
    try {
      const problems: unknown = this.stepType(name).validate(config);
      if (Array.isArray(problems) && problems.every((p) => typeof p === 'string')) return problems;
      return [`the ${name} step type's validate() must return a list of strings`];
    } catch (error) {
      return [`the ${name} step type's validate() threw: ${(error as Error).message}`];
    }
  }

  stepType(name: string): CustomStep<object> {
    const type = this.types.get(name);
    if (!type) {
      throw new StepError(
        `step type "${name}" is not registered in this process (registered: ${this.names.join(', ') || 'none'}); register it in every process that runs workflows`,
      );
    }
    return type;
  }
}

function registrationProblems(name: string, type: CustomStep<object>): string[] {
  if (BUILT_IN.has(name)) {
    return [`"${name}" is a built-in step type; give the custom step type another name`];
  }
  if (!STEP_TYPE_NAME.test(name)) {
    return [`"${name}" is not a step type name: letters, digits, _ and -, starting with a letter`];
  }
  const methods = ['validate', 'run'].filter(
    (method) => typeof (type as unknown as Record<string, unknown>)[method] !== 'function',
  );
  return methods.length
    ? [`"${name}" has no ${methods.join(' or ')} method: implement CustomStep`]
    : [];
}
