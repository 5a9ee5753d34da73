import type { Context } from 'hono';
import { ConfigError, NekomataError, ValidationError } from '../errors/index.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * What answers one route: Hono's context in (`c.req.header(…)`, `await c.req.json()`), a `Response` out
 * (`c.json(…)`, `c.body(…)`). grammY's `webhookCallback(bot, 'hono')` returns exactly such a function.
 */
export type HttpHandler = (c: Context) => Response | Promise<Response>;

/** Routes under this prefix belong to the admin API: served behind its login, and only while it is on. */
export const ADMIN_PREFIX = '/api/';

/**
 * How adapters and plugins serve HTTP on the app's server (`host.http` for adapters).
 *
 * @example
 * const unroute = host.http.route('POST', '/hooks/telegram', (c) => c.json({ ok: true }));
 * // on stop:
 * unroute();
 */
export interface HttpRoutes {
  /**
   * Serves `method path` (an exact path, `/` first) with `handler` until the returned function is called.
   * A path under `/api/` is part of the admin API: it is served only to a logged-in admin (the web chat's
   * routes are). Throws `ConfigError` naming `HTTP_PORT` when the app has no HTTP server (or `ADMIN_API` for
   * an `/api/` path while the admin API is off), `HttpRouteConflictError` when the route is taken.
   */
  route(method: HttpMethod, path: string, handler: HttpHandler): () => void;
}

/** Two parts asked for the same method and path. */
export class HttpRouteConflictError extends NekomataError {
  constructor(readonly method: HttpMethod, readonly path: string) {
    super('HTTP_ROUTE_TAKEN', `${method} ${path} is already served by another part of the app: give this one another path`);
  }
}

/** A request's route and what serves it. */
export interface RouteMatch {
  handler: HttpHandler;
  /** `METHOD /path` as registered: the same for every request it serves. */
  route: string;
}

/** The built-in routes, which nothing else may take. */
const RESERVED = new Set(['GET /healthz', 'GET /readyz', 'GET /metrics']);

/**
 * Exact-path routes that can be removed again. Hono's router cannot unregister a route, so the server sends
 * every request here instead; a disposed route is gone at once and its path can be registered anew.
 */
export class RouteTable implements HttpRoutes {
  private readonly routes = new Map<string, HttpHandler>();

  /**
   * `enabled` false: the app has no HTTP server (HTTP_PORT unset), so registering is a configuration error;
   * `admin` false: the admin API is off (`ADMIN_API=0`), so its paths cannot be served.
   */
  constructor(
    private readonly enabled: boolean,
    private readonly admin = false,
  ) {}

  route(method: HttpMethod, path: string, handler: HttpHandler): () => void {
    if (!path.startsWith('/')) throw new ValidationError('HTTP route path', [`"${path}" must start with "/"`]);
    if (!this.enabled) {
      throw new ConfigError(['HTTP_PORT'], `serving ${method} ${path} needs the app's HTTP server, which is off: set HTTP_PORT (and HTTP_HOST to listen beyond 127.0.0.1)`);
    }
    if (path.startsWith(ADMIN_PREFIX) && !this.admin) {
      throw new ConfigError(['ADMIN_API'], `serving ${method} ${path} needs the admin API, which is off: set ADMIN_API=1 (and ADMIN_TOKEN to listen beyond 127.0.0.1)`);
    }
    const key = `${method} ${path}`;
    if (RESERVED.has(key) || this.routes.has(key)) throw new HttpRouteConflictError(method, path);
    this.routes.set(key, handler);
    return () => {
      if (this.routes.get(key) === handler) this.routes.delete(key);
    };
  }

  /**
   * What answers `method path`: the handler and its route (`"POST /hooks/telegram"`, a bounded label for
   * metrics and logs), `{ allow }` when the path is served for other methods only, undefined when not at all.
   */
  find(method: string, path: string): RouteMatch | { allow: string[] } | undefined {
    const route = `${method === 'HEAD' ? 'GET' : method} ${path}`;
    const handler = this.routes.get(route);
    if (handler) return { handler, route };
    const allow = new Set<string>();
    for (const key of [...RESERVED, ...this.routes.keys()]) {
      const space = key.indexOf(' ');
      if (key.slice(space + 1) !== path) continue;
      const served = key.slice(0, space);
      allow.add(served);
      if (served === 'GET') allow.add('HEAD');
    }
    return allow.size > 0 ? { allow: [...allow].sort() } : undefined;
  }

  clear(): void {
    this.routes.clear();
  }
}
