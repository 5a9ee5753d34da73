import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../core/runtime/index.js';
import { BasePlugin, customEvent, entry, lifecycle, timer, type EntryCall, type LifecycleInfo } from '../../core/plugin/index.js';
import { makeTestApp } from '../support/app.js';
import { until } from '../support/messages.js';
import { makePlugin } from '../support/plugins.js';
import { RecordingAdapter } from '../support/chat.js';

let app: App;
afterEach(async () => app?.stop());

const adapter = new RecordingAdapter();

async function start(env: Record<string, string> = {}): Promise<App> {
  adapter.sent.length = 0;
  ({ app } = makeTestApp(env, { builtinPluginDirs: [], adapters: [adapter] }));
  await app.start();
  return app;
}

describe('N.E.K.O registrations on the Plugin object', () => {
  it('run lifecycle handlers on startup, config_change and shutdown, and record them on the lifecycle topic', async () => {
    await start();
    const seen: LifecycleInfo[] = [];
    const p = makePlugin({ config: z.object({ city: z.string().default('Paris') }) });
    for (const event of ['startup', 'shutdown', 'config_change'] as const) p.onLifecycle(event, (info) => void seen.push(info));
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await p.updateConfig({ city: 'Rome' });
    await until(() => seen.length === 2, 'config_change');
    await app.plugins.disable(p.key);
    expect(seen.map((s) => s.event)).toEqual(['startup', 'config_change', 'shutdown']);
    expect(seen[1]).toMatchObject({ value: { city: 'Rome' }, previous: { city: 'Paris' } });
    const recorded = await app.neko.bus.topic('lifecycle').getRecent({ filter: { plugin: p.key } });
    expect(recorded.map((r) => r.type)).toEqual(['startup', 'config_change', 'shutdown']);
    expect(() => p.onLifecycle('freeze' as never, () => undefined)).toThrow(expect.objectContaining({ code: 'PLUGIN_REGISTRATION_INVALID' }));
  });

  it('deliver custom events by type to onCustomEvent handlers, on the events topic too, until the plugin is disabled', async () => {
    await start();
    const got: unknown[] = [];
    const listener = makePlugin();
    listener.onCustomEvent('weather', 'log', (payload) => void got.push(payload));
    listener.onCustomEvent('other', 'log', () => void got.push('wrong type'));
    const emitter = makePlugin();
    for (const p of [listener, emitter]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    await emitter.emit('weather', { temp: 21 });
    expect(got).toEqual([{ temp: 21 }]);
    const events = await emitter.ctx.bus.events.getRecent({ filter: { type: 'custom_event', text: /^weath/ } });
    expect(events.map((e) => e.plugin)).toEqual([emitter.key]);
    await app.plugins.disable(listener.key);
    await emitter.emit('weather', { temp: 22 });
    expect(got).toEqual([{ temp: 21 }]);
    expect(() => listener.onCustomEvent('weather', 'log', () => undefined)).toThrow(/already handles "weather"/);
  });

  it('take the class style: @entry, @lifecycle, @timer and @customEvent register the same things', async () => {
    await start();
    const log: string[] = [];
    class Neko extends BasePlugin {
      constructor() {
        super({ name: 'Neko', moduleName: 'neko_class', description: '', version: '1.0.0', author: 'tester', url: '' });
      }
      @entry('double', { input: z.object({ n: z.number() }) })
      double({ n }: { n: number }, call: EntryCall) {
        return { doubled: n * 2, chain: call.chain };
      }
      @lifecycle('startup')
      started() {
        log.push('startup');
      }
      @timer('tick', { every: 10 })
      tick() {
        log.push('tick');
      }
      @customEvent('hello', 'greet')
      greet(payload: unknown) {
        log.push(`hello ${String(payload)}`);
      }
    }
    const p = new Neko();
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    expect(await p.callPlugin(p.key, 'double', { n: 4 })).toEqual({ doubled: 8, chain: [p.key, `${p.key}:double`] });
    await p.emit('hello', 'world');
    await until(() => log.includes('tick'), 'the decorated timer to fire');
    expect(log.slice(0, 2)).toEqual(['startup', 'hello world']);
  });

  it('fire a cron timer in process', async () => {
    await start();
    const p = makePlugin();
    const ticks: number[] = [];
    p.timer('each-second', { cron: '* * * * * *' }, ({ scheduledAt }) => void ticks.push(scheduledAt));
    expect(() => p.timer('bad', { cron: '* * *' }, () => undefined)).toThrow(/5 fields .* or 6/);
    expect(() => p.timer('bad2', { cron: '99 * * * *' }, () => undefined)).toThrow(/not a valid pattern/);
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await until(() => ticks.length >= 1, 'the cron timer to fire', 3000);
  });

  it('pushMessage writes to the messages topic and, with a chat key, sends through the adapter', async () => {
    await start();
    const p = makePlugin();
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await p.ctx.pushMessage({ content: 'note to self', description: 'a note' });
    const pushed = await p.ctx.bus.messages.getRecent({ filter: { plugin: p.key } });
    expect(pushed.map((m) => [m.type, m.text])).toEqual([['text', 'note to self']]);
    await p.ctx.pushMessage({ content: 'hello chat', chatKey: 'test-private_7' });
    expect(adapter.sent.map((m) => [m.chatKey, m.text])).toEqual([['test-private_7', 'hello chat']]);
    expect((await p.ctx.bus.messages.getRecent({ filter: { chat: 'test-private_7' } })).map((m) => [m.type, m.plugin])).toEqual([['text', p.key], ['sent', undefined]]);
    // No adapter serves this chat: the push is recorded, and the send fails with the reason.
    await expect(p.ctx.pushMessage({ content: 'hi', chatKey: 'nowhere-private_1' })).rejects.toMatchObject({ code: 'ADAPTER_NOT_FOUND' });
    expect((await p.ctx.bus.messages.getRecent({ filter: { chat: 'nowhere-private_1' } })).map((m) => m.text)).toEqual(['hi']);
    p.ctx.reportStatus({ queue: 3 });
    expect(app.plugins.list().find((i) => i.key === p.key)?.status?.value).toEqual({ queue: 3 });
  });

  it('stop bus watches made through ctx.bus when the plugin is disabled', async () => {
    await start();
    const p = makePlugin();
    const seen: string[] = [];
    p.onLifecycle('startup', () => void p.ctx.bus.memory.watch({}, (r) => void seen.push(r.text ?? '')));
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    app.history.record({ kind: 'note', chatKey: 'test-private_1', text: 'first' });
    await app.plugins.disable(p.key);
    app.history.record({ kind: 'note', chatKey: 'test-private_1', text: 'second' });
    expect(seen).toEqual(['first']);
    expect((await p.ctx.bus.memory.getRecent({ filter: { chat: 'test-private_1' } })).map((r) => r.text)).toEqual(['first', 'second']);
  });
});
