import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CmdCtl } from '../../core/command/index.js';
import { Plugin } from '../../core/plugin/index.js';
import { loadConfig, openApp, type App } from '../../core/runtime/index.js';
import { captureLogger } from '../support/logger.js';
import { until } from '../support/messages.js';
import { testRedisSettings } from '../support/redis.js';

/**
 * Two processes of one bot (two apps on one Redis prefix, as two gateways would be): a change of a plugin's
 * config or of a command override made on one reaches the other through the control plane.
 */
const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

const schema = z.object({ greeting: z.string().default('hi') });

/** The same plugin, as each process loads it from its own copy of the plugin folder. */
function greeter(): Plugin<typeof schema> {
  const plugin = new Plugin({
    name: 'Greeter', moduleName: 'greeter', description: 'greets', version: '1.0.0', author: 'test',
    url: 'https://example.invalid/greeter', config: schema,
  });
  plugin.mountCommand({ name: 'hello', description: 'greets' }, () => CmdCtl.success('hello'));
  return plugin;
}

async function process(settings: { url: string; prefix: string }): Promise<App> {
  const config = loadConfig({ REDIS_URL: settings.url, REDIS_PREFIX: settings.prefix, ROLE: 'gateway', DATA_DIR: '/tmp/nekomata-unused', PLUGINS_ENABLED: 'test.greeter' });
  const app = await openApp(config, { log: captureLogger().log, builtinPluginDirs: [], plugins: [greeter()] });
  apps.push(app);
  await app.start();
  return app;
}

describe('every process follows what one changed', () => {
  it("a plugin's config changed on one process is the config on the other, whose listeners hear it", async () => {
    const settings = testRedisSettings();
    const a = await process(settings);
    const b = await process(settings);
    const configOf = (app: App) => app.plugins.get('test.greeter')!.config;
    const heard: unknown[] = [];
    configOf(b).onChange((v) => heard.push(v.greeting));

    await configOf(a).update({ greeting: 'hey' });

    await until(() => configOf(b).value.greeting === 'hey', "b to read a's config", 2000);
    expect(heard).toEqual(['hey']);
  });

  it('a command override set on one process holds on the other', async () => {
    const settings = testRedisSettings();
    const a = await process(settings);
    const b = await process(settings);
    expect(b.commands.overrides.isEnabled('greeter:hello', 'test-private_c1')).toBe(true);

    await a.commands.overrides.setEnabled('greeter:hello', 'test-private_c1', false);

    await until(() => !b.commands.overrides.isEnabled('greeter:hello', 'test-private_c1'), "b to follow a's override", 2000);
    expect(b.commands.overrides.isEnabled('greeter:hello', 'test-private_c2')).toBe(true);
  });
});
