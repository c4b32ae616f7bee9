import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HTTP_OPTIONS } from '../durable-workflow.constants';
import type { ResolvedHttpOptions } from './http.options';
import { openApiDescribed } from './openapi';

/** Says at start, once each, what the application may want to change about the HTTP API. */
@Injectable()
export class HttpNotices implements OnApplicationBootstrap {
  private readonly logger = new Logger('DurableWorkflowHttp');

  constructor(@Inject(HTTP_OPTIONS) private readonly options: ResolvedHttpOptions) {}

  onApplicationBootstrap(): void {
    if (this.options.guards.length === 0) {
      this.logger.warn(
        `The workflow API at /${this.options.path} has no guard: anyone who can reach this server can start, resume, cancel and delete executions. Pass http: { guards: [YourAuthGuard] }.`,
      );
    }
    if (!openApiDescribed) {
      this.logger.log(
        `The workflow API at /${this.options.path} is not in the OpenAPI document: npm install @nestjs/swagger to describe it.`,
      );
    }
  }
}
