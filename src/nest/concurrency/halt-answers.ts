import type { RunOptions } from '../../core/engine/run-state';
import type { WorkflowEngine } from '../../core/engine/workflow-engine';
import { timerDueAt } from '../../core/engine/timer-due';
import type { Execution, ResumePayload } from '../../core/types';
import type { ConcurrencyGate } from './concurrency-gate';

/**
 * Takes halted executions out of their halt: with a resume, or (no payload) when their timer is due.
 * An execution of a workflow with a concurrency limit leaves its halt only holding a slot; without
 * one its answer is parked (`pending`, in line from now, in the store) and applied when a slot is
 * handed on to it, as a waiting start is driven.
 */
export class HaltAnswers {
  constructor(
    private readonly engine: WorkflowEngine,
    private readonly gate: ConcurrencyGate,
  ) {}

  async answer(
    execution: Execution,
    payload: ResumePayload | undefined,
    options: RunOptions = {},
  ): Promise<Execution> {
    const apply = (current: Execution) =>
      payload
        ? this.engine.resume(current, payload, options)
        : this.engine.fireTimer(current, options);
    if (!this.gate.limits(execution) || execution.status !== 'halted') return apply(execution);
    // Refused before it joins the line: a resume the step can't take, a timer not due yet.
    if (payload) this.engine.checkResume(execution, payload);
    else if (!this.timerDue(execution)) return execution;
    const since = this.engine.currentTime();
    if (await this.gate.enter(execution, since)) return apply(execution);
    const parked = await this.engine.park(execution, since, payload);
    // A slot handed on between the refusal and the park found nothing parked to drive: ask again.
    return (await this.gate.enter(parked)) ? this.engine.drive(parked, options) : parked;
  }

  private timerDue(execution: Execution): boolean {
    const due = timerDueAt(execution);
    return due !== null && due <= this.engine.currentTime().getTime();
  }
}
