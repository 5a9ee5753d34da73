import { createHash, timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Metrics } from '../metrics/index.js';
import { RepeatLog } from '../metrics/index.js';
import { crossOriginProblem, hostProblem } from './origin-check.js';
import { SessionStore, sessionTag } from './sessions.js';

/** How the admin API is protected (`ADMIN_*` settings). */
export interface AdminAccessSettings {
  /** `ADMIN_TOKEN`. Unset: only loopback is served (the server refuses another `HTTP_HOST`), without login. */
  token: string | undefined;
  /** How long a Web UI login lasts (`ADMIN_SESSION_TTL_MS`). */
  sessionTtlMs: number;
  /** Origins besides the server's own that may send changes (`ADMIN_ORIGINS`), e.g. `https://bot.example.com`. */
  origins: readonly string[];
}

/** Who made a request: by token (scripts), by a UI session (named by a tag, not its id), or from loopback without a token. */
export interface Actor {
  via: 'token' | 'session' | 'loopback';
  session?: string;
  ip: string;
}

export type AccessEnv = { Variables: { actor: Actor } };

export const SESSION_COOKIE = 'nekomata_session';
/** Failed logins (or wrong bearer tokens) one address may make per minute before it is refused for five. */
export const LOGIN_FAILURES_PER_MINUTE = 5;
const BLOCK_SECONDS = 300;

/**
 * Access to the admin API: the bearer token, the UI's session cookie, the Origin and Host checks, and the
 * limit on failed logins (rate-limiter-flexible, per client address). Tokens are compared in constant time
 * and never logged: log lines name the address and the reason only.
 */
export class AdminAccess {
  private readonly sessions: SessionStore;
  private readonly failures = new RateLimiterMemory({ points: LOGIN_FAILURES_PER_MINUTE, duration: 60, blockDuration: BLOCK_SECONDS });
  private readonly digest: Buffer | undefined;
  private readonly noise: RepeatLog;

  constructor(
    private readonly settings: AdminAccessSettings,
    private readonly deps: { log: Logger; metrics: Metrics },
  ) {
    this.sessions = new SessionStore(settings.sessionTtlMs);
    this.digest = settings.token === undefined ? undefined : sha256(settings.token);
    this.noise = new RepeatLog(deps.log, 'admin API requests refused');
  }

  /** `token`: a login is needed; `loopback`: no token is set, and only loopback clients reach the server. */
  get mode(): 'token' | 'loopback' {
    return this.digest ? 'token' : 'loopback';
  }

  /** Refuses what may not reach the admin API; the request's `actor` is set for what follows. */
  readonly guard: MiddlewareHandler<AccessEnv> = async (c, next) => {
    const refused = this.checkRequest(c);
    if (refused) return refused;
    const ip = clientAddress(c);
    if (!this.digest) {
      c.set('actor', { via: 'loopback', ip });
      return next();
    }
    const sessionId = getCookie(c, SESSION_COOKIE);
    if (this.sessions.check(sessionId) !== undefined) {
      c.set('actor', { via: 'session', session: sessionTag(sessionId!), ip });
      return next();
    }
    const bearer = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) {
      const blocked = await this.blockedFor(ip);
      if (blocked) return this.limited(c, blocked);
      if (this.matches(bearer)) {
        c.set('actor', { via: 'token', ip });
        return next();
      }
      await this.failed(ip);
      return this.refuse(c, 401, 'wrong_token', 'wrong admin token');
    }
    c.header('WWW-Authenticate', 'Bearer realm="nekomata"');
    return this.refuse(c, 401, 'no_auth', 'log in, or send Authorization: Bearer <ADMIN_TOKEN>');
  };

  /** The Origin check (and the Host check without a token) for requests the guard does not cover: login, logout. */
  checkRequest(c: Context): Response | undefined {
    const host = this.digest ? undefined : hostProblem(c);
    if (host) return this.refuse(c, 403, 'host', host);
    const origin = crossOriginProblem(c, this.settings.origins);
    if (origin) return this.refuse(c, 403, 'origin', `cross-origin request refused: ${origin}`);
    return undefined;
  }

  /** Logs the UI in: a right token opens a session (the cookie); wrong ones count toward the address's limit. */
  async login(c: Context, token: string): Promise<{ ok: true; expiresAt: number } | { ok: false; response: Response }> {
    const refused = this.checkRequest(c);
    if (refused) return { ok: false, response: refused };
    if (!this.digest) return { ok: true, expiresAt: Number.MAX_SAFE_INTEGER };
    const ip = clientAddress(c);
    const blocked = await this.blockedFor(ip);
    if (blocked) return { ok: false, response: this.limited(c, blocked) };
    if (!this.matches(token)) {
      await this.failed(ip);
      this.deps.metrics.count('admin_logins_total', { outcome: 'wrong_token' });
      return { ok: false, response: this.refuse(c, 401, 'wrong_token', 'wrong admin token') };
    }
    await this.failures.delete(ip);
    const session = this.sessions.open();
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true, sameSite: 'Strict', path: '/', maxAge: Math.floor(this.settings.sessionTtlMs / 1000), secure: isHttps(c),
    });
    this.deps.metrics.count('admin_logins_total', { outcome: 'ok' });
    this.deps.log.info({ ip, session: sessionTag(session.id) }, 'admin login');
    return { ok: true, expiresAt: session.expiresAt };
  }

  logout(c: Context): void {
    this.sessions.close(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
  }

  /** Whether this request is logged in, and until when (for the UI's first screen). */
  status(c: Context): { mode: 'token' | 'loopback'; authenticated: boolean; expiresAt?: number } {
    if (!this.digest) return { mode: 'loopback', authenticated: hostProblem(c) === undefined };
    const expiresAt = this.sessions.check(getCookie(c, SESSION_COOKIE));
    return expiresAt === undefined ? { mode: 'token', authenticated: false } : { mode: 'token', authenticated: true, expiresAt };
  }

  /** Whether `candidate` is the admin token (constant time: both sides are hashed to one length first). */
  matches(candidate: string): boolean {
    return this.digest !== undefined && timingSafeEqual(sha256(candidate), this.digest);
  }

  private async blockedFor(ip: string): Promise<RateLimiterRes | undefined> {
    const state = await this.failures.get(ip);
    return state && state.remainingPoints <= 0 && state.msBeforeNext > 0 ? state : undefined;
  }

  private async failed(ip: string): Promise<void> {
    await this.failures.consume(ip).catch((res: unknown) => {
      if (!(res instanceof RateLimiterRes)) throw res;
      this.deps.log.warn({ ip }, `admin login: too many failures from ${ip}; refused for ${BLOCK_SECONDS} s`);
    });
  }

  private limited(c: Context, state: RateLimiterRes): Response {
    c.header('Retry-After', String(Math.ceil(state.msBeforeNext / 1000)));
    this.deps.metrics.count('admin_logins_total', { outcome: 'limited' });
    return this.refuse(c, 429, 'limited', 'too many failed logins from this address: wait and try again');
  }

  private refuse(c: Context, status: 401 | 403 | 429, reason: string, error: string): Response {
    this.deps.metrics.count('admin_refused_total', { reason });
    this.noise.info(reason, { ip: clientAddress(c), method: c.req.method, route: c.req.routePath, status }, `admin API refused ${c.req.method} (${reason})`);
    return c.json({ error }, status);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The peer's address (not a forwarded header, which anyone can write). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Whether the browser reached us over TLS: directly, or through a proxy that says so (then the cookie is `Secure`). */
function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}
