import { afterEach, describe, expect, it } from 'vitest';
import { PluginStore } from '../../../core/plugin/index.js';
import plugin from '../../../plugins/examples/lifecycle/index.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const count = async (store: Pick<PluginStore, 'get'>, storeKey: string, chatKey?: string) =>
  Number((await store.get({ storeKey, ...(chatKey === undefined ? {} : { chatKey }) })) ?? '0');

describe('lifecycle example', () => {
  it('counts init at load, enable and disable, but runs no cleanup until unload', async () => {
    ex = await startWithExample(plugin);
    expect(ex.app.plugins.list().find((p) => p.key === plugin.key)?.state).toBe('enabled');
    expect(await count(plugin.store, 'init')).toBe(1);
    expect(await count(plugin.store, 'enabled')).toBe(1);
    await ex.app.plugins.disable(plugin.key);
    await ex.app.plugins.enable(plugin.key);
    expect(await count(plugin.store, 'init')).toBe(1);
    expect(await count(plugin.store, 'enabled')).toBe(2);
    expect(await count(plugin.store, 'disabled')).toBe(1);
    expect(await count(plugin.store, 'cleanup')).toBe(0);
  });

  it('counts channel resets per chat and in total, only while enabled', async () => {
    ex = await startWithExample(plugin);
    await ex.app.resetChannel('test-private_c1');
    await ex.app.resetChannel('test-group_g1');
    await ex.app.resetChannel('test-group_g1');
    expect(await count(plugin.store, 'resets')).toBe(3);
    expect(await count(plugin.store, 'resets', 'test-private_c1')).toBe(1);
    expect(await count(plugin.store, 'resets', 'test-group_g1')).toBe(2);

    await ex.app.plugins.disable(plugin.key);
    await ex.app.resetChannel('test-group_g1');
    expect(await count(plugin.store, 'resets')).toBe(3);
  });

  it('runs cleanup at unload, after which its store is unbound; a new load runs init again', async () => {
    ex = await startWithExample(plugin);
    await ex.app.plugins.unload(plugin.key);
    const saved = new PluginStore(ex.app.store.kv, plugin.key);
    expect(await count(saved, 'cleanup')).toBe(1);
    expect(() => plugin.store).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_LOADED' }));

    // The enabled state was persisted by the enable: the plugin comes back enabled.
    expect((await ex.app.plugins.load(plugin)).state).toBe('enabled');
    expect(await count(plugin.store, 'init')).toBe(2);
  });

  it('logs through plugin.log, tagged with its key', async () => {
    ex = await startWithExample(plugin);
    await ex.app.resetChannel('test-private_c1');
    const mine = ex.lines.filter((l) => l.plugin === plugin.key).map((l) => l.msg);
    expect(mine).toContain('Lifecycle example initialised (load #1)');
    expect(mine).toContain('chat test-private_c1 was reset');
  });
});
