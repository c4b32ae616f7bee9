import type { Logger } from '@nestjs/common';
import type { RunLease } from '../../core/engine/run-state';
import { ExecutionNotFoundError, ParentChainError } from '../../core/errors';
import { ConcurrentUpdateError } from '../../core/store/store-errors';
import type { Execution } from '../../core/types';
import type { DurableWorkflowStore } from '../../core/store/workflow-store';

/** Deeper than any real tree of sub-workflows; a cycle of parents would otherwise never end. */
const MAX_DEPTH = 32;

/** A lease held for the length of one piece of work. */
export interface HeldLease {
  readonly owner: string;
  /**
   * Keeps the lease for `ms` more after the work, instead of releasing it: a retry back-off holds
   * the execution for the delayed job that carries this owner.
   */
  handOver(ms: number): Promise<void>;
  /**
   * For the engine's run options: the checkpoint that leaves `running` gives the lease up; one not
   * yet taken is taken by the first checkpoint.
   */
  readonly releasedWithCheckpoint: RunLease;
}

export type LeasedOutcome =
  | { kind: 'done'; execution: Execution; rootId: string }
  /** Another worker holds a live lease: it is doing the work. */
  | { kind: 'busy' }
  | { kind: 'gone' };

/** A lease being renewed while its work runs. */
interface Renewal {
  rootId: string;
  owner: string;
  executionId: string;
  /** The renewal sent and not yet answered: awaited before a hand-over or release. */
  inFlight?: Promise<void>;
}

/**
 * Claims an execution before work on it and gives the claim up after. A sub-workflow is guarded by
 * the lease of its root, the one execution that drives the whole tree, so a child run inline by its
 * parent's worker is never taken by another. The lease is renewed every third of its length while
 * the work runs; a worker that lost it can't write, because the next claim bumped the revision.
 */
export class ExecutionLeases {
  /** The leases held now, renewed together by one timer that runs while there are any. */
  private readonly renewing = new Set<Renewal>();
  private renewalTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DurableWorkflowStore,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `work` holding the lease that guards the execution. `isRoot` (the execution has no parent,
   * which never changes) lets the claim go first; otherwise the root is looked up, and a child's own
   * revision is left alone, since its root's worker may be running it inline.
   */
  async hold(
    executionId: string,
    isRoot: boolean,
    owner: string,
    work: (lease: HeldLease, current: Execution) => Promise<Execution>,
  ): Promise<LeasedOutcome> {
    if (isRoot) {
      const claimed = await this.store.claim(executionId, owner, this.leaseMs);
      if (claimed) return this.holding(executionId, claimed, owner, work);
      return (await this.store.load(executionId)) ? { kind: 'busy' } : { kind: 'gone' };
    }
    const execution = await this.store.load(executionId);
    if (!execution) return { kind: 'gone' };
    let rootId = execution.runtime?.parent?.rootId ?? (await this.rootOf(execution));
    let claimed = await this.store.claim(rootId, owner, this.leaseMs);
    if (!claimed && rootId === execution.runtime?.parent?.rootId) {
      // The root the child names was deleted: the top of what is left of the tree guards it.
      if (await this.store.load(rootId)) return { kind: 'busy' };
      rootId = await this.rootOf(execution);
      claimed = await this.store.claim(rootId, owner, this.leaseMs);
    }
    if (!claimed) return { kind: 'busy' };
    const current = rootId === executionId ? claimed : await this.store.load(executionId);
    if (!current) {
      await this.release(rootId, owner);
      return { kind: 'gone' };
    }
    return this.holding(rootId, current, owner, work);
  }

  /**
   * Runs `work` on a root execution as its start job carried it, without claiming it first: the
   * run's first checkpoint takes the lease (one write fewer), fenced as a claim is. When that
   * checkpoint is refused (the execution moved on, or another worker holds it), nothing was written
   * and the work runs as `hold` runs it, on the execution as stored.
   */
  async holdCarried(
    execution: Execution,
    owner: string,
    work: (lease: HeldLease, current: Execution) => Promise<Execution>,
  ): Promise<LeasedOutcome> {
    const claim = { taken: false };
    try {
      return await this.holding(execution.id, execution, owner, work, claim);
    } catch (error) {
      const refused =
        error instanceof ConcurrentUpdateError || error instanceof ExecutionNotFoundError;
      if (claim.taken || !refused) throw error;
      return this.hold(execution.id, true, owner, work);
    }
  }

