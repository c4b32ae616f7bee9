import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { StoreError } from '../store/store-errors';
import {
  FINISHED,
  stepTypeName,
  type LocatedStep,
  type StepDefinition,
} from '../definition/definition-types';
import { ExecutionNotFoundError, ForkRefusedError, StepError } from '../errors';
import { stepHandler } from '../steps/step-registry';
import { BranchTrack } from './branch-track';
import type { StepContextFactory } from './context-factory';
import { topLoop, type LoopFrame, type RunState } from './run-state';
import type { BranchOutcome, EntryDraft, StepOutcome } from './step-context';
import type { StepTrack } from './step-track';
import type { StepMetricOutcome, StepSpanInfo, WorkflowTelemetry } from '../telemetry';

/**
 * Runs steps one after another on a track: the execution's top level, its loop bodies, and parallel
 * branches alike. Each step's handler says what comes next; the track says what a move means.
 */
export class StepLoop {
  constructor(
    private readonly contexts: StepContextFactory,
    private readonly now: () => Date,
    private readonly telemetry: WorkflowTelemetry,
  ) {}

  /** Runs until the track stops: the run halted, ended or failed. */
  async run(track: StepTrack): Promise<void> {
    const timed = track.state.definition.timeout !== undefined;
    for (;;) {
      // Each await costs a turn of the microtask queue: taken only when there is something to wait for.
      if (yieldIsDue()) await giveEventLoopATurn();
      if (timed && (await track.outOfTime())) return;
      const position = track.position();
      if (position === FINISHED) return track.end(null);
      if (position === null) {
        const frame = topLoop(track.frames);
        if (!frame) return track.end(null);
        if (await this.endIteration(track, frame)) return;
        continue;
      }
      if (track.stopsBefore?.(position)) return;
      const located = track.state.located(position);
      if (!located) {
        const { version, id } = track.state.definition;
        return track.abort(
          new StepError(`step "${position}" is not in version ${version} of "${id}"`),
        );
      }
      const began = Date.now();
      const span = stepSpan(track, located);
      // Handlers write variables at the top level: a copy of it is the context before the step.
      const before = { ...track.ctx };
      let outcome: StepOutcome;
      try {
        const context = this.contexts.create(track);
        const { replay } = track.state;
        outcome = await this.telemetry.traceStep(span, () =>
          replay
            ? replay.outcome(located, context, track.state)
            : stepHandler(located.step).run(located.step, context),
        );
      } catch (error) {
        if (isStoreFailure(error) || error instanceof ForkRefusedError) throw error;
        this.telemetry.stepFinished(span, 'failed', Date.now() - began);
        if (await this.fail(track, located, error, Date.now() - began, before)) return;
        continue;
      }
      this.telemetry.stepFinished(span, metricOutcome(outcome), Date.now() - began);
      if (await this.apply(track, located, outcome, Date.now() - began)) return;
    }
  }

  /** Runs a parallel branch on its own context; its trail is returned for the parallel step. */
  async runBranch(
    state: RunState,
    steps: StepDefinition[],
    ctx: Record<string, unknown>,
  ): Promise<BranchOutcome> {
    const track = new BranchTrack(state, steps, ctx, this.now);
    await this.run(track);
    return { ctx, result: track.result, recorded: track.recorded };
  }

  /** Moves on from a step's outcome; true when the run stopped. */
  async apply(
    track: StepTrack,
    located: LocatedStep,
    outcome: StepOutcome,
    durationMs: number,
  ): Promise<boolean> {
    if (outcome.kind !== 'retry') track.clearRetry();
    switch (outcome.kind) {
      case 'retry':
        return track.retry(located, outcome);
      case 'enter':
        this.writeStartAhead(track, outcome.first);
        return track.enter(located, outcome.frame, outcome.first, durationMs);
      case 'halt':
        return track.halt(located, outcome, durationMs);
      case 'finish':
        track.completed(located, outcome.result, durationMs);
        await track.end({ result: outcome.result });
        return true;
      case 'continue': {
        track.completed(located, outcome.result, durationMs);
        const frame = topLoop(track.frames);
        if (frame && located.owner?.id === frame.stepId) frame.last = outcome.result;
        const next = outcome.next !== undefined ? outcome.next : track.state.successor(located);
        // The run ends here: one checkpoint saves the step and the end together.
        if (next === FINISHED || (next === null && !topLoop(track.frames))) {
          await track.end(null);
          return true;
        }
        if (next === null) {
          track.endSequence(located);
          return false;
        }
        this.writeStartAhead(track, next);
        return track.moveTo(located, next);
      }
    }
  }

