import {
  Injectable,
  UnsupportedMediaTypeException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';

/**
 * A POST must say it is JSON. A plain HTML form on another site can only send form or text
 * bodies, so this closes the cross-site form path for guards that rely on cookies.
 */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ method: string; headers: Record<string, string | undefined> }>();
    if (request.method !== 'POST') return true;
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      throw new UnsupportedMediaTypeException(
        `Send the request body as JSON (content-type: application/json), not "${type || 'nothing'}".`,
      );
    }
    return true;
  }
}
