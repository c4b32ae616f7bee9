import type { Provider, Type } from '@nestjs/common';
import { HTTP_OPTIONS } from '../durable-workflow.constants';
import { createDashboardController } from './dashboard/dashboard.controller';
import type { ResolvedHttpOptions } from './http.options';
import { HttpNotices } from './http-notices';
import { createWorkflowsController } from './workflows.controller';

/** The routes and providers of the HTTP API and dashboard, for `http` as the application set it. */
export function httpLayer(options: ResolvedHttpOptions): {
  controllers: Type<unknown>[];
  providers: Provider[];
} {
  return {
    controllers: [
      createWorkflowsController(options),
      ...(options.dashboard ? [createDashboardController(options)] : []),
    ],
    providers: [{ provide: HTTP_OPTIONS, useValue: options }, HttpNotices],
  };
}