  /**
   * A step failed: continue at its `on_error`, or at that of the innermost enclosing loop that has
   * one; otherwise the track fails. True when the run stopped.
   */
  async fail(
    track: StepTrack,
    located: LocatedStep,
    error: unknown,
    durationMs: number,
    ctxBefore?: Record<string, unknown>,
  ): Promise<boolean> {
    let current = located;
    // Before any loop is unwound: where a retry of a failed run begins again.
    const failure = { stepId: located.step.id, frames: structuredClone(track.frames) };
    track.clearRetry();
    track.record(current.step.id, stepTypeName(current.step), {
      action: 'failed',
      error,
      durationMs,
    });
    for (;;) {
      if (current.step.on_error !== undefined) {
        track.ctx['_last_error'] = lastError(current.step.id, error);
        return track.moveTo(current, current.step.on_error);
      }
      const frame = topLoop(track.frames);
      if (!frame || current.owner?.id !== frame.stepId) break;
      track.frames.pop();
      current = track.state.located(frame.stepId) as LocatedStep;
      track.record(current.step.id, current.step.type, {
        action: 'failed',
        error,
        durationMs: track.loopDurationMs(frame),
      });
    }
    // A failed run keeps the context as the step found it, whatever the step wrote before it
    // threw: that is the context a retry starts the step again with.
    if (ctxBefore) restoreTopLevel(track.ctx, ctxBefore);
    await track.failed(located, error, failure);
    return true;
  }

  /**
   * Records the next step's `started` entry for the checkpoint that moves to it, when its handler
   * writes one before it acts: one write for both instead of two.
   */
  private writeStartAhead(track: StepTrack, next: string | null): void {
    if (next === null || next === FINISHED) return;
    const located = track.state.located(next);
    const startEntry = located && stepHandler(located.step).startEntry;
    if (!located || !startEntry) return;
    let draft: EntryDraft;
    try {
      draft = startEntry(located.step, this.contexts.create(track));
    } catch {
      // Not written ahead: the step meets the same problem when it runs, and fails there.
      return;
    }
    track.recordAhead(located.step.id, stepTypeName(located.step), draft);
  }

  /** A loop body ran to its end: its step repeats it or leaves the loop. True when the run stopped. */
  private async endIteration(track: StepTrack, frame: LoopFrame): Promise<boolean> {
    const located = track.state.located(frame.stepId) as LocatedStep;
    const handler = stepHandler(located.step);
    track.frames.pop();
    try {
      if (!handler.endIteration) throw new StepError(`step "${frame.stepId}" does not iterate`);
      const outcome = handler.endIteration(located.step, frame, this.contexts.create(track));
      if (outcome.kind !== 'enter') {
        return this.apply(track, located, outcome, track.loopDurationMs(frame));
      }
      track.frames.push(outcome.frame);
      this.writeStartAhead(track, outcome.first);
      return track.moveTo(located, outcome.first);
    } catch (error) {
      if (isStoreFailure(error)) throw error;
      return this.fail(track, located, error, track.loopDurationMs(frame));
    }
  }
}

/** What a step's span and metrics say of it. */
function stepSpan(track: StepTrack, located: LocatedStep): StepSpanInfo {
  const { id, type } = located.step;
  const attempt = track.parkedRetry(id)?.attempt ?? 1;
  return { execution: track.state.saved, stepId: id, stepType: type, attempt };
}

function metricOutcome(outcome: StepOutcome): StepMetricOutcome {
  if (outcome.kind === 'halt') return 'halted';
  return outcome.kind === 'retry' ? 'retry' : 'completed';
}

/** Puts `ctx`'s top-level variables back to those of `before`. */
function restoreTopLevel(ctx: Record<string, unknown>, before: Record<string, unknown>): void {
  for (const key of Object.keys(ctx)) if (!Object.hasOwn(before, key)) delete ctx[key];
  Object.assign(ctx, before);
}

/** What workflows see of a failure in `_last_error`. */
export function lastError(stepId: string, error: unknown): Record<string, unknown> {
  return {
    step: stepId,
    message: error instanceof Error ? error.message : String(error),
    name: error instanceof Error ? error.name : 'Error',
    // The original format's key: the error's class.
    class: error instanceof Error ? error.constructor.name : 'Error',
  };
}

/** Failures of the store are the runner's to handle; a step's `on_error` never takes them. */
export function isStoreFailure(error: unknown): boolean {
  return error instanceof StoreError || error instanceof ExecutionNotFoundError;
}

/** How long runs may hold the event loop before they let other work in. */
const YIELD_EVERY_MS = 5;
let lastYield = performance.now();

/**
 * Whether runs have held the event loop for YIELD_EVERY_MS, and should give it a turn: a store whose
 * driver answers synchronously (SQLite) would otherwise keep it for a whole run, and requests,
 * timers and other executions would wait. Checked before each step; yielding at every step would
 * cost more.
 */
function yieldIsDue(): boolean {
  return performance.now() - lastYield >= YIELD_EVERY_MS;
}

async function giveEventLoopATurn(): Promise<void> {
  await yieldToEventLoop();
  lastYield = performance.now();
}
