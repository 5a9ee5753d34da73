import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import { ConfigError, NekomataError, toError } from '../errors/index.js';
import { RepeatLog, type Metrics } from '../metrics/index.js';
import { AdminAccess, type AdminAccessSettings } from './admin-access.js';
import { exposureProblem } from './exposure.js';
import { isLoopbackHost } from './loopback.js';
import { metricsText, readyz, type Readiness } from './probes.js';
import { ADMIN_PREFIX, RouteTable, type HttpHandler, type HttpMethod, type HttpRoutes, type RouteMatch } from './route-table.js';

/** Where the server listens (`HTTP_HOST`, `HTTP_PORT`; port 0 takes any free port), and who may use it. */
export interface HttpSettings {
  host: string;
  port: number;
  /** How the admin API is protected; undefined when it is off (`ADMIN_API=0`). */
  admin?: AdminAccessSettings | undefined;
  /** `METRICS_TOKEN`: required by `/metrics` when set (the admin token is accepted too). */
  metricsToken?: string | undefined;
}

export interface HttpServerDeps {
  log: Logger;
  metrics: Metrics;
  /** What `/readyz` checks besides the server itself (adapters, Redis, plugins). */
  readiness?: () => Promise<Readiness>;
}

/** The routes of the login itself, reachable without being logged in (they check Origin themselves). */
const LOGIN_ROUTES = new Set(['GET /api/session', 'POST /api/session']);

/** The port could not be opened (taken, not allowed). */
export class HttpListenError extends NekomataError {
  constructor(readonly host: string, readonly port: number, cause: unknown) {
    super('HTTP_LISTEN', `the HTTP server cannot listen on ${host}:${port} (${toError(cause).message}): free the port or set another HTTP_PORT`, { cause });
  }
}

// Webhook bodies are small JSON; a larger body is refused before anything parses it.
const MAX_BODY_BYTES = 1024 * 1024;

type State = 'idle' | 'running' | 'refusing' | 'stopped';
type Env = { Variables: { match: RouteMatch } };

/**
 * @hono/node-server hands the app a lightweight request that the global `Request` cannot copy (it throws), and
 * hono's bodyLimit copies the request to count a body that has no Content-Length (chunked): such a body gets a
 * native request first. A body with a Content-Length is checked by the header alone and keeps the fast path.
 */
const countableBody: MiddlewareHandler = async (c, next) => {
  const raw = c.req.raw;
  if (raw.method !== 'GET' && raw.method !== 'HEAD' && (raw.headers.has('transfer-encoding') || !raw.headers.has('content-length'))) {
    c.req.raw = new Request(raw.url, { method: raw.method, headers: [...raw.headers], body: raw.body, signal: raw.signal, duplex: 'half' } as RequestInit);
  }
  await next();
};

/** Paths are chosen by whoever sends the request: a log line shows at most this much of one. */
const clip = (path: string): string => (path.length > 200 ? `${path.slice(0, 200)}…` : path);

/**
 * The app's HTTP server (Hono on Node's http module). Runs only when `HTTP_PORT` is set; serves `GET /healthz`,
 * `GET /readyz`, `GET /metrics`, the admin API (`mount`, behind `AdminAccess` under `/api/`) and the routes
 * adapters register. During shutdown, routes answer 503 before the server closes, so a platform that redelivers
 * (Telegram's webhook) retries later instead of losing the update.
 */
export class HttpServer implements HttpRoutes {
  private readonly table: RouteTable;
  /** Refused and failed requests: strangers can send any number, so the log shows each kind once a window. */
  private readonly noise: RepeatLog;
  private server: Server | undefined;
  private state: State = 'idle';
  private readonly mounted: Hono<any>[] = [];
  /** The admin API's login and checks; undefined when the admin API is off or there is no server. */
  readonly access: AdminAccess | undefined;

  constructor(
    private readonly settings: HttpSettings | undefined,
    private readonly deps: HttpServerDeps,
  ) {
    this.table = new RouteTable(settings !== undefined, settings?.admin !== undefined);
    this.noise = new RepeatLog(deps.log, 'HTTP requests refused or failed');
    this.access = settings?.admin ? new AdminAccess(settings.admin, deps) : undefined;
  }

  /** Whether the admin API is served (`ADMIN_API`, and a server to serve it). */
  get adminEnabled(): boolean {
    return this.access !== undefined;
  }

  /**
   * Serves a Hono app's routes (the admin API and the Web UI) from the next start on; paths under `/api/` pass
   * the admin login first. Routes registered later with `route` still answer paths it does not serve.
   */
  mount(app: Hono<any>): void {
    if (this.state !== 'idle') throw new NekomataError('APP_STARTED', 'HTTP apps must be mounted before the server starts');
    this.mounted.push(app);
  }

