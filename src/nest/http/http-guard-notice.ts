import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HTTP_OPTIONS } from '../durable-workflow.constants';
import type { ResolvedHttpOptions } from './http.options';

/** Says at start, once, that the API is open when the application gave it no guard. */
@Injectable()
export class HttpGuardNotice implements OnApplicationBootstrap {
  constructor(@Inject(HTTP_OPTIONS) private readonly options: ResolvedHttpOptions) {}

  onApplicationBootstrap(): void {
    if (this.options.guards.length > 0) return;
    new Logger('DurableWorkflowHttp').warn(
      `The workflow API at /${this.options.path} has no guard: anyone who can reach this server can start, resume, cancel and delete executions. Pass http: { guards: [YourAuthGuard] }.`,
    );
  }
}
