import { ServiceUnavailableException, type MessageEvent } from '@nestjs/common';
import { finalize, map, Observable, share } from 'rxjs';
import type { Execution } from '../../core/types';

/** Limits on the API's server-sent event streams, per process. */
export interface EventStreamLimits {
  /** Streams open at once in this process; one more is refused with 503. */
  max: number;
  /** Streams open at once for one principal (`request.user.id` or `.sub`, when a guard sets one). */
  perPrincipal: number;
}

/**
 * The API's event streams: each change is made into its message once, whatever the number of
 * listeners, and the number of open streams is capped so that one client cannot hold the process.
 */
export class EventStreams {
  private readonly messages$: Observable<MessageEvent>;
  private open = 0;
  private readonly openByPrincipal = new Map<string, number>();

  constructor(
    changes: Observable<Execution>,
    private readonly limits: EventStreamLimits,
  ) {
    this.messages$ = changes.pipe(
      map((execution) => ({
        type: 'execution',
        data: JSON.stringify({
          id: execution.id,
          workflowId: execution.workflowId,
          status: execution.status,
          currentStep: execution.currentStep,
          revision: execution.revision ?? null,
        }),
      })),
      share(),
    );
  }

  /** A stream for one request; refused with 503 when the process, or this principal, has too many. */
  open$(principal: string | null): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const byPrincipal = principal === null ? 0 : (this.openByPrincipal.get(principal) ?? 0);
      if (this.open >= this.limits.max || byPrincipal >= this.limits.perPrincipal) {
        const whose = this.open >= this.limits.max ? 'this server' : 'this user';
        subscriber.error(
          new ServiceUnavailableException(
            `Too many event streams are open for ${whose}; close one or try again later.`,
          ),
        );
        return;
      }
      this.open++;
      if (principal !== null) this.openByPrincipal.set(principal, byPrincipal + 1);
      return this.messages$.pipe(finalize(() => this.release(principal))).subscribe(subscriber);
    });
  }

  private release(principal: string | null): void {
    this.open--;
    if (principal === null) return;
    const left = (this.openByPrincipal.get(principal) ?? 1) - 1;
    if (left > 0) this.openByPrincipal.set(principal, left);
    else this.openByPrincipal.delete(principal);
  }
}

/** Who a guard says made the request, when it says so (`request.user.id` or `.sub`). */
export function principalOf(request: { user?: unknown }): string | null {
  const user = request.user as { id?: unknown; sub?: unknown } | undefined | null;
  const id = user?.id ?? user?.sub;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : null;
}
