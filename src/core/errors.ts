/** Base of every error this library throws, so applications can catch them as one family. */
export abstract class DurableWorkflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A definition or an input is invalid; `problems` lists every one of them. */
export class WorkflowValidationError extends DurableWorkflowError {
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`${subject} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export class WorkflowNotFoundError extends DurableWorkflowError {
  constructor(
    readonly workflowId: string,
    readonly version?: string,
    readonly registeredVersions: readonly string[] = [],
  ) {
    super(
      version === undefined
        ? `No workflow "${workflowId}" is registered. Add it to the module's \`workflows\` option.`
        : `Workflow "${workflowId}" version "${version}" is not registered (registered: ${registeredVersions.join(', ') || 'none'}). Executions resume on the version they started on: keep version "${version}" registered until they finish.`,
    );
  }
}

/**
 * A queue job names an execution this worker's store does not hold. Either it was deleted while
 * the job waited, or this worker uses another store than the process that queued it.
 */
export class ExecutionMissingForJobError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly jobName: string,
    readonly storeDescription: string,
  ) {
    super(
      `A ${jobName} job names execution "${executionId}", which is not in this worker's store (${storeDescription}). If it was not deleted, this worker uses another store than the process that queued the job: give every process the same store settings (DATABASE_URL, the store option). The job fails and is tried again.`,
    );
  }
}

export class ExecutionNotFoundError extends DurableWorkflowError {
  constructor(readonly executionId: string) {
    super(
      `No execution "${executionId}" exists in the store (it may have been deleted or expired).`,
    );
  }
}

/** The operation does not fit the execution's current status. */
export class ExecutionStateError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly status: string,
    readonly operation: string,
    readonly expected: readonly string[],
  ) {
    super(
      `Cannot ${operation} execution "${executionId}": it is ${status}, and ${operation} needs ${expected.join(' or ')}.`,
    );
  }
}

/** The whole-run `timeout` of a workflow expired. */
export class WorkflowTimeoutError extends DurableWorkflowError {
  constructor(
    readonly workflowId: string,
    readonly timeoutSeconds: number,
  ) {
    super(`Workflow "${workflowId}" exceeded its timeout of ${timeoutSeconds} s.`);
  }
}

/** A step failed; the message names the step, the cause is the original error. */
export class StepFailedError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Step "${stepId}" failed: ${message}`, options);
  }
}

/** `WorkflowService.wait` gave up before the execution reached a resting state. */
export class WaitTimeoutError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly timeoutMs: number,
    readonly status: string,
  ) {
    super(
      `Execution "${executionId}" was still ${status} after waiting ${timeoutMs} ms. It goes on; wait again or look it up later.`,
    );
  }
}

/**
 * An execution's worker stopped (crash, kill, lost lease) before the step in flight reached a
 * checkpoint, more often than the recovery limit allows: it is failed instead of looping forever.
 */
export class RecoveryLimitError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly stepId: string | null,
    readonly recoveries: number,
  ) {
    super(
      `Execution "${executionId}" was taken over ${recoveries} time${recoveries === 1 ? '' : 's'} at step "${stepId ?? 'start'}" after its worker stopped without a checkpoint; it is failed so it does not loop forever. Fix what kills the step, then start it again.`,
    );
  }
}

/**
 * A `matches` condition was given a longer text than patterns are tested against: the step fails
 * rather than spend time proportional to whatever size of text an input or a service returned.
 */
export class PatternInputTooLongError extends DurableWorkflowError {
  constructor(
    readonly field: string,
    readonly length: number,
    readonly limit: number,
  ) {
    super(
      `"matches" on ${field}: the text has ${length} characters, more than the ${limit} a pattern is tested against. Check or trim its length before the condition (in a call step, for example).`,
    );
  }
}

/**
 * A step could not do its work with what the workflow gave it (a router no route matched, a list that
 * is not a list, a time that is not a time). The message names what to change in the definition or
 * its input. Workflows see it as `StepError` in `_last_error.name`.
 */
export class StepError extends DurableWorkflowError {}

/** A `matches` pattern that a reference supplied cannot be used; the step fails with this. */
export class InvalidPatternError extends DurableWorkflowError {
  constructor(
    readonly field: string,
    readonly pattern: unknown,
    reason: string,
  ) {
    const shown =
      typeof pattern === 'string' ? JSON.stringify(pattern.slice(0, 100)) : String(pattern);
    super(
      `"matches" on ${field}: the pattern ${shown} cannot be used: ${reason}. Fix the value the condition's reference points to.`,
    );
  }
}

