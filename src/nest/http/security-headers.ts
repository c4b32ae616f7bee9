import type { HttpAdapterHost } from '@nestjs/core';

/** The API's answers are data: nothing in them may run, load or be framed. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * The dashboard runs its one script and style, marked with the response's nonce, talks to its own
 * origin only, and may not be framed (so another site cannot put its Approve button under a click).
 */
export function dashboardContentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Headers on every answer of the API and the dashboard, errors included: no type sniffing, no
 * Referer (links must not carry a key or an id to other sites), no framing, no X-Powered-By.
 */
export function applySecurityHeaders(adapterHost: HttpAdapterHost, response: unknown): void {
  const adapter = adapterHost.httpAdapter;
  adapter.setHeader(response, 'Content-Security-Policy', API_CONTENT_SECURITY_POLICY);
  adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
  adapter.setHeader(response, 'Referrer-Policy', 'no-referrer');
  adapter.setHeader(response, 'X-Frame-Options', 'DENY');
  adapter.setHeader(response, 'Cache-Control', 'no-store');
  (response as { removeHeader?: (name: string) => void }).removeHeader?.('X-Powered-By');
}
