import { randomUUID } from 'node:crypto';
import { ExecutionNotFoundError, ExecutionStateError } from '../../core/errors';
import { ConcurrentUpdateError } from '../../core/store/store-errors';
import type { DurableWorkflowStore } from '../../core/store/workflow-store';
import type { Execution, ResumePayload } from '../../core/types';

/** A resume recorded in the store, and the lease owner its job works as. */
export interface AcceptedResume {
  execution: Execution;
  owner: string;
}

/** The resume accepted for the execution's current halt and not yet applied, if any. */
export function acceptedResumeOf(execution: Execution) {
  const runtime = execution.runtime;
  const accepted = runtime?.acceptedResume;
  return execution.status === 'halted' && accepted && accepted.halts === (runtime?.halts ?? 0)
    ? accepted
    : undefined;
}

/**
 * Accepts a resume in the store before any job is queued for it: the execution is claimed for the
 * resume's own owner, then saved with the payload, conditional on the claim's revision. Of two
 * resumes of one halt, the claim or the save refuses the second. Until a worker applies it, the
 * claim is never released: if the job is lost (its worker killed, BullMQ giving up on it, Redis
 * restarted), the lease expires and the recovery sweep finds the halted execution and applies the
 * payload kept here.
 */
export class ResumeAcceptance {
  constructor(
    private readonly store: DurableWorkflowStore,
    private readonly leaseMs: number,
    private readonly workerId: string,
  ) {}

  async accept(execution: Execution, payload: ResumePayload): Promise<AcceptedResume> {
    refuseIfAccepted(execution);
    const owner = `${this.workerId}#resume-${randomUUID()}`;
    const claimed = await this.store.claim(execution.id, owner, this.leaseMs);
    if (!claimed) {
      const now = await this.store.load(execution.id);
      if (!now) throw new ExecutionNotFoundError(execution.id);
      refuseIfAccepted(now);
      refuseIfMoved(now, execution);
      throw new ExecutionStateError(execution.id, 'claimed by a worker right now', 'resume', [
        'it unclaimed: try again shortly',
      ]);
    }
    // An accepted resume whose worker died: the lease just taken expires like its, and the sweep
    // applies that resume; releasing it would hide the execution from the sweep.
    refuseIfAccepted(claimed);
    if (claimed.status !== 'halted' || haltOf(claimed) !== haltOf(execution)) {
      await this.store.releaseClaim(execution.id, owner);
      refuseIfMoved(claimed, execution);
    }
    const runtime = claimed.runtime ?? { frames: [], response: null, approved: null };
    try {
      const saved = await this.store.save({
        ...claimed,
        runtime: { ...runtime, acceptedResume: { halts: haltOf(claimed), payload, owner } },
      });
      return { execution: saved, owner };
    } catch (error) {
      if (!(error instanceof ConcurrentUpdateError)) throw error;
      throw beingResumed(execution.id);
    }
  }
}

function haltOf(execution: Execution): number {
  return execution.runtime?.halts ?? 0;
}

function beingResumed(executionId: string): ExecutionStateError {
  return new ExecutionStateError(executionId, 'already being resumed', 'resume', [
    'halted and not yet resumed',
  ]);
}

function refuseIfAccepted(execution: Execution): void {
  if (acceptedResumeOf(execution)) throw beingResumed(execution.id);
}

/** Refuses a resume of a halt the execution has left since the caller read it. */
function refuseIfMoved(now: Execution, then: Execution): void {
  if (now.status !== 'halted')
    throw new ExecutionStateError(now.id, now.status, 'resume', ['halted']);
  if (haltOf(now) !== haltOf(then)) throw beingResumed(now.id);
}
