import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../../core/runtime/index.js';
import { openSqliteStore } from '../../core/store/index.js';
import { makeTestApp } from '../support/app.js';
import { captureLogger } from '../support/logger.js';
import { makePlugin } from '../support/plugins.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-persist-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** An app on a store file in `dir`, as a restart would open it again. */
async function appIn(dir: string, env: Record<string, string> = {}): Promise<App> {
  const store = openSqliteStore({ path: path.join(dir, 'store.db'), log: captureLogger().log });
  const { app } = makeTestApp({ DATA_DIR: dir, ...env }, { store, builtinPluginDirs: [] });
  await app.start();
  return app;
}

const schema = z.object({ city: z.string().default('北京'), days: z.number().int().min(1).max(7).default(3) });

describe('plugin state survives a restart', () => {
  it('keeps config values, store values and the enabled state', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'a-'));
    const first = await appIn(dir);
    const p1 = makePlugin({ moduleName: 'weather_persist', config: schema });
    await first.plugins.load(p1);
    expect(p1.config).toEqual({ city: '北京', days: 3 });
    await p1.updateConfig({ city: '上海' });
    await p1.store.set({ storeKey: 'global', value: 'g' });
    await p1.store.set({ chatKey: 'test-group_1', storeKey: 'mode', value: 'quiet' });
    await p1.store.set({ userKey: 'u1', storeKey: 'pref', value: 'tea' });
    await p1.store.set({ chatKey: 'test-group_1', userKey: 'u1', storeKey: 'pref', value: 'coffee' });
    await first.plugins.enable(p1.key);
    await first.stop();

    const second = await appIn(dir);
    const p2 = makePlugin({ moduleName: 'weather_persist', config: schema });
    expect((await second.plugins.load(p2)).state).toBe('enabled');
    expect(p2.config).toEqual({ city: '上海', days: 3 });
    expect(await p2.store.get({ storeKey: 'global' })).toBe('g');
    expect(await p2.store.get({ chatKey: 'test-group_1', storeKey: 'mode' })).toBe('quiet');
    expect(await p2.store.get({ userKey: 'u1', storeKey: 'pref' })).toBe('tea');
    expect(await p2.store.get({ chatKey: 'test-group_1', userKey: 'u1', storeKey: 'pref' })).toBe('coffee');
    expect(await p2.store.get({ chatKey: 'test-group_2', userKey: 'u1', storeKey: 'pref' })).toBeUndefined();
    await second.stop();
  });

  it('follows PLUGINS_ENABLED at each start, unless the plugin was enabled or disabled by hand', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'c-'));
    const byName = (moduleName: string) => makePlugin({ moduleName });
    const first = await appIn(dir, { PLUGINS_ENABLED: 'tester.listed,tester.by_hand' });
    expect((await first.plugins.load(byName('listed'))).state).toBe('enabled');
    expect((await first.plugins.load(byName('by_hand'))).state).toBe('enabled');
    await first.plugins.disable('tester.by_hand');
    await first.plugins.enable('tester.by_hand');
    await first.stop();
    // The key removed from the setting: the plugin enabled by the setting is disabled again; the one enabled by hand stays.
    const second = await appIn(dir);
    expect((await second.plugins.load(byName('listed'))).state).toBe('disabled');
    expect((await second.plugins.load(byName('by_hand'))).state).toBe('enabled');
    await second.stop();
  });

  it('refuses an invalid config update with the field path and keeps the old values', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'b-'));
    const app = await appIn(dir);
    const p = makePlugin({ config: schema });
    await app.plugins.load(p);
    await expect(p.updateConfig({ days: 9 })).rejects.toMatchObject({ code: 'PLUGIN_CONFIG_INVALID', issues: [{ path: 'days' }] });
    expect(p.config.days).toBe(3);
    expect(app.plugins.get(p.key)?.config.jsonSchema()).toMatchObject({ properties: { city: { default: '北京' }, days: { maximum: 7 } } });
    await app.stop();
  });

  it('gives each plugin a data directory it cannot escape', async () => {
    const dir = fs.mkdtempSync(path.join(root, 'c-'));
    const app = await appIn(dir);
    const p = makePlugin({ moduleName: 'files' });
    await app.plugins.load(p);
    const base = p.getPluginPath();
    expect(base).toBe(path.join(dir, 'plugins', 'tester.files'));
    expect(fs.statSync(base).isDirectory()).toBe(true);
    expect(p.getPluginPath('cache', 'a.json')).toBe(path.join(base, 'cache', 'a.json'));
    expect(() => p.getPluginPath('..', 'tester.other', 'secret')).toThrow(expect.objectContaining({ code: 'PATH_ESCAPE' }));
    expect(() => p.getPluginPath('/etc/passwd')).toThrow(expect.objectContaining({ code: 'PATH_ESCAPE' }));
    await app.stop();
  });
});
