import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../core/runtime/index.js';
import type { Plugin } from '../../core/plugin/index.js';
import { makeTestApp } from '../support/app.js';
import { makePlugin } from '../support/plugins.js';

let app: App;
let lines: Record<string, unknown>[];
afterEach(async () => app?.stop());

async function start(env: Record<string, string> = {}, ...plugins: Plugin[]): Promise<App> {
  ({ app, lines } = makeTestApp(env, { builtinPluginDirs: [] }));
  await app.start();
  for (const p of plugins) {
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
  }
  return app;
}

describe('entries and calls between plugins', () => {
  it('validate the arguments against the entry schema, naming each bad field, and pass the parsed value', async () => {
    const calc = makePlugin();
    calc.entry('add', { description: 'adds', input: z.object({ a: z.number(), b: z.number().default(1) }) }, ({ a, b }) => a + b);
    const caller = makePlugin();
    await start({}, calc, caller);
    expect(await caller.callPlugin(calc.key, 'add', { a: 2 })).toBe(3);
    const refused = caller.callPlugin(calc.key, 'add', { a: 'two', b: 'x' });
    await expect(refused).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(refused).rejects.toThrow(/input of entry .*:add is invalid: a: .*number.*; b: .*number/);
    expect(app.neko.entries.list(calc.key)).toEqual([{ plugin: calc.key, id: 'add', description: 'adds', validated: true }]);
  });

  it('fail with typed errors: plugin not found, not running, entry not found, execution', async () => {
    const target = makePlugin();
    target.entry('boom', {}, () => {
      throw new Error('kaput');
    });
    const caller = makePlugin();
    await start({}, target, caller);
    await expect(caller.callPlugin('nobody.here', 'x')).rejects.toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
    await expect(caller.callPlugin(target.key, 'nope')).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND', message: expect.stringContaining('it has: boom') });
    await expect(caller.callPlugin(target.key, 'boom')).rejects.toMatchObject({ code: 'PLUGIN_EXECUTION', message: expect.stringContaining('kaput') });
    await app.plugins.disable(target.key);
    await expect(caller.callPlugin(target.key, 'boom')).rejects.toMatchObject({ code: 'PLUGIN_NOT_RUNNING' });
    expect(app.neko.entries.list(target.key)).toEqual([]);
  });

  it('time out: the caller gets PLUGIN_TIMEOUT at the shorter limit and the entry sees its signal aborted', async () => {
    const slow = makePlugin();
    let aborted: unknown;
    slow.entry('hang', { timeoutMs: 60_000 }, (_args, call) => new Promise((resolve) => {
      call.signal.addEventListener('abort', () => {
        aborted = call.signal.reason;
        resolve('too late');
      });
    }));
    const caller = makePlugin();
    await start({}, slow, caller);
    await expect(caller.callPlugin(slow.key, 'hang', {}, { timeoutMs: 30 })).rejects.toMatchObject({ code: 'PLUGIN_TIMEOUT', message: expect.stringContaining('30 ms') });
    expect(aborted).toMatchObject({ code: 'PLUGIN_TIMEOUT' });
  });

  it('refuse a cycle A → B → A under the A1 policy, naming the chain', async () => {
    const a = makePlugin();
    const b = makePlugin();
    a.entry('ping', {}, () => 'pong from a');
    b.entry('relay', {}, () => b.callPlugin(a.key, 'ping'));
    await start({}, a, b);
    const call = a.callPlugin(b.key, 'relay');
    await expect(call).rejects.toMatchObject({ code: 'PLUGIN_CALL_REFUSED', chain: [a.key, `${b.key}:relay`, `${a.key}:ping`] });
    await expect(a.callPlugin(b.key, 'relay')).rejects.toThrow(`${a.key} → ${b.key}:relay → ${a.key}:ping`);
    expect(app.metrics.get('plugin_call_chain_violations_total', { kind: 'cycle', policy: 'reject' })).toBe(2);
    // Outside any entry, a plugin may call its own entry: that closes no cycle.
    expect(await a.callPlugin(a.key, 'ping')).toBe('pong from a');
  });

  it('with PLUGIN_CALL_POLICY=warn, let the cycle through and log the chain', async () => {
    const a = makePlugin();
    const b = makePlugin();
    a.entry('ping', {}, () => 'pong from a');
    b.entry('relay', {}, () => b.callPlugin(a.key, 'ping'));
    await start({ PLUGIN_CALL_POLICY: 'warn' }, a, b);
    expect(await a.callPlugin(b.key, 'relay')).toBe('pong from a');
    expect(lines.some((l) => l.level === 40 && String(l.msg).includes(`${a.key} → ${b.key}:relay → ${a.key}:ping`))).toBe(true);
  });

  it('refuse a chain deeper than PLUGIN_CALL_MAX_DEPTH', async () => {
    const [a, b, c] = [makePlugin(), makePlugin(), makePlugin()];
    c.entry('leaf', {}, () => 'leaf');
    b.entry('mid', {}, () => b.callPlugin(c.key, 'leaf'));
    await start({ PLUGIN_CALL_MAX_DEPTH: '2' }, a, b, c);
    expect(await a.callPlugin(c.key, 'leaf')).toBe('leaf');
    await expect(a.callPlugin(b.key, 'mid')).rejects.toMatchObject({ code: 'PLUGIN_CALL_REFUSED', message: expect.stringContaining('PLUGIN_CALL_MAX_DEPTH=2') });
  });

  it('record each call on the events topic', async () => {
    const a = makePlugin();
    a.entry('ping', {}, () => 1);
    await start({}, a);
    await a.callPlugin(a.key, 'ping');
    const recent = await a.ctx.bus.events.getRecent({ filter: { type: 'entry_call', plugin: a.key } });
    expect(recent.map((r) => [r.text, (r.payload as { outcome: string }).outcome])).toEqual([[`${a.key}:ping`, 'ok']]);
  });
});
