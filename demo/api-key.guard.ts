import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';

/** The cookie the demo's sign-in sets, so the key travels in no URL the dashboard shows. */
export const API_KEY_COOKIE = 'workflow_key';

/**
 * The demo's guard: an API key in the `x-api-key` header, in the cookie that `/signin` sets, or in
 * a `key` query parameter (for scripts and links made by hand). A real application puts its auth
 * guard here.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  static readonly key = process.env.DEMO_API_KEY ?? 'demo';

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | string[] | undefined>;
      query: Record<string, unknown>;
    }>();
    const given =
      request.headers['x-api-key'] ??
      cookie(request.headers['cookie'], API_KEY_COOKIE) ??
      request.query['key'];
    return given === ApiKeyGuard.key;
  }
}

function cookie(header: string | string[] | undefined, name: string): string | undefined {
  for (const part of [header ?? []].flat().join(';').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
