// Headers of every dashboard page and asset. The Content-Security-Policy allows scripts, styles and
// connections from our own origin only: no inline script or style, no eval, no framing. Content of
// emails is put into pages as text, and this is the second line if a view ever forgets.
import type { MiddlewareHandler } from 'hono';

export const dashboardCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const dashboardSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Content-Security-Policy', dashboardCsp);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'same-origin');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
};