/** A `workflow` step's child did not finish within the step's `timeout`; the child was cancelled. */
export class SubWorkflowTimeoutError extends DurableWorkflowError {
  constructor(
    readonly workflowId: string,
    readonly childExecutionId: string,
    readonly timeoutSeconds: number,
  ) {
    super(
      `workflow "${workflowId}" (execution ${childExecutionId}) did not finish within ${timeoutSeconds} s, so it was cancelled. Raise the step's "timeout" or handle the failure with "on_error".`,
    );
  }
}

/** A `call` step's service did not answer within the step's `timeout` or the run's. */
export class CallTimeoutError extends DurableWorkflowError {
  constructor(
    readonly service: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(`${service}.${method} did not answer within ${timeoutMs} ms`);
  }
}

/** A loop ran `max` iterations and has no `on_exhausted` step to go to: raise `max` or add one. */
export class LoopExhaustedError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    readonly max: number,
  ) {
    super(`loop "${stepId}" reached its maximum of ${max} iterations and has no on_exhausted step`);
  }
}

/** A transform op met a value it cannot work on; the message names the op and the value. */
export class TransformError extends DurableWorkflowError {}

/** An approval was answered `approved: false` and the step has no `on_reject` to go to. */
export class ApprovalRejectedError extends DurableWorkflowError {
  constructor(readonly stepId: string) {
    super('the approval was rejected');
  }
}

/** An approval's `timeout` passed unanswered and the step has no `on_timeout` to go to. */
export class ApprovalExpiredError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    readonly timeoutSeconds: number | undefined,
  ) {
    super(`the approval expired after ${timeoutSeconds} s`);
  }
}

/** Work was asked of the library before the application started or after it began to stop. */
export class NotRunningError extends DurableWorkflowError {}

/**
 * Following an execution's `runtime.parent` links did not reach a root: they form a cycle, or
 * sub-workflows are nested deeper than supported.
 */
export class ParentChainError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly maxDepth: number,
  ) {
    super(
      `Execution ${executionId} has more than ${maxDepth} levels of parents: its runtime.parent links form a cycle, or sub-workflows are nested deeper than ${maxDepth} levels, which is not supported.`,
    );
  }
}

/** The store given lacks methods a feature needs; the message names the feature and the methods. */
export class StoreCapabilityError extends DurableWorkflowError {
  constructor(
    readonly feature: string,
    readonly methods: readonly string[],
  ) {
    super(
      `${feature} needs a store with ${methods.join(', ')} (every store of this package has them); the store given lacks ${methods.length === 1 ? 'it' : 'some of them'}. Use one of this package's stores, or implement DurableWorkflowStore.`,
    );
  }
}

/** A module option has a value it cannot work with; the message says which values it takes. */
export class InvalidOptionError extends DurableWorkflowError {
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}

/** An `event` step's `timeout` passed without a matching event, and it has no `on_timeout`. */
export class EventTimeoutError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    readonly eventName: string,
    readonly timeoutSeconds: number | undefined,
  ) {
    super(
      `no event "${eventName}" matched within ${timeoutSeconds} s; give the step an "on_timeout" to go on without it`,
    );
  }
}

/** An event given to `sendEvent` can't be sent: a bad name, id or payload; `problems` says which. */
export class InvalidEventError extends DurableWorkflowError {
  constructor(readonly problems: readonly string[]) {
    super(`The event can't be sent:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * `retry` can't run this failed execution again: it is a sub-workflow (retried through its parent),
 * its workflow's timeout has passed, or it failed before its failure point was recorded. The
 * message says which, and what to do instead.
 */
export class RetryRefusedError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly reason: string,
  ) {
    super(`Cannot retry execution "${executionId}": ${reason}.`);
  }
}

/**
 * `fork` can't run on from `fromStep`: the workflow has no such step, the execution never reached
 * it, or a step before it has no recorded outcome a fork can reuse. The message says which.
 */
export class ForkRefusedError extends DurableWorkflowError {
  constructor(
    readonly executionId: string,
    readonly fromStep: string,
    readonly reason: string,
  ) {
    super(`Cannot fork execution "${executionId}" from step "${fromStep}": ${reason}.`);
  }
}

/**
 * A step's result does not conform to the JSON Schema of its `output: {key, schema}`: the step fails
 * (its `on_error` is taken) and nothing is stored. `path` is where in the result (`$.lines[0].sku`).
 */
export class OutputSchemaError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `the output does not match its schema at ${path}: ${problem}. Change what the step returns, or its "output.schema".`,
    );
  }
}

/** Two providers register one custom step type, or one would shadow a built-in step type. */
export class StepTypeRegistrationError extends DurableWorkflowError {}

/** A custom step did not finish within the step's `timeout` or the run's. */
export class StepTimeoutError extends DurableWorkflowError {
  constructor(
    readonly stepId: string,
    readonly stepType: string,
    readonly timeoutMs: number,
  ) {
    super(`step "${stepId}" (${stepType}) did not finish within ${timeoutMs} ms`);
  }
}
