import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { applySecurityHeaders } from './security-headers';

/** Sets the security headers before a route of the API or the dashboard answers. */
@Injectable()
export class SecurityHeadersInterceptor implements NestInterceptor {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    applySecurityHeaders(this.adapterHost, context.switchToHttp().getResponse());
    return next.handle();
  }
}
