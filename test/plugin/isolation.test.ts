import { afterEach, describe, expect, it } from 'vitest';
import type { ExceptionEvent } from '../../core/hooks/index.js';
import type { Batch } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, until } from '../support/messages.js';
import { makePlugin, chatPolicy } from '../support/plugins.js';

let app: App;
let lines: Record<string, unknown>[];
const batches: Batch[] = [];
const exceptions: ExceptionEvent[] = [];
async function start() {
  batches.length = 0;
  exceptions.length = 0;
  ({ app, lines } = makeTestApp({ PLUGIN_CALL_TIMEOUT_MS: '150' }, { sessionHandler: async (b) => void batches.push(b), builtinPluginDirs: [], plugins: [chatPolicy()] }));
  app.hooks.on('exception', (e) => void exceptions.push(e));
  await app.start();
}
afterEach(async () => app?.stop());
const never = () => new Promise<never>(() => {});

describe('a plugin that throws or hangs does not stop the chat', () => {
  it('isolates a throwing hook: logged with the plugin key, counted, reported, and the message goes on', async () => {
    await start();
    const bad = makePlugin();
    bad.on('im_message', () => {
      throw new Error('bad hook');
    });
    await app.plugins.load(bad);
    await app.plugins.enable(bad.key);
    expect((await app.ingest(makeMessage('hello'))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'the batch');
    expect(app.metrics.get('hook_errors_total', { event: 'im_message', owner: bad.key })).toBe(1);
    expect(exceptions).toMatchObject([{ stage: 'im_message', owner: bad.key, chatKey: 'test-private_c1' }]);
    expect(lines.some((l) => l.plugin === bad.key && l.level === 50)).toBe(true);
  });

  it('abandons a hook that never resolves after the time limit', async () => {
    await start();
    const stuck = makePlugin();
    stuck.on('im_message', never);
    await app.plugins.load(stuck);
    await app.plugins.enable(stuck.key);
    expect((await app.ingest(makeMessage('still here'))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'the batch');
    expect(exceptions[0]?.error).toMatchObject({ code: 'TIMEOUT' });
  });

  it('counts a throwing or hanging message callback as CONTINUE', async () => {
    await start();
    const thrower = makePlugin();
    thrower.mountOnUserMessage(() => {
      throw new Error('callback bug');
    });
    const hanger = makePlugin();
    hanger.mountOnUserMessage(never);
    for (const p of [thrower, hanger]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    expect((await app.ingest(makeMessage('through'))).outcome).toBe('buffer');
    expect(exceptions.map((e) => [e.owner, e.stage])).toEqual([[thrower.key, 'onUserMessage'], [hanger.key, 'onUserMessage']]);
    expect(app.metrics.get('plugin_errors_total', { plugin: hanger.key, stage: 'onUserMessage' })).toBe(1);
  });

  it('keeps other reset callbacks running when one throws', async () => {
    await start();
    const calls: string[] = [];
    const bad = makePlugin();
    bad.mountOnChannelReset(() => {
      throw new Error('reset bug');
    });
    const good = makePlugin();
    good.mountOnChannelReset(() => void calls.push('good'));
    for (const p of [bad, good]) {
      await app.plugins.load(p);
      await app.plugins.enable(p.key);
    }
    await app.resetChannel('test-private_c1');
    expect(calls).toEqual(['good']);
  });

  it('records a plugin whose init throws or hangs as failed, with nothing registered', async () => {
    await start();
    const throwing = makePlugin();
    throwing.mountInitMethod(() => {
      throw new Error('cannot start');
    });
    throwing.on('im_message', () => {});
    const hanging = makePlugin();
    hanging.mountInitMethod(never);
    const before = app.hooks.count('im_message');
    await expect(app.plugins.load(throwing)).rejects.toThrow('cannot start');
    await expect(app.plugins.load(hanging)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(app.plugins.list().filter((i) => !i.builtin).map((i) => [i.key, i.state, i.error?.message])).toEqual([
      [throwing.key, 'failed', 'cannot start'],
      [hanging.key, 'failed', expect.stringContaining('did not finish within 150 ms')],
    ]);
    expect(app.hooks.count('im_message')).toBe(before);
    expect(() => throwing.store).toThrow(/not loaded/);
  });

  it('logs a throwing cleanup and still undoes the registrations', async () => {
    await start();
    const p = makePlugin();
    p.mountCleanupMethod(() => {
      throw new Error('cleanup bug');
    });
    p.on('im_message', () => {});
    const before = app.hooks.count('im_message');
    await app.plugins.load(p);
    await app.plugins.enable(p.key);
    await app.plugins.unload(p.key);
    expect(app.hooks.count('im_message')).toBe(before);
    expect(exceptions.map((e) => e.stage)).toEqual(['cleanup']);
  });
});
