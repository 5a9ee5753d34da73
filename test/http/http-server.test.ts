import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, HttpListenError, HttpRouteConflictError, HttpServer, Metrics, type App } from '../../core/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';

let server: HttpServer | undefined;
let app: App | undefined;
afterEach(async () => {
  await server?.stop();
  await app?.stop();
  server = undefined;
  app = undefined;
});

async function startServer(): Promise<{ server: HttpServer; metrics: Metrics }> {
  const metrics = new Metrics();
  server = new HttpServer({ host: '127.0.0.1', port: 0 }, { log: captureLogger().log, metrics });
  await server.start();
  return { server, metrics };
}

describe('HTTP server', () => {
  it('answers GET /healthz with ok while running', async () => {
    const { server: s } = await startServer();
    const res = await fetch(`${s.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves a registered route until its disposer is called, then the path is free again', async () => {
    const { server: s, metrics } = await startServer();
    const unroute = s.route('POST', '/hook', async (c) => c.json({ got: await c.req.json() }));
    const post = () => fetch(`${s.url}/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await (await post()).json()).toEqual({ got: { a: 1 } });
    expect((await fetch(`${s.url}/hook`)).status).toBe(405);
    unroute();
    expect((await post()).status).toBe(404);
    expect(metrics.get('http_refused_total', { reason: 'not_found' })).toBe(1);
    s.route('POST', '/hook', (c) => c.body('again'));
    expect(await (await post()).text()).toBe('again');
  });

  it('refuses a second route on the same method and path, and /healthz', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body(''));
    expect(() => s.route('POST', '/hook', (c) => c.body(''))).toThrow(HttpRouteConflictError);
    expect(() => s.route('GET', '/healthz', (c) => c.body(''))).toThrow(HttpRouteConflictError);
    expect(() => s.route('GET', 'no-slash', (c) => c.body(''))).toThrow(/must start with "\/"/);
  });

  it('answers 503 on routes and reports stopping once shutdown refuses input', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body('handled'));
    s.refuse();
    const res = await fetch(`${s.url}/hook`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const health = await fetch(`${s.url}/healthz`);
    expect([health.status, await health.json()]).toEqual([503, { status: 'stopping' }]);
  });

  it('answers 500 and counts a route that throws', async () => {
    const { server: s, metrics } = await startServer();
    s.route('GET', '/boom', () => {
      throw new Error('boom');
    });
    expect((await fetch(`${s.url}/boom`)).status).toBe(500);
    expect(metrics.get('http_errors_total', { path: '/boom' })).toBe(1);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const { server: s } = await startServer();
    s.route('POST', '/hook', (c) => c.body('handled'));
    const res = await fetch(`${s.url}/hook`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });

  it('says which port it could not open', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    server = new HttpServer({ host: '127.0.0.1', port }, { log: captureLogger().log, metrics: new Metrics() });
    await expect(server.start()).rejects.toBeInstanceOf(HttpListenError);
    await expect(server.start()).rejects.toThrow(`127.0.0.1:${port}`);
    blocker.close();
  });

  it('has no server without HTTP_PORT, and registering a route says to set it', async () => {
    server = new HttpServer(undefined, { log: captureLogger().log, metrics: new Metrics() });
    await server.start();
    expect(server.url).toBeUndefined();
    const err = (() => {
      try {
        server.route('POST', '/hook', (c) => c.body(''));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual(['HTTP_PORT']);
  });
});

describe('the app and its HTTP server', () => {
  it('listens while the app runs when HTTP_PORT is set, and closes on stop', async () => {
    ({ app } = makeTestApp({ HTTP_PORT: '0' }));
    await app.start();
    const url = app.http.url!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    await app.stop();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('runs no server without HTTP_PORT', async () => {
    ({ app } = makeTestApp());
    await app.start();
    expect(app.http.enabled).toBe(false);
    expect(app.http.url).toBeUndefined();
  });
});
