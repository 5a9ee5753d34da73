import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makePlugin } from '../support/plugins.js';

let app: App;
afterEach(async () => app?.stop());

describe('plugin HTTP routes', () => {
  it('are served under /plugins/<key>/ on the app server while the plugin is enabled', async () => {
    ({ app } = makeTestApp({ HTTP_PORT: '0' }, { builtinPluginDirs: [] }));
    const p = makePlugin();
    const hooks: unknown[] = [];
    p.route('POST', '/webhook', async (c) => {
      hooks.push(await c.req.json());
      return c.json({ ok: true, plugin: p.key });
    });
    expect(() => p.route('GET', '../escape', (c) => c.text(''))).toThrow(expect.objectContaining({ code: 'PLUGIN_REGISTRATION_INVALID' }));
    await app.start();
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    const url = `${app.http.url}/plugins/${p.key}/webhook`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'push' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, plugin: p.key });
    expect(hooks).toEqual([{ event: 'push' }]);
    expect((await fetch(url)).status).toBe(405);
    await app.plugins.disable(p.key);
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('without HTTP_PORT, are refused with the reason while the rest of the plugin works', async () => {
    let lines: Record<string, unknown>[];
    ({ app, lines } = makeTestApp({}, { builtinPluginDirs: [] }));
    const p = makePlugin();
    p.route('GET', '/status', (c) => c.text('up'));
    p.entry('ping', {}, () => 'pong');
    await app.start();
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    expect(await p.callPlugin(p.key, 'ping')).toBe('pong');
    expect(lines.some((l) => String(l.msg).includes(`route GET /plugins/${p.key}/status`) && String(l.msg).includes('HTTP_PORT'))).toBe(true);
    expect(app.metrics.get('plugin_errors_total', { plugin: p.key, stage: 'route' })).toBe(1);
  });
});
