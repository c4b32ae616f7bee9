import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';

/** Lets a request through when its `x-api-key` header is the application's key; 401 otherwise. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (request.header('x-api-key') !== apiKey())
      throw new UnauthorizedException('Send the API key in the x-api-key header.');
    return true;
  }
}

export function apiKey(): string {
  return process.env.API_KEY ?? 'dev-key';
}
