/**
 * Lifecycle example: the Nekro Agent lifecycle callbacks (seed "Plugin Instance and Lifecycle"), each
 * counted in the plugin's store and logged, so that you can watch when the app calls what.
 */
import { Plugin, type PluginStoreScope } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Lifecycle example',
  moduleName: 'example_lifecycle',
  description: 'Counts its init, cleanup, enable, disable and channel-reset calls in its store.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/lifecycle',
});

/**
 * Adds one to a counter. The store has no atomic increment, so two calls at the same moment (two chats
 * reset at once) may count once: fine for statistics, not for anything that must add up.
 */
async function bump(storeKey: string, scope: PluginStoreScope = {}): Promise<number> {
  const n = Number((await plugin.store.get({ ...scope, storeKey })) ?? '0') + 1;
  await plugin.store.set({ ...scope, storeKey, value: String(n) });
  return n;
}

// Once per load (app start, `plugins.load`, and for the new instance on reload), enabled or not. The store,
// config, log and data directory are bound before it runs. Throwing here marks the plugin `failed`.
plugin.mountInitMethod(async () => {
  const n = await bump('init');
  plugin.log.info({ loads: n }, `${plugin.name} initialised (load #${n})`);
});

// Once per unload: `plugins.unload`, the old instance on reload, and app shutdown (after the last batch,
// so nothing calls the plugin any more). The store is still usable here; it is unbound right after.
plugin.mountCleanupMethod(async () => {
  const n = await bump('cleanup');
  plugin.log.info({ unloads: n }, `${plugin.name} cleaned up`);
});

// Enable and disable only register and undo hooks, tools, tags and callbacks: init and cleanup do not run.
plugin.onEnabled(async () => void (await bump('enabled')));
plugin.onDisabled(async () => void (await bump('disabled')));

// Runs for `app.resetChannel(chatKey)` while the plugin is enabled, in every process of the bot, once the
// chat's buffer was cleared and its batch in flight stopped. This is where a plugin drops what it keeps for that chat.
plugin.mountOnChannelReset(async (ctx) => {
  const total = await bump('resets');
  const forChat = await bump('resets', { chatKey: ctx.chatKey });
  plugin.log.info({ chatKey: ctx.chatKey, total, forChat }, `chat ${ctx.chatKey} was reset`);
});

export default plugin;
