import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_CHAT_ROUTES } from '../../adapters/web/index.js';
import { jsonOf, readEvents, startAdminApp, type AdminTestApp } from '../support/admin.js';

let t: AdminTestApp;
beforeAll(async () => {
  t = await startAdminApp();
});
afterAll(() => t.stop());

const json = (body: unknown) => ({ body: JSON.stringify(body) });

describe('the admin API', () => {
  it('serves an OpenAPI 3.1 document that validates, generated from the routes’ zod schemas', async () => {
    const doc = await t.json('/api/openapi.json');
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/plugins/{key}/config'].put.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(doc.paths).length).toBeGreaterThanOrEqual(15);
  });

  it('refuses a body or query that does not fit the route’s schema, naming the field', async () => {
    const res = await t.api('/api/commands/built_in:echo/enabled', { method: 'PUT', ...json({ scope: 'global', enabled: 'yes' }) });
    expect(res.status).toBe(400);
    expect(await jsonOf(res)).toMatchObject({ issues: [{ path: 'enabled' }] });
    expect((await t.api('/api/logs?limit=0')).status).toBe(400);
  });

  it('lists plugins with their state and runtime, disables and enables one, and records who did it', async () => {
    const plugins = await t.json('/api/plugins');
    expect(plugins.find((p: { key: string }) => p.key === 'nekomata.example_config')).toMatchObject({
      state: 'enabled', hasConfig: true, runtime: { isolation: 'inline', pid: process.pid, restarts: 0, errors: 0 },
    });
    expect((await t.json('/api/plugins/nekomata.example_config')).docs).toContain('# Config example');
    expect((await t.api('/api/plugins/nobody.nothing/disable', { method: 'POST' })).status).toBe(404);
    expect(await t.json('/api/plugins/nekomata.example_config/disable', { method: 'POST' })).toMatchObject({ state: 'disabled' });
    expect(t.app.plugins.get('nekomata.example_config')?.info.state).toBe('disabled');
    expect(await t.json('/api/plugins/nekomata.example_config/enable', { method: 'POST' })).toMatchObject({ state: 'enabled' });
    const audit = await t.json('/api/audit?limit=2');
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['plugin.enable', 'plugin.disable']);
    expect(audit[0]).toMatchObject({ target: 'nekomata.example_config', ok: true, actor: { via: 'token', ip: expect.stringMatching(/127\.0\.0\.1/) } });
  });

  it('reads a plugin’s config with its JSON Schema, refuses invalid values by field, and saves valid ones', async () => {
    const config = await t.json('/api/plugins/nekomata.example_config/config');
    expect(config.values).toEqual({ triggerWords: ['help'], mutedUsers: [], maxLength: 2000 });
    expect(config.schema.properties.maxLength).toMatchObject({ type: 'integer' });
    const bad = await t.api('/api/plugins/nekomata.example_config/config', { method: 'PUT', ...json({ values: { maxLength: -1, unknown: 1 } }) });
    expect(bad.status).toBe(422);
    expect((await jsonOf(bad)).issues).toEqual([{ path: 'unknown', message: 'is not a field of this config' }]);
    const invalid = await t.api('/api/plugins/nekomata.example_config/config', { method: 'PUT', ...json({ values: { maxLength: -1 } }) });
    expect((await jsonOf(invalid)).issues).toEqual([{ path: 'maxLength', message: expect.stringContaining('>0') }]);
    const saved = await t.api('/api/plugins/nekomata.example_config/config', { method: 'PUT', ...json({ values: { maxLength: 300, triggerWords: ['now'] } }) });
    expect((await jsonOf(saved)).values).toMatchObject({ maxLength: 300, triggerWords: ['now'] });
    expect(t.app.plugins.get('nekomata.example_config')?.config.value).toMatchObject({ maxLength: 300 });
    expect(t.app.audit.recent(1)[0]).toMatchObject({ action: 'plugin.config', detail: { fields: ['maxLength', 'triggerWords'] } });
  });

  it('lists commands with their arguments and sets permission and enabled overrides per chat and globally', async () => {
    const commands = await t.json('/api/commands');
    expect(commands.find((c: { fullName: string }) => c.fullName === 'built_in:echo')).toMatchObject({
      permission: 'public', args: [{ name: 'text', type: 'str', greedy: true, required: true }], overrides: { permission: {}, enabled: {} },
    });
    const perm = await t.api('/api/commands/built_in:echo/permission', { method: 'PUT', ...json({ scope: 'global', level: 'advanced' }) });
    expect((await jsonOf(perm)).overrides.permission).toEqual({ '*': 'advanced' });
    const chat = await t.api('/api/commands/built_in:echo/enabled', { method: 'PUT', ...json({ scope: 'onebot-group_1', enabled: false }) });
    expect((await jsonOf(chat)).overrides.enabled).toEqual({ 'onebot-group_1': false });
    expect(t.app.commands.overrides.isEnabled('built_in:echo', 'onebot-group_1')).toBe(false);
    expect((await t.api('/api/commands/built_in:echo/enabled', { method: 'PUT', ...json({ scope: 'no such chat', enabled: true }) })).status).toBe(400);
    await t.api('/api/commands/built_in:echo/permission', { method: 'PUT', ...json({ scope: 'global', level: null }) });
    await t.api('/api/commands/built_in:echo/enabled', { method: 'PUT', ...json({ scope: 'onebot-group_1', enabled: true }) });
  });

  it('runs a command as the admin and streams its output over SSE', async () => {
    const res = await t.api('/api/commands/execute', { method: 'POST', ...json({ text: '/echo streamed hello' }) });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readEvents(res, (es) => es.some((e) => e.event === 'end'));
    expect(events).toEqual([{ event: 'response', data: { status: 'success', message: 'streamed hello', segments: [] } }, { event: 'end', data: {} }]);
    // As a super user: commands a chat user may not run work from here.
    const list = await readEvents(await t.api('/api/commands/execute', { method: 'POST', ...json({ text: 'plugins.list' }) }), (es) => es.some((e) => e.event === 'end'));
    expect(list[0]!.data.status).toBe('success');
  });

  it('lists chats, shows a chat’s history, and resets it', async () => {
    const sent = await t.api(WEB_CHAT_ROUTES.send, { method: 'POST', ...json({ chat: { type: 'group', id: 'lobby' }, userId: 'bob', text: 'just chatting' }) });
    expect(await jsonOf(sent)).toMatchObject({ chatKey: 'web-group_lobby', outcome: 'record' });
    const chats = await t.json('/api/chats');
    expect(chats).toContainEqual({ chatKey: 'web-group_lobby', count: 1, lastTime: expect.any(Number) });
    const history = await t.json('/api/chats/web-group_lobby/history');
    expect(history).toMatchObject([{ role: 'user', userId: 'bob', text: 'just chatting' }]);
    expect(await t.json('/api/chats/web-group_lobby/reset', { method: 'POST' })).toEqual({ dropped: 0, archived: 1, aborted: false });
    expect(await t.json('/api/chats/web-group_lobby/history')).toEqual([]);
    expect((await t.api('/api/chats/not-a-chat/history')).status).toBe(400);
  });

  it('shows recent log lines from a level up, and streams new ones live', async () => {
    const warn = await t.json('/api/logs?level=warn');
    expect(warn.every((r: { level: number }) => r.level >= 40)).toBe(true);
    const res = await t.api('/api/logs/stream?level=info');
    const reading = readEvents(res, (es) => es.some((e) => e.data.msg === 'a line written while a client watches'));
    t.app.log.debug('a debug line the filter leaves out');
    t.app.log.info('a line written while a client watches');
    const events = await reading;
    expect(events.every((e) => e.event === 'log' && e.data.level >= 30)).toBe(true);
    expect(events.some((e) => e.data.msg === 'a debug line the filter leaves out')).toBe(false);
  });

  it('shows the adapters with their counters, and the process', async () => {
    const adapters = await t.json('/api/adapters');
    expect(adapters).toEqual([{ name: 'web', state: 'open', canReconnect: false, counters: { received: expect.any(Number), sent: expect.any(Number), events: 0 } }]);
    expect(adapters[0].counters.received).toBeGreaterThan(0);
    expect((await t.api('/api/adapters/web/reconnect', { method: 'POST' })).status).toBe(409);
    expect((await t.api('/api/adapters/nope/reconnect', { method: 'POST' })).status).toBe(404);
    const system = await t.json('/api/system');
    expect(system).toMatchObject({ role: 'all', pid: process.pid, store: expect.stringContaining('SQLite'), buffer: { description: expect.any(String) } });
  });
});
