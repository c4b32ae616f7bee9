import type { ServiceCatalog } from './definition/parse-definition';
import { StepError } from './errors';

/** What the engine calls `call` steps through: names an application registered, nothing else. */
export interface ServiceResolver extends ServiceCatalog {
  invoke(service: string, method: string, input: unknown): Promise<unknown>;
}

const NEVER_CALLABLE = new Set(['constructor', '__proto__', 'prototype', 'then']);

/** Nest's lifecycle hooks: methods a class declares for the framework, never for a workflow. */
const LIFECYCLE_HOOKS = new Set([
  'onModuleInit',
  'onApplicationBootstrap',
  'onModuleDestroy',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

export interface ServiceRegistryOptions {
  /**
   * Per service, the only methods `call` steps may use: each named one may come from a base class
   * too, but never from Object, and never a hook, getter or `_` name. The clearest contract:
   * TypeScript's `private` is gone at run time, so without a list every public-looking method the
   * class declares is reachable.
   */
  methods?: Record<string, readonly string[]>;
}

/**
 * Services given as name → object. A method may be called when the object itself or its own class
 * declares it (not a base class, not Object.prototype), and it is not the constructor, a lifecycle
 * hook, a getter, or a name starting with `_` or `#`; and, when the service has a method list, it
 * is on the list.
 */
export class ServiceRegistry implements ServiceResolver {
  private readonly services: Map<string, object>;
  private readonly methodLists: Map<string, ReadonlySet<string>>;

  constructor(
    services: Record<string, object> | Map<string, object> = {},
    options: ServiceRegistryOptions = {},
  ) {
    this.services = services instanceof Map ? new Map(services) : new Map(Object.entries(services));
    this.methodLists = new Map(
      Object.entries(options.methods ?? {}).map(([name, list]) => [name, new Set(list)]),
    );
  }

  get names(): string[] {
    return [...this.services.keys()];
  }

  /** Every listed method that is not callable, as problems; [] when every list holds. */
  listProblems(): string[] {
    const problems: string[] = [];
    for (const [service, list] of this.methodLists) {
      const target = this.services.get(service);
      for (const method of list) {
        if (!target || !findMethod(target, method, { throughBases: true })) {
          problems.push(
            `service "${service}" lists method "${method}", which is not a callable method of its class`,
          );
        }
      }
    }
    return problems;
  }

  problemWith(service: string, method: string): string | null {
    const target = this.services.get(service);
    if (!target) {
      const known = this.names.length ? this.names.join(', ') : 'none are registered';
      return `service "${service}" is not registered for workflows (registered: ${known})`;
    }
    return this.callable(service, target, method)
      ? null
      : `service "${service}" has no callable method "${method}" (callable: ${this.callableNames(service, target).join(', ') || 'none'})`;
  }

  async invoke(service: string, method: string, input: unknown): Promise<unknown> {
    const problem = this.problemWith(service, method);
    if (problem) throw new StepError(problem);
    const target = this.services.get(service) as object;
    const fn = findMethod(target, method) as (input: unknown) => unknown;
    return await fn.call(target, input);
  }

  private callable(service: string, target: object, method: string): boolean {
    const list = this.methodLists.get(service);
    if (list === undefined) return findMethod(target, method) !== null;
    return list.has(method) && findMethod(target, method, { throughBases: true }) !== null;
  }

  private callableNames(service: string, target: object): string[] {
    const declared = new Set(
      prototypeChain(target).flatMap((holder) => Object.getOwnPropertyNames(holder)),
    );
    return [...declared].filter((name) => this.callable(service, target, name)).sort();
  }
}

/** The prototype of the object's own class; none for a plain object, whose methods are its own. */
function ownClassPrototype(target: object): object | null {
  const prototype = Object.getPrototypeOf(target) as object | null;
  return prototype === null || prototype === Object.prototype ? null : prototype;
}

/**
 * The method `call` may reach on a service: a function the object itself or its own class declares
 * (or, with `throughBases`, a base class: for a method a service lists by name), never one of
 * Object's, the constructor, a lifecycle hook, a getter, or a `_`/`#` name.
 */
export function findMethod(
  target: object,
  method: string,
  { throughBases = false }: { throughBases?: boolean } = {},
): ((...args: unknown[]) => unknown) | null {
  if (NEVER_CALLABLE.has(method) || LIFECYCLE_HOOKS.has(method)) return null;
  if (method.startsWith('_') || method.startsWith('#')) return null;
  for (const holder of throughBases
    ? prototypeChain(target)
    : [target, ownClassPrototype(target)]) {
    if (holder === null) continue;
    const descriptor = Object.getOwnPropertyDescriptor(holder, method);
    if (descriptor) {
      return typeof descriptor.value === 'function'
        ? (descriptor.value as (...args: unknown[]) => unknown)
        : null;
    }
  }
  return null;
}

/** The object and its prototypes, up to (not including) Object.prototype. */
function prototypeChain(target: object): object[] {
  const chain: object[] = [];
  for (
    let holder: object | null = target;
    holder !== null && holder !== Object.prototype;
    holder = Object.getPrototypeOf(holder) as object | null
  ) {
    chain.push(holder);
  }
  return chain;
}
