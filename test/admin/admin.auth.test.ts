import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CHAT_ROUTES } from '../../adapters/web/index.js';
import { loadConfig } from '../../app/config.js';
import { ConfigError } from '../../core/errors/index.js';
import { LOGIN_FAILURES_PER_MINUTE, SESSION_COOKIE } from '../../core/http/index.js';
import { createApp } from '../../core/runtime/index.js';
import { ADMIN_TOKEN, jsonOf, startAdminApp, type AdminTestApp } from '../support/admin.js';
import { captureLogger } from '../support/logger.js';

let t: AdminTestApp;
beforeAll(async () => {
  t = await startAdminApp();
});
afterAll(() => t.stop());

/** Every route of the OpenAPI document, and the web chat's, with sample values in their path parameters. */
async function everyApiRoute(): Promise<{ method: string; path: string }[]> {
  const doc = (await t.json('/api/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
  const routes = Object.entries(doc.paths).flatMap(([p, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path: p.replace('{key}', 'nekomata.built_in').replace('{name}', 'built_in:echo').replace('{chatKey}', 'web-private_x').replace('{id}', 'some-run').replace('{topic}', 'runs') })),
  );
  return [...routes, { method: 'POST', path: WEB_CHAT_ROUTES.send }, { method: 'GET', path: `${WEB_CHAT_ROUTES.events}?chatKey=web-private_x` }];
}

describe('admin API access', () => {
  it('answers 401 on every /api route without the token, except the login itself', async () => {
    const routes = await everyApiRoute();
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, path } of routes) {
      const res = await t.api(path, { method, token: false, ...(method === 'GET' ? {} : { body: '{}' }) });
      const login = path === '/api/session' && method !== 'DELETE';
      expect(res.status, `${method} ${path}`).toBe(login ? (method === 'POST' ? 400 : 200) : 401);
      await res.body?.cancel();
    }
    expect(await t.json('/api/session', { token: false })).toEqual({ mode: 'token', authenticated: false });
  });

  it('answers 401 to a wrong bearer token and serves the right one', async () => {
    expect((await t.api('/api/system', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    const res = await t.api('/api/system');
    expect(res.status).toBe(200);
    expect(await jsonOf(res)).toMatchObject({ version: expect.any(String), uptimeMs: expect.any(Number), buffer: { depth: { buffered: 0 } } });
  });

  it('logs the UI in with an HttpOnly, SameSite=Strict cookie that expires, and out again', async () => {
    const res = await t.api('/api/session', { method: 'POST', token: false, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[\\w-]{40,};`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toContain(ADMIN_TOKEN);
    const session = cookie.split(';')[0]!;
    expect((await t.api('/api/plugins', { token: false, headers: { cookie: session } })).status).toBe(200);
    expect((await t.api('/api/session', { method: 'DELETE', token: false, headers: { cookie: session } })).status).toBe(204);
    expect((await t.api('/api/plugins', { token: false, headers: { cookie: session } })).status).toBe(401);
  });

  it('refuses a cross-origin change, with the cookie or the token, and takes a same-origin one', async () => {
    const evil = { origin: 'http://evil.example' };
    expect((await t.api('/api/plugins/nekomata.example_config/disable', { method: 'POST', headers: evil })).status).toBe(403);
    expect((await t.api('/api/session', { method: 'POST', token: false, headers: evil, body: JSON.stringify({ token: ADMIN_TOKEN }) })).status).toBe(403);
    expect((await t.api('/api/chats/web-private_x/reset', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect(t.app.plugins.get('nekomata.example_config')?.info.state).toBe('enabled');
    const same = await t.api('/api/chats/web-private_x/reset', { method: 'POST', headers: { origin: t.url } });
    expect(same.status).toBe(200);
    // Reading is not a change: a page elsewhere cannot read the answer anyway (no CORS headers).
    expect((await t.api('/api/system', { headers: evil })).status).toBe(200);
  });

  it('refuses static paths that leave the UI folder', async () => {
    for (const p of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui//etc/passwd', '/ui/%2e%2e%2f%2e%2e%2fpackage.json', '/ui/vendor/..%2f..%2fpackage.json', '/ui/..\\package.json']) {
      const res = await fetch(`${t.url}${p}`);
      const body = await res.text();
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(body, p).not.toContain('"name": "nekomata"');
    }
    expect((await fetch(`${t.url}/ui/app.js`)).status).toBe(200);
    expect((await fetch(`${t.url}/ui/vendor/preact.mjs`)).status).toBe(200);
  });

  it('limits failed logins per address, even when the right token follows', async () => {
    const other = await startAdminApp();
    try {
      const login = (token: string) => other.api('/api/session', { method: 'POST', token: false, body: JSON.stringify({ token }) });
      for (let i = 0; i < LOGIN_FAILURES_PER_MINUTE; i++) expect((await login(`wrong-${i}`)).status).toBe(401);
      const limited = await login(ADMIN_TOKEN);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await other.api('/api/system')).status).toBe(429);
      expect(other.app.metrics.get('admin_logins_total', { outcome: 'wrong_token' })).toBe(LOGIN_FAILURES_PER_MINUTE);
    } finally {
      await other.stop();
    }
  });

  it('never writes a token to the log', async () => {
    await t.api('/api/session', { method: 'POST', token: false, body: JSON.stringify({ token: ADMIN_TOKEN }) });
    await t.api('/api/session', { method: 'POST', token: false, body: JSON.stringify({ token: 'a-wrong-token-that-is-long' }) });
    await t.api('/api/plugins', { token: 'another-wrong-bearer-token' });
    const log = t.logText();
    expect(log).toContain('admin login');
    for (const secret of [ADMIN_TOKEN, 'a-wrong-token-that-is-long', 'another-wrong-bearer-token']) expect(log).not.toContain(secret);
  });
});

describe('binding without a token', () => {
  it('refuses to start on a non-loopback HTTP_HOST, naming HTTP_HOST and ADMIN_TOKEN', async () => {
    expect(() => loadConfig({ HTTP_PORT: '0', HTTP_HOST: '0.0.0.0' })).toThrow(ConfigError);
    // An app built from a configuration made by hand is refused by the server itself.
    const config = loadConfig({ HTTP_PORT: '0' });
    const app = createApp({ ...config, http: { ...config.http!, host: '0.0.0.0' } }, { log: captureLogger().log });
    const err = await app.start().then(() => undefined, (e: unknown) => e);
    await app.stop();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual(['HTTP_HOST', 'ADMIN_TOKEN']);
  });

  it('serves loopback clients without a login, but only under a loopback Host name', async () => {
    const open = await startAdminApp({ ADMIN_TOKEN: '' });
    try {
      expect(await open.json('/api/session', { token: false })).toEqual({ mode: 'loopback', authenticated: true });
      expect((await open.api('/api/system', { token: false })).status).toBe(200);
      // DNS rebinding: a site whose name resolves to 127.0.0.1 reaches the port with its own name as Host.
      expect(await statusWithHost(`${open.url}/api/system`, 'rebind.example')).toBe(403);
      expect(await statusWithHost(`${open.url}/api/system`, 'localhost')).toBe(200);
      expect((await open.api('/api/plugins/nekomata.example_config/disable', { method: 'POST', token: false, headers: { origin: 'http://evil.example' } })).status).toBe(403);
    } finally {
      await open.stop();
    }
  });
});

/** GET with a Host header of one's choosing (fetch does not let a caller set it). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}
