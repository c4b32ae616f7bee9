import { NotRunningError } from '../core/errors';
import type { ServiceRegistry, ServiceResolver } from '../core/services';

/**
 * The `@WorkflowCallable` services, as the engine reaches them. The engine is made with the other
 * providers, before discovery can see every provider of the application; the services found at
 * start are handed in then with `use`.
 */
export class DiscoveredServices implements ServiceResolver {
  private services?: ServiceRegistry;

  use(services: ServiceRegistry): void {
    this.services = services;
  }

  problemWith(service: string, method: string): string | null {
    return this.found().problemWith(service, method);
  }

  invoke(service: string, method: string, input: unknown): Promise<unknown> {
    return this.found().invoke(service, method, input);
  }

  private found(): ServiceRegistry {
    if (!this.services) {
      throw new NotRunningError(
        'Workflow services are discovered when the application starts: call app.init() first.',
      );
    }
    return this.services;
  }
}
