// The address of the client a request comes from: the socket's peer, or, when that peer is one of
// server.trustedProxies, the address the proxy reports in X-Forwarded-For. Proxies append the
// address they received the request from, so the header is read from the right: the first address
// that is not itself a trusted proxy is the client (what proxy-addr does; the same rule as nginx's
// real_ip_recursive). From an untrusted peer the header is ignored: anyone can write it.
import type { IncomingMessage } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import proxyaddr from 'proxy-addr';
import type { ApiEnv } from './env';

export function clientAddress(trustedProxies: readonly string[]): MiddlewareHandler<ApiEnv> {
  const trust = proxyaddr.compile([...trustedProxies]);
  return async (c, next) => {
    // @hono/node-server's bindings carry the request; app.request() in tests has no socket.
    const bindings = (c.env as { server?: { incoming?: IncomingMessage }; incoming?: IncomingMessage } | undefined) ?? {};
    const incoming = (bindings.server ?? bindings).incoming;
    c.set('clientAddress', incoming?.socket?.remoteAddress ? proxyaddr(incoming, trust) : 'unknown');
    await next();
  };
}
