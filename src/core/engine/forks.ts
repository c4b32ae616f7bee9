import { randomUUID } from 'node:crypto';
import { storeCan } from '../store/store-capabilities';
import type { WorkflowStore } from '../store/workflow-store';
import type { LocatedStep, WorkflowDefinition } from '../definition/definition-types';
import { ExecutionNotFoundError, ForkRefusedError } from '../errors';
import type { Entry, Execution } from '../types';
import type { Checkpointer, EngineEvent } from './checkpointer';
import { Replay } from './replay';
import { ReplayTrack } from './replay-track';
import { RunState } from './run-state';
import type { StepLoop } from './step-loop';

export interface ForksOptions {
  store: WorkflowStore;
  checkpointer: Checkpointer;
  loop: StepLoop;
  now: () => Date;
  emit: (event: EngineEvent) => void;
  definitionOf: (execution: Execution) => WorkflowDefinition;
  /** A new `pending` execution of the definition with this input (and id), not yet saved. */
  newExecution: (
    definition: WorkflowDefinition,
    input: Record<string, unknown>,
    executionId: string | undefined,
  ) => Execution;
}

/**
 * Makes a fork: a new execution of the same workflow version and input, positioned at `fromStep`
 * with the context the steps before it left, rebuilt by replaying them from the trail of the
 * execution forked (their recorded outputs, not their effects). The fork is saved `pending` with
 * the replayed steps on its trail, for a runner to drive on from `fromStep`; both trails say what
 * was forked from what.
 */
export class Forks {
  constructor(private readonly options: ForksOptions) {}

  /** Saves the fork, with the id given or a new one; a store refuses an id taken meanwhile. */
  async fork(source: Execution, fromStep: string, forkId?: string): Promise<Execution> {
    const definition = this.options.definitionOf(source);
    const refuse = (reason: string) => new ForkRefusedError(source.id, fromStep, reason);
    const located = definition.index.get(fromStep);
    if (!located) {
      throw refuse(`version ${definition.version} of workflow "${definition.id}" has no such step`);
    }
    const branch = enclosingParallel(definition, located);
    if (branch) {
      throw refuse(
        `it is in a branch of parallel step "${branch}", whose branches run as one step; fork from "${branch}"`,
      );
    }
    const { store, checkpointer, loop } = this.options;
    const trail = await store.entries(source.id);
    const state = new RunState(
      this.options.newExecution(definition, source.input, forkId),
      definition,
    );
    const entryName = state.entryName(fromStep);
    if (!trail.some((e) => e.stepId === entryName) && source.currentStep !== fromStep)
      throw refuse('the execution never reached it');

    const replay = new Replay(source.id, fromStep, trail);
    const track = new ReplayTrack(state, replay, fromStep, checkpointer);
    state.replay = replay;
    await loop.run(track);
    delete state.replay;
    if (!track.reached) throw refuse('the replayed path did not reach it');

    const forkedFrom = { executionId: source.id, fromStep };
    checkpointer.record(state, fromStep, located.step.type, {
      action: 'forked',
      input: forkedFrom,
    });
    const fork = state.next({
      currentStep: fromStep,
      runtime: { ...state.runtime, forkedFrom },
    });
    const entries = state.pending.splice(0);
    const saved = storeCan(store, 'checkpoint')
      ? await store.checkpoint(fork, entries)
      : await this.saveThenRecord(fork, entries);
    for (const entry of entries) this.options.emit({ type: 'entry', execution: saved, entry });
    this.options.emit({ type: 'execution', execution: saved });
    await this.link(source, saved, entryName, located.step.type);
    return saved;
  }

  /** Notes the fork on the trail of the execution forked; an append, so a run of it goes on. */
  private async link(
    source: Execution,
    fork: Execution,
    stepId: string,
    stepType: string,
  ): Promise<void> {
    const entry: Entry = {
      id: randomUUID(),
      executionId: source.id,
      stepId,
      stepType,
      action: 'forked',
      durationMs: null,
      input: null,
      output: { executionId: fork.id },
      error: null,
      timestamp: this.options.now(),
    };
    try {
      await this.options.store.record(entry);
      this.options.emit({ type: 'entry', execution: source, entry });
    } catch (error) {
      // Deleted since it was read: the fork stands on its own.
      if (!(error instanceof ExecutionNotFoundError)) throw error;
    }
  }

  private async saveThenRecord(fork: Execution, entries: Entry[]): Promise<Execution> {
    const saved = await this.options.store.save(fork);
    for (const entry of entries) await this.options.store.record(entry);
    return saved;
  }
}

/**
 * An execution found under the id a fork asked for: the fork made before by the same request (of
 * this execution, from this step), returned as it is; anything else is refused, naming what it is.
 */
export function sameFork(existing: Execution, sourceId: string, fromStep: string): Execution {
  const made = existing.runtime?.forkedFrom;
  if (made?.executionId === sourceId && made.fromStep === fromStep) return existing;
  const what = made
    ? `a fork of execution "${made.executionId}" from step "${made.fromStep}"`
    : 'not a fork';
  throw new ForkRefusedError(
    sourceId,
    fromStep,
    `the fork's executionId "${existing.id}" names an existing execution, ${what}; give this fork another id`,
  );
}

/** The parallel step whose branch holds this step, if any (through loops inside the branch). */
function enclosingParallel(definition: WorkflowDefinition, located: LocatedStep): string | null {
  let owner = located.owner;
  while (owner) {
    if (owner.type === 'parallel') return owner.id;
    owner = definition.index.get(owner.id)?.owner ?? null;
  }
  return null;
}
