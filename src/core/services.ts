import type { ServiceCatalog } from './definition/parse-definition';

/** What the engine calls `call` steps through: names an application registered, nothing else. */
export interface ServiceResolver extends ServiceCatalog {
  invoke(service: string, method: string, input: unknown): Promise<unknown>;
}

const NEVER_CALLABLE = new Set(['constructor', '__proto__', 'prototype', 'then']);

/**
 * Services given as name → object. A method may be called when it is a function the object or its
 * class defines (inherited from a base class included), never one of Object.prototype's, never the
 * constructor, never a name starting with `_` or `#`, and never a getter.
 */
export class ServiceRegistry implements ServiceResolver {
  private readonly services: Map<string, object>;

  constructor(services: Record<string, object> | Map<string, object> = {}) {
    this.services = services instanceof Map ? new Map(services) : new Map(Object.entries(services));
  }

  get names(): string[] {
    return [...this.services.keys()];
  }

  problemWith(service: string, method: string): string | null {
    const target = this.services.get(service);
    if (!target) {
      const known = this.names.length ? this.names.join(', ') : 'none are registered';
      return `service "${service}" is not registered for workflows (registered: ${known})`;
    }
    return findMethod(target, method)
      ? null
      : `service "${service}" has no callable method "${method}"`;
  }

  async invoke(service: string, method: string, input: unknown): Promise<unknown> {
    const problem = this.problemWith(service, method);
    if (problem) throw new Error(problem);
    const target = this.services.get(service) as object;
    const fn = findMethod(target, method) as (input: unknown) => unknown;
    return await fn.call(target, input);
  }
}

export function findMethod(
  target: object,
  method: string,
): ((...args: unknown[]) => unknown) | null {
  if (NEVER_CALLABLE.has(method) || method.startsWith('_') || method.startsWith('#')) return null;
  for (
    let holder: object | null = target;
    holder !== null && holder !== Object.prototype && holder !== Function.prototype;
    holder = Object.getPrototypeOf(holder) as object | null
  ) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, method);
    if (descriptor) {
      return typeof descriptor.value === 'function'
        ? (descriptor.value as (...args: unknown[]) => unknown)
        : null;
    }
  }
  return null;
}
