/**
 * Store-scopes example: Nekro Agent's `plugin.store` and `plugin.get_plugin_path()` (seed "数据存储"),
 * translated. One counter key, `messages`, kept in all four scopes at once, and a file export.
 */
import fs from 'node:fs/promises';
import { MsgSignal } from '../../../core/hooks/index.js';
import type { InboundMessage } from '../../../core/message/index.js';
import { Plugin, type ChatContext, type PluginStoreScope } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Store scopes example',
  moduleName: 'example_store_scopes',
  description: 'Counts messages globally, per chat, per user and per user in a chat; "!stats" writes them to a file.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/store-scopes',
});

const STATS_COMMAND = '!stats';

/**
 * The four scopes of one message. They are exact addresses: a value stored for a user in a chat is not seen
 * when reading for the user alone, and nothing falls back from one scope to another.
 */
export function scopesOf(message: Pick<InboundMessage, 'chatKey' | 'userId'>): Record<'global' | 'chat' | 'user' | 'member', PluginStoreScope> {
  return {
    global: {},
    chat: { chatKey: message.chatKey },
    user: { userKey: message.userId },
    member: { chatKey: message.chatKey, userKey: message.userId },
  };
}

async function read(scope: PluginStoreScope): Promise<number> {
  return Number((await plugin.store.get({ ...scope, storeKey: 'messages' })) ?? '0');
}

plugin.mountOnUserMessage(async (ctx, message) => {
  if (message.text.trim() === STATS_COMMAND) {
    await exportStats(ctx, message);
    return MsgSignal.BLOCK_TRIGGER;
  }
  // The store has no atomic increment: messages of one chat ingested at the same moment may count once.
  for (const scope of Object.values(scopesOf(message))) {
    await plugin.store.set({ ...scope, storeKey: 'messages', value: String((await read(scope)) + 1) });
  }
  return undefined;
});

/**
 * Writes this chat's counts to `DATA_DIR/plugins/nekomata.example_store_scopes/exports/<chat>.json`.
 * `getPluginPath(...parts)` creates the plugin's folder and refuses parts that would leave it; the chat key
 * is encoded because chat ids come from the platform.
 */
async function exportStats(ctx: ChatContext, message: InboundMessage): Promise<void> {
  const scopes = scopesOf(message);
  const stats = {
    chatKey: message.chatKey,
    userId: message.userId,
    global: await read(scopes.global),
    chat: await read(scopes.chat),
    user: await read(scopes.user),
    member: await read(scopes.member),
  };
  await fs.mkdir(plugin.getPluginPath('exports'), { recursive: true });
  const file = plugin.getPluginPath('exports', `${encodeURIComponent(message.chatKey)}.json`);
  await fs.writeFile(file, JSON.stringify(stats, null, 2));
  await ctx.send(`Stats written: ${stats.chat} messages in this chat, ${stats.member} of them yours.`);
}

// A reset chat starts from zero: drop its chat and per-member values. `list({ chatKey })` matches every
// user key in that chat; user and global values are kept.
plugin.mountOnChannelReset(async (ctx) => {
  for (const entry of await plugin.store.list({ chatKey: ctx.chatKey })) {
    await plugin.store.delete({ chatKey: entry.chatKey, userKey: entry.userKey, storeKey: entry.key });
  }
});

export default plugin;