  /** Whether the app has an HTTP server (HTTP_PORT is set). */
  get enabled(): boolean {
    return this.settings !== undefined;
  }

  /** `http://host:port` once listening, with the port actually taken; undefined before. */
  get url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  route(method: HttpMethod, path: string, handler: HttpHandler): () => void {
    return this.table.route(method, path, handler);
  }

  async start(): Promise<void> {
    if (!this.settings || this.state !== 'idle') return;
    const { host, port } = this.settings;
    const exposed = exposureProblem({ host, admin: this.settings.admin });
    if (exposed) throw new ConfigError(['HTTP_HOST', 'ADMIN_TOKEN'], exposed);
    // overrideGlobalObjects false: the default swaps the process-wide Request/Response, which grammY and other clients use.
    const server = createAdaptorServer({ fetch: this.app().fetch, overrideGlobalObjects: false }) as Server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new HttpListenError(host, port, err)));
      server.listen(port, host, () => resolve());
    });
    server.on('error', (err) => this.deps.log.error({ err }, 'HTTP server error'));
    this.server = server;
    this.state = 'running';
    this.deps.log.info({ url: this.url }, `HTTP server listening on ${this.url}`);
  }

  /** Shutdown has begun: routes answer 503 (retry later) and /healthz reports stopping. */
  refuse(): void {
    if (this.state === 'running') this.state = 'refusing';
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.table.clear();
    this.noise.flush();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections would hold close() open until they time out.
    server.closeAllConnections();
    await closed;
  }

  private app(): Hono<Env> {
    const app = new Hono<Env>();
    app.get('/healthz', (c) => (this.state === 'running' ? c.json({ status: 'ok' }) : c.json({ status: 'stopping' }, 503)));
    app.get('/readyz', (c) => readyz(c, this.deps.readiness, this.state === 'running'));
    app.get('/metrics', (c) => metricsText(c, this.deps.metrics, this.metricsAccess()));
    const access = this.access;
    if (access) {
      app.use(`${ADMIN_PREFIX}*`, (c, next) => (LOGIN_ROUTES.has(`${c.req.method} ${c.req.path}`) ? next() : access.guard(c as never, next)));
      app.use(`${ADMIN_PREFIX}*`, countableBody, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => this.tooLarge(c) }));
    }
    for (const mounted of this.mounted) app.route('/', mounted);
    app.all('*', (c, next) => this.match(c, next), countableBody, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => this.tooLarge(c) }), (c) => c.var.match.handler(c));
    app.onError((err, c) => this.failed(err, c));
    return app;
  }

  private tooLarge(c: Context): Response {
    // The rest of the body is not read: closing the connection is the only way to be rid of it.
    c.header('Connection', 'close');
    return this.refused(c, 413, 'too_large', 'request body too large');
  }

  private metricsAccess(): { loopbackOnly: boolean; tokens: string[]; metricsToken: string | undefined } {
    const settings = this.settings!;
    const tokens = [settings.metricsToken, settings.admin?.token].filter((t): t is string => t !== undefined);
    return { loopbackOnly: isLoopbackHost(settings.host), tokens, metricsToken: settings.metricsToken };
  }

  /** Finds the request's route; anything but a route ready to serve is answered here, before its body is read. */
  private async match(c: Context<Env>, next: Next): Promise<Response | void> {
    const found = this.table.find(c.req.method, c.req.path);
    if (found === undefined) return this.refused(c, 404, 'not_found', 'not found');
    if ('allow' in found) {
      c.header('Allow', found.allow.join(', '));
      return this.refused(c, 405, 'wrong_method', 'method not allowed');
    }
    if (this.state !== 'running') {
      c.header('Retry-After', '5');
      return this.refused(c, 503, 'stopping', 'shutting down, retry later');
    }
    c.set('match', found);
    await next();
  }

  private failed(err: Error, c: Context<Env>): Response {
    // The route, never the raw path: labels and log kinds must not grow with what strangers send.
    const route = c.get('match')?.route ?? (c.req.routePath && c.req.routePath !== '*' ? `${c.req.method} ${c.req.routePath}` : 'unmatched');
    this.deps.metrics.count('http_errors_total', { route });
    const code = err instanceof NekomataError ? err.code : err.name;
    this.noise.error(`${route} ${code}`, { err, method: c.req.method, path: clip(c.req.path), route }, `HTTP ${route} failed`);
    return c.json({ error: 'internal error' }, 500);
  }

  private refused(c: Context, status: 404 | 405 | 413 | 503, reason: string, error: string): Response {
    this.deps.metrics.count('http_refused_total', { reason });
    const path = clip(c.req.path);
    this.noise.info(reason, { method: c.req.method, path, status }, `HTTP ${c.req.method} ${path} refused with ${status} (${error})`);
    return c.json({ error }, status);
  }
}
