import { afterEach, describe, expect, it } from 'vitest';
import { MsgSignal, Priority } from '../../core/hooks/index.js';
import type { Batch } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, until } from '../support/messages.js';
import { makePlugin, chatPolicy } from '../support/plugins.js';

let app: App;
const batches: Batch[] = [];
async function start(env: Record<string, string> = {}) {
  batches.length = 0;
  ({ app } = makeTestApp(env, { sessionHandler: async (b) => void batches.push(b), builtinPluginDirs: [], plugins: [chatPolicy()] }));
  await app.start();
  return app;
}
afterEach(async () => app?.stop());

describe('plugin lifecycle', () => {
  it('runs init once per load even while disabled, cleanup at unload, and reset callbacks per chat', async () => {
    await start();
    const events: string[] = [];
    const p = makePlugin();
    p.mountInitMethod(() => void events.push('init'));
    p.mountCleanupMethod(() => void events.push('cleanup'));
    p.mountOnChannelReset((ctx) => void events.push(`reset ${ctx.chatKey}`));
    const info = await app.plugins.load(p);
    expect(info.state).toBe('disabled');
    expect(events).toEqual(['init']);
    await app.resetChannel('test-private_a');
    expect(events).toEqual(['init']); // disabled: no callbacks
    await app.plugins.enable(p.key);
    await app.plugins.disable(p.key);
    await app.plugins.enable(p.key);
    expect(events).toEqual(['init']); // enable/disable do not run init or cleanup
    await app.resetChannel('test-private_a');
    await app.resetChannel('test-group_b');
    expect(events).toEqual(['init', 'reset test-private_a', 'reset test-group_b']);
    await app.plugins.unload(p.key);
    expect(events.at(-1)).toBe('cleanup');
    expect(app.plugins.get(p.key)).toBeUndefined();
  });

  it('starts built-ins and PLUGINS_ENABLED plugins enabled, other third-party plugins disabled', async () => {
    const listed = makePlugin();
    await start({ PLUGINS_ENABLED: listed.key });
    const builtin = makePlugin({ isBuiltin: true });
    const other = makePlugin();
    expect((await app.plugins.load(listed)).state).toBe('enabled');
    expect((await app.plugins.load(builtin)).state).toBe('enabled');
    expect((await app.plugins.load(other)).state).toBe('disabled');
    expect(app.plugins.list().filter((i) => i.key !== 'nekomata.chat_policy').map((i) => [i.key, i.state])).toEqual([
      [listed.key, 'enabled'], [builtin.key, 'enabled'], [other.key, 'disabled'],
    ]);
  });

  it('limits callbacks and hooks to supportAdapter', async () => {
    await start();
    const seen: string[] = [];
    const p = makePlugin({ supportAdapter: ['onebot'] });
    p.on('im_message', (e) => void seen.push(`hook ${e.message.adapter}`));
    p.mountOnUserMessage((ctx) => void seen.push(`callback ${ctx.adapter}`));
    p.mountOnChannelReset((ctx) => void seen.push(`reset ${ctx.adapter}`));
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await app.ingest(makeMessage('from test adapter'));
    await app.resetChannel('test-private_c1');
    await app.resetChannel('onebot-group_1');
    expect(seen).toEqual(['reset onebot']);
  });

  it('leaves no registration behind after disable and unload', async () => {
    await start();
    const baseline = { hooks: app.hooks.count('im_message'), reset: app.hooks.count('channel_reset'), batch: app.hooks.count('im_batch_message') };
    const p = makePlugin();
    p.on('im_message', () => {});
    p.on('im_batch_message', () => {}, { priority: Priority.LOW });
    p.registerTool({ name: 'lookup', description: 'looks up', parameters: { type: 'object' }, execute: () => 'found' });
    p.registerTag({ name: 'mood', description: 'a mood', handle: () => [] });
    await app.plugins.load(p);
    expect(app.tools.has('lookup')).toBe(false);
    await app.plugins.enable(p.key);
    expect(app.hooks.count('im_message')).toBe(baseline.hooks + 1);
    expect(app.hooks.count('im_batch_message')).toBe(baseline.batch + 1);
    expect(app.tools.ownerOf('lookup')).toBe(p.key);
    expect(app.tags.has('mood')).toBe(true);
    await app.plugins.disable(p.key);
    expect([app.hooks.count('im_message'), app.hooks.count('channel_reset'), app.hooks.count('im_batch_message')]).toEqual([baseline.hooks, baseline.reset, baseline.batch]);
    expect(app.tools.has('lookup') || app.tags.has('mood')).toBe(false);
    await app.plugins.enable(p.key);
    p.on('message_buffered', () => {}); // declared while enabled: registered at once, undone at unload
    expect(app.hooks.count('message_buffered')).toBe(1);
    await app.plugins.unload(p.key);
    expect([app.hooks.count('im_message'), app.hooks.count('channel_reset'), app.hooks.count('message_buffered')]).toEqual([baseline.hooks, baseline.reset, 0]);
    expect(app.tools.size + app.tags.size).toBe(0);
  });

  it('refuses a second plugin with the same key or module name', async () => {
    await start();
    const p = makePlugin({ moduleName: 'twin', author: 'one' });
    await app.plugins.load(p);
    await expect(app.plugins.load(p)).rejects.toMatchObject({ code: 'PLUGIN_STATE' });
    await expect(app.plugins.load(makePlugin({ moduleName: 'twin', author: 'two' }))).rejects.toThrow(/module names must be unique/);
  });

  it('emits custom events to plugins listening for that name', async () => {
    await start();
    const got: unknown[] = [];
    const sender = makePlugin();
    const listener = makePlugin();
    listener.on('custom_event', (e) => void got.push([e.eventName, e.sourcePlugin, e.payload]), { eventName: 'weather.changed' });
    for (const p of [sender, listener]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    await sender.emit('weather.changed', { to: 'rain' });
    await sender.emit('something.else', 1);
    expect(got).toEqual([['weather.changed', sender.key, { to: 'rain' }]]);
  });
});

describe('plugins deciding about messages', () => {
  it('combines the MsgSignals of several plugins by Nekro rule, running every callback', async () => {
    await start();
    const calls: string[] = [];
    const blockTrigger = makePlugin();
    blockTrigger.mountOnUserMessage((_ctx, m) => {
      calls.push('a');
      return m.text.includes('x') ? MsgSignal.BLOCK_TRIGGER : undefined;
    });
    const force = makePlugin();
    force.mountOnUserMessage((_ctx, m) => {
      calls.push('b');
      if (m.text.includes('!')) return MsgSignal.FORCE_TRIGGER;
      if (m.text.includes('ban')) return MsgSignal.BLOCK_ALL;
      return MsgSignal.CONTINUE;
    });
    for (const p of [blockTrigger, force]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    expect((await app.ingest(makeMessage('plain'))).outcome).toBe('buffer');
    expect((await app.ingest(makeMessage('x marks'))).outcome).toBe('record');
    expect((await app.ingest(makeMessage('x and !'))).outcome).toBe('flush');
    expect((await app.ingest(makeMessage('x ban'))).outcome).toBe('stopped');
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect((await app.store.history.recent('test-private_c1', 10)).map((h) => h.text)).toEqual(['plain', 'x marks', 'x and !']);
  });

  it('orders hooks of two plugins by priority; a forced choice outranks later hooks', async () => {
    await start();
    const high = makePlugin();
    high.on('im_message', (e) => {
      if (e.message.text === 'locked') e.buffer({ force: true });
      else e.trigger();
    }, { priority: Priority.HIGH });
    const medium = makePlugin();
    medium.on('im_message', (e) => void e.record());
    for (const p of [medium, high]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    expect((await app.ingest(makeMessage('locked'))).outcome).toBe('buffer');
    expect((await app.ingest(makeMessage('open'))).outcome).toBe('record');
  });

  it('pushes system messages: recorded, triggering on request or FORCE_TRIGGER, dropped on BLOCK_ALL', async () => {
    await start();
    const p = makePlugin();
    p.mountOnSystemMessage((_ctx, text) => (text.includes('secret') ? MsgSignal.BLOCK_ALL : text.includes('wake') ? MsgSignal.FORCE_TRIGGER : undefined));
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    expect(await app.plugins.pushSystemMessage('test-group_g', 'note only')).toBe(MsgSignal.CONTINUE);
    expect(await app.plugins.pushSystemMessage('test-group_g', 'a secret')).toBe(MsgSignal.BLOCK_ALL);
    expect(await app.plugins.pushSystemMessage('test-group_g', 'wake up')).toBe(MsgSignal.FORCE_TRIGGER);
    await until(() => batches.length === 1, 'a batch from the system message');
    expect(batches[0]!.messages.map((m) => [m.userId, m.text])).toEqual([['system', 'wake up']]);
    const history = await app.store.history.recent('test-group_g', 10);
    expect(history.map((h) => [h.role, h.text])).toEqual([['system', 'note only'], ['system', 'wake up']]);
  });
});

describe('plugin instances and apps', () => {
  it('refuses to load one instance into a second app while the first holds it', async () => {
    await start();
    const p = makePlugin();
    await app.plugins.load(p);
    const other = makeTestApp({}, { builtinPluginDirs: [] }).app;
    await other.start();
    await expect(other.plugins.load(p)).rejects.toMatchObject({ code: 'PLUGIN_ALREADY_BOUND' });
    await app.plugins.unload(p.key);
    await other.plugins.load(p);
    expect(p.isEnabled).toBe(false);
    await other.stop();
  });

  it('starts the app without a given plugin whose init fails, recording it as failed', async () => {
    const bad = makePlugin();
    bad.mountInitMethod(() => {
      throw new Error('nope');
    });
    ({ app } = makeTestApp({}, { plugins: [bad], builtinPluginDirs: [] }));
    await app.start();
    expect(app.plugins.list().map((i) => [i.key, i.state])).toEqual([[bad.key, 'failed']]);
  });

  it('lets a plugin send to a chat and follow its config changes', async () => {
    const { z } = await import('zod');
    ({ app } = makeTestApp({}, { builtinPluginDirs: [] }));
    await app.start();
    const p = makePlugin({ config: z.object({ greeting: z.string().default('hi') }) });
    const seen: string[] = [];
    await app.plugins.load(p);
    p.onConfigChange((v) => void seen.push(v.greeting));
    await p.updateConfig({ greeting: 'hello' });
    expect(seen).toEqual(['hello']);
    // No adapter named test runs in this app: the send is refused with a typed error, not lost silently.
    await expect(p.send('test-private_x', 'hi')).rejects.toMatchObject({ code: 'ADAPTER_NOT_FOUND' });
  });
});

describe('first-run clarity', () => {
  it('says in the log when a third-party plugin is loaded but disabled, and how to enable it', async () => {
    const made = makeTestApp({}, { builtinPluginDirs: [] });
    app = made.app;
    await app.start();
    const p = makePlugin();
    await app.plugins.load(p);
    const line = made.lines.find((l) => l.plugin === p.key && String(l.msg).includes('loaded but disabled'));
    expect(line?.msg).toBe(`plugin ${p.key} is loaded but disabled: third-party plugins start disabled; enable it with PLUGINS_ENABLED=${p.key} or /plugins.enable ${p.key}`);
  });
});
