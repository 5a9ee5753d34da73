import type { Context } from 'hono';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Metrics } from '../metrics/index.js';
import { hostProblem } from './origin-check.js';

/** One condition of readiness, with why it holds or not (`/readyz` shows every one). */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What `/readyz` reports: ready when every check holds. */
export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** `GET /readyz`: 200 when ready, 503 when not, the checks and their reasons in the body either way. */
export async function readyz(c: Context, readiness: (() => Promise<Readiness>) | undefined, serving: boolean): Promise<Response> {
  const report = readiness ? await readiness() : { ready: true, checks: [] };
  const checks: ReadinessCheck[] = [{ name: 'http', ok: serving, detail: serving ? 'serving' : 'shutting down' }, ...report.checks];
  const ready = checks.every((check) => check.ok);
  return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
}

/**
 * `GET /metrics` in the Prometheus text format. Open on a loopback-only server without `METRICS_TOKEN`;
 * otherwise the scraper sends `Authorization: Bearer` with `METRICS_TOKEN` or `ADMIN_TOKEN`.
 */
export async function metricsText(
  c: Context,
  metrics: Metrics,
  access: { loopbackOnly: boolean; tokens: readonly string[]; metricsToken: string | undefined },
): Promise<Response> {
  const bearer = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  const byToken = bearer !== undefined && access.tokens.some((t) => sameSecret(bearer, t));
  const open = access.loopbackOnly && access.metricsToken === undefined && hostProblem(c) === undefined;
  if (!byToken && !open) {
    metrics.count('http_refused_total', { reason: 'metrics_auth' });
    c.header('WWW-Authenticate', 'Bearer realm="nekomata-metrics"');
    return c.json({ error: 'send Authorization: Bearer <METRICS_TOKEN or ADMIN_TOKEN>' }, 401);
  }
  const { text, contentType } = await metrics.render();
  return c.body(text, 200, { 'Content-Type': contentType });
}

function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
