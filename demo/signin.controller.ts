import { Controller, Get, Query, Res, UnauthorizedException } from '@nestjs/common';
import type { Response } from 'express';
import { API_KEY_COOKIE, ApiKeyGuard } from './api-key.guard';

/**
 * `/signin?key=…` puts the key in an HttpOnly, same-site cookie and opens the dashboard, whose
 * links, requests and event stream then carry no key in their URLs (nor in a Referer).
 */
@Controller('signin')
export class SignInController {
  @Get()
  signIn(@Query('key') key: string | undefined, @Res() response: Response): void {
    if (key !== ApiKeyGuard.key) throw new UnauthorizedException('Wrong or missing key.');
    response
      .cookie(API_KEY_COOKIE, key, { httpOnly: true, sameSite: 'strict', path: '/' })
      .setHeader('Referrer-Policy', 'no-referrer')
      .redirect(303, '/workflows/dashboard');
  }
}
