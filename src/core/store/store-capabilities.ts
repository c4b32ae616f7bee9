import type { DurableWorkflowStore, WorkflowStore } from './workflow-store';

/** A store that hands every call on to another (ResilientStore): it can do what that one can. */
export interface DelegatingStore {
  readonly store: WorkflowStore;
}

/** What many workers need of a store: atomic checkpoints and leases. */
const DURABLE_METHODS = [
  'checkpoint',
  'claim',
  'extendClaim',
  'releaseClaim',
  'findClaimable',
] as const satisfies readonly (keyof DurableWorkflowStore)[];

/**
 * Whether the store has `method`: the one way to ask what a store can do. A store that delegates is
 * asked through to the store it wraps, since a wrapper has every method itself.
 */
export function storeCan<M extends keyof DurableWorkflowStore>(
  store: WorkflowStore,
  method: M,
): store is WorkflowStore & Required<Pick<DurableWorkflowStore, M>> {
  return typeof (innermost(store) as Partial<DurableWorkflowStore>)[method] === 'function';
}

/** Whether the store has what many workers need (every store of this package has). */
export function isDurableStore(store: WorkflowStore): store is DurableWorkflowStore {
  return DURABLE_METHODS.every((method) => storeCan(store, method));
}

/** The methods a store lacks of those many workers need, for a message that names them. */
export function missingDurableMethods(store: WorkflowStore): string[] {
  return DURABLE_METHODS.filter((method) => !storeCan(store, method));
}

function innermost(store: WorkflowStore): WorkflowStore {
  let current = store;
  while (isDelegating(current)) current = current.store;
  return current;
}

function isDelegating(store: WorkflowStore): store is WorkflowStore & DelegatingStore {
  const inner = (store as Partial<DelegatingStore>).store;
  return typeof inner === 'object' && inner !== null && typeof inner.load === 'function';
}
