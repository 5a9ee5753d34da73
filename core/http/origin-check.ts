import type { Context } from 'hono';
import { isLoopbackHost } from './loopback.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Why a request that changes something must be refused as cross-origin, or undefined. A browser names the page
 * that sent a request in `Origin` (and `Sec-Fetch-Site`); a page elsewhere must not drive the admin API with the
 * operator's cookie. Same origin means the `Origin` host is the `Host` the browser addressed, or an origin listed
 * in `ADMIN_ORIGINS` (a reverse proxy that rewrites `Host`). Scripts send no `Origin`: they need the bearer token.
 */
export function crossOriginProblem(c: Context, allowed: readonly string[]): string | undefined {
  if (SAFE_METHODS.has(c.req.method)) return undefined;
  const origin = c.req.header('origin');
  if (origin === undefined) {
    const site = c.req.header('sec-fetch-site');
    return site === 'cross-site' || site === 'same-site' ? `a ${site} request without Origin` : undefined;
  }
  if (allowed.includes(origin)) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin "${origin.slice(0, 100)}" is not a URL`;
  }
  return host !== '' && host === c.req.header('host') ? undefined : `Origin ${origin.slice(0, 100)} is not this server`;
}

/**
 * Without a token the API trusts whoever reaches the loopback address, so the `Host` a browser addressed must be
 * a loopback name too: otherwise a site whose name was made to resolve to 127.0.0.1 (DNS rebinding) could read it.
 */
export function hostProblem(c: Context): string | undefined {
  const host = c.req.header('host') ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name) ? undefined : `Host "${host.slice(0, 100)}" is not a loopback name, and without ADMIN_TOKEN only loopback is served`;
}
