/**
 * Message-signal example: Nekro Agent's `mount_on_user_message` callback (seed "Plugin Instance and
 * Lifecycle", §3), translated. It sees every user message before the bot decides what to do with it and
 * answers with a `MsgSignal`.
 */
import { MsgSignal } from '../../../core/hooks/index.js';
import type { InboundMessage } from '../../../core/message/index.js';
import { Plugin, type ChatContext } from '../../../core/plugin/index.js';

const plugin = new Plugin({
  name: 'Message signal example',
  moduleName: 'example_message_signal',
  description: 'Blocks a forbidden word, keeps !note messages without answering, answers "urgent" at once, counts messages per user.',
  version: '1.0.0',
  author: 'nekomata',
  url: 'plugins/examples/message-signal',
});

export const FORBIDDEN_WORDS = ['forbidden_word'];
const NOTE_COMMAND = '!note';

/**
 * Every enabled plugin's callback runs for every message, in load order, with no short-circuit; the
 * answers combine as: any BLOCK_ALL wins, then any FORCE_TRIGGER, else the highest (BLOCK_TRIGGER over
 * CONTINUE). A callback that throws or runs past PLUGIN_CALL_TIMEOUT_MS counts as CONTINUE.
 */
plugin.mountOnUserMessage(async (ctx, message) => {
  const text = message.text;

  if (FORBIDDEN_WORDS.some((w) => text.includes(w))) {
    plugin.log.warn({ userId: ctx.userId, chatKey: ctx.chatKey }, 'message with a forbidden word dropped');
    // Not stored in history, not answered, and no later hook sees it.
    return MsgSignal.BLOCK_ALL;
  }

  if (text.startsWith(NOTE_COMMAND)) {
    await saveNote(ctx, text.slice(NOTE_COMMAND.length).trim());
    // Kept in history as context for later, but the bot does not answer it.
    return MsgSignal.BLOCK_TRIGGER;
  }

  await countMessage(ctx, message);

  if (/\burgent\b/i.test(text)) {
    // Answered now, together with whatever the chat's buffer holds, even in a group where the chat policy
    // would only have recorded it.
    return MsgSignal.FORCE_TRIGGER;
  }

  // No opinion (the same as MsgSignal.CONTINUE): the chat policy and other hooks decide.
  return undefined;
});

async function saveNote(ctx: ChatContext, note: string): Promise<void> {
  if (note === '') {
    await ctx.send(`Usage: ${NOTE_COMMAND} <text>`);
    return;
  }
  const notes = await readNotes(ctx.chatKey);
  notes.push(note);
  // Store values are strings: structured data goes in as JSON.
  await plugin.store.set({ chatKey: ctx.chatKey, storeKey: 'notes', value: JSON.stringify(notes) });
  await ctx.send(`Noted (${notes.length}): ${note}`);
}

/** The notes kept for a chat, oldest first. */
export async function readNotes(chatKey: string): Promise<string[]> {
  const raw = await plugin.store.get({ chatKey, storeKey: 'notes' });
  return raw === undefined ? [] : (JSON.parse(raw) as string[]);
}

async function countMessage(ctx: ChatContext, message: InboundMessage): Promise<void> {
  // Per user across every chat: Nekro's `user_key` scope. Two messages of one user ingested at the same
  // moment may be counted once (the store has no atomic increment); good enough for statistics.
  const address = { userKey: message.userId, storeKey: 'message_count' };
  const count = Number((await plugin.store.get(address)) ?? '0') + 1;
  await plugin.store.set({ ...address, value: String(count) });
  ctx.log.debug({ userId: message.userId, count }, 'message counted');
}

export default plugin;
