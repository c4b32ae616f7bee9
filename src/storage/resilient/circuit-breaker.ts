/**
 * Closed: calls pass. After `failureThreshold` consecutive outage failures it opens: calls fail fast
 * for `resetTimeoutMs`. Then one trial call is let through (half-open); its success closes the
 * circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private trialInFlight = false;

  constructor(
    private readonly failureThreshold: number,
    private readonly resetTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.resetTimeoutMs ? 'half-open' : 'open';
  }

  /** Milliseconds a caller must wait before it may call, or 0 when it may call now (and does). */
  acquire(): number {
    const state = this.state;
    if (state === 'closed') return 0;
    if (state === 'half-open' && !this.trialInFlight) {
      this.trialInFlight = true;
      return 0;
    }
    const waited = this.now() - (this.openedAt as number);
    return Math.max(1, this.resetTimeoutMs - waited);
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openedAt = null;
    this.trialInFlight = false;
  }

  failed(): void {
    this.consecutiveFailures++;
    if (this.trialInFlight || this.consecutiveFailures >= this.failureThreshold) {
      this.openedAt = this.now();
    }
    this.trialInFlight = false;
  }
}
