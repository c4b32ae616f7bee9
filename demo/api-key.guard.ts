import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';

/**
 * The demo's guard: an API key in the `x-api-key` header, or a `key` query parameter (the dashboard
 * passes its own on to the API and the event stream). A real application puts its auth guard here.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  static readonly key = process.env.DEMO_API_KEY ?? 'demo';

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | string[] | undefined>;
      query: Record<string, unknown>;
    }>();
    const given = request.headers['x-api-key'] ?? request.query['key'];
    return given === ApiKeyGuard.key;
  }
}
