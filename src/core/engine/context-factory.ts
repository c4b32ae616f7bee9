import type { StepDefinition } from '../definition/definition-types';
import { evaluateCondition } from '../runtime/conditions';
import { resolveValue, type ReferenceScope } from '../runtime/references';
import type { ServiceResolver } from '../services';
import type { StepTypeResolver } from '../custom-step-types';
import type { Execution } from '../types';
import type { RunState } from './run-state';
import type { BranchOutcome, StepContext } from './step-context';
import { stepEvents, type RetainedEvents } from './step-events';
import type { StepTrack } from './step-track';

export interface StepContextFactoryOptions {
  services: ServiceResolver;
  stepTypes: StepTypeResolver;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  runChild: (
    state: RunState,
    parent: Execution,
    step: StepDefinition & { type: 'workflow' },
    input: Record<string, unknown>,
  ) => Promise<Execution>;
  cancelChild: (
    state: RunState,
    parent: Execution,
    step: StepDefinition & { type: 'workflow' },
  ) => Promise<string>;
  runBranch: (
    state: RunState,
    steps: StepDefinition[],
    ctx: Record<string, unknown>,
  ) => Promise<BranchOutcome>;
  /** Events kept since a moment, oldest first, for an `event` step's lookback. */
  events: RetainedEvents;
}

/** Builds what a step handler sees: the run's values and what it may do, bound to a track. */
export class StepContextFactory {
  constructor(private readonly options: StepContextFactoryOptions) {}

  create(track: StepTrack): StepContext {
    const { state } = track;
    const { services, stepTypes, now, sleep, runChild, cancelChild, runBranch } = this.options;
    const ctx = track.ctx;
    const scope: ReferenceScope = {
      input: state.saved.input,
      ctx,
      now: () => now().toISOString(),
      response: state.runtime.response,
      approved: state.runtime.approved,
      // A copy: the list grows as steps complete, and a step may store what it read.
      history: () => structuredClone(state.runtime.history ?? []),
      read: (name) => state.exposed.add(name),
    };
    return {
      definition: state.definition,
      execution: state.saved,
      ctx,
      scope,
      services,
      stepTypes,
      children: {
        runChild: (parent, step, input) => runChild(state, parent, step, input),
        cancelChild: (parent, step) => cancelChild(state, parent, step),
      },
      resolve: (value) => resolveValue(value, scope),
      exposed: (name) => state.exposed.add(name),
      evaluate: (condition) => evaluateCondition(condition, scope),
      record: (stepId, stepType, draft) => track.record(stepId, stepType, draft),
      persist: () => track.persist(),
      now,
      remainingMs: () => state.remainingMs(now()),
      sleep,
      mayDefer: (ms) => track.mayDefer(ms),
      parkedRetry: (stepId) => track.parkedRetry(stepId),
      startWrittenAhead: (stepId) => track.startWrittenAhead(stepId),
      runBranch: (steps, branchCtx) => runBranch(state, steps, branchCtx),
      adopt: (outcome) => {
        for (const r of outcome.recorded) track.record(r.stepId, r.stepType, r.draft, r.at);
      },
      events: stepEvents(state, this.options.events),
    };
  }
}