  /** `unclaimed`: the lease is not held yet, and the work's first checkpoint takes it. */
  private async holding(
    rootId: string,
    current: Execution,
    owner: string,
    work: (lease: HeldLease, current: Execution) => Promise<Execution>,
    unclaimed?: { taken: boolean },
  ): Promise<LeasedOutcome> {
    const renewal: Renewal = { rootId, owner, executionId: current.id };
    let handedOver = false;
    let releasedByCheckpoint = false;
    if (!unclaimed) this.startRenewing(renewal);
    const claimWithFirstCheckpoint = unclaimed && {
      ttlMs: this.leaseMs,
      claimed: () => {
        unclaimed.taken = true;
        this.startRenewing(renewal);
      },
    };
    const lease: HeldLease = {
      owner,
      handOver: async (ms) => {
        handedOver = true;
        // Renewing now would cut the hand-over back to one lease length; so would a renewal
        // already on its way that landed after it.
        this.stopRenewing(renewal);
        await renewal.inFlight;
        await this.store.extendClaim(rootId, owner, Math.max(1, Math.ceil(ms)));
      },
      releasedWithCheckpoint: {
        executionId: rootId,
        owner,
        released: () => {
          releasedByCheckpoint = true;
          this.stopRenewing(renewal);
        },
        ...(claimWithFirstCheckpoint && { claimWithFirstCheckpoint }),
      },
    };
    try {
      return { kind: 'done', execution: await work(lease, current), rootId };
    } finally {
      this.stopRenewing(renewal);
      await renewal.inFlight;
      const held = !unclaimed || unclaimed.taken;
      if (held && !handedOver && !releasedByCheckpoint) await this.release(rootId, owner);
    }
  }

  private startRenewing(renewal: Renewal): void {
    this.renewing.add(renewal);
    if (this.renewalTimer) return;
    this.renewalTimer = setInterval(() => this.renewAll(), Math.floor(this.leaseMs / 3));
    this.renewalTimer.unref();
  }

  private stopRenewing(renewal: Renewal): void {
    this.renewing.delete(renewal);
    if (this.renewing.size > 0 || !this.renewalTimer) return;
    clearInterval(this.renewalTimer);
    this.renewalTimer = undefined;
  }

  /** One tick renews every lease held: a lease is renewed at least every third of its length. */
  private renewAll(): void {
    for (const renewal of this.renewing) {
      // A store slower than a tick: one renewal at a time per lease, not a pile of them.
      if (renewal.inFlight) continue;
      const { rootId, owner, executionId } = renewal;
      renewal.inFlight = this.store.extendClaim(rootId, owner, this.leaseMs).then(
        (kept) => {
          // A lease handed over or released meanwhile was not lost.
          if (!kept && this.renewing.has(renewal))
            this.logger.warn(
              `Lost the lease on execution ${rootId} while working on ${executionId}: another worker took it over; this worker's next checkpoint will be refused.`,
            );
        },
        (error: unknown) =>
          this.logger.warn(`Could not renew the lease on execution ${rootId}: ${String(error)}`),
      );
      void renewal.inFlight.finally(() => (renewal.inFlight = undefined));
    }
  }

  private async release(rootId: string, owner: string): Promise<void> {
    await this.store.releaseClaim(rootId, owner).catch((error: unknown) => {
      this.logger.warn(
        `Could not release the lease on execution ${rootId}; it expires in ${this.leaseMs} ms: ${String(error)}`,
      );
    });
  }

  /**
   * The top of the execution's sub-workflow tree that is still stored (itself when it has no
   * parent), found by loading each ancestor: for children that do not name their root.
   */
  private async rootOf(execution: Execution): Promise<string> {
    let current = execution;
    for (let depth = 0; depth < MAX_DEPTH; depth++) {
      const parentId = current.runtime?.parent?.executionId;
      if (!parentId) return current.id;
      const parent = await this.store.load(parentId);
      if (!parent) return current.id;
      current = parent;
    }
    throw new ParentChainError(execution.id, MAX_DEPTH);
  }
}
