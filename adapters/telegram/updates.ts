import type { CallbackQuery, Chat, Message, Update, User } from 'grammy/types';
import type { PlatformEvent } from '../../core/hooks/index.js';
import { parseChatKey, type InboundMessageInput, type Segment } from '../../core/message/index.js';
import { readText, type EntityContext } from './entities.js';
import { mediaSegments } from './media.js';

/** The update kinds the adapter turns into messages or platform events; any other kind is counted and ignored. */
export const KNOWN_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'callback_query', 'chat_member', 'my_chat_member'] as const;
export type KnownUpdate = (typeof KNOWN_UPDATES)[number];

/** The kind of an update: the one field besides `update_id`. */
export function updateKind(update: Update): string {
  return Object.keys(update).find((k) => k !== 'update_id') ?? 'empty';
}

export function isKnownUpdate(kind: string): kind is KnownUpdate {
  return (KNOWN_UPDATES as readonly string[]).includes(kind);
}

/**
 * The chat id part of a chat key. A forum topic is a chat of its own, `<chat id>_<topic id>`, so each topic
 * keeps its own session; the General topic (no thread id) is the group itself.
 */
export function chatIdOf(chat: Chat, threadId: number | undefined): string {
  return threadId === undefined ? String(chat.id) : `${chat.id}_${threadId}`;
}

/** Where a chat key's id sends to. */
export function chatTarget(id: string): { chatId: string; threadId?: number } {
  const [chatId, topic] = id.split('_');
  return topic === undefined ? { chatId: chatId! } : { chatId: chatId!, threadId: Number(topic) };
}

/** Our message id: Telegram numbers messages per chat, so the chat id makes it unique per adapter. */
export function messageIdOf(chatId: number | string, messageId: number): string {
  return `${chatId}:${messageId}`;
}

export interface ReadMessage {
  input: InboundMessageInput;
  foreignCommand: boolean;
}

/** A private, group or supergroup message as an inbound message; undefined for what has no sender. */
export function readMessage(m: Message, ctx: EntityContext & { senderRole?: 'owner' | 'admin' | 'member' }): ReadMessage | undefined {
  if (!m.from || m.chat.type === 'channel') return undefined;
  const text = m.text ?? m.caption ?? '';
  const read = readText(text, m.text !== undefined ? m.entities : m.caption_entities, ctx);
  const segments: Segment[] = [];
  const quoted = m.reply_to_message;
  // A forum message that is not a reply still carries reply_to_message: the topic's creation message.
  const realReply = quoted && !(m.is_topic_message && quoted.message_id === m.message_thread_id);
  if (quoted && realReply) {
    segments.push({ type: 'reply', messageId: messageIdOf(m.chat.id, quoted.message_id), ...(quoted.from ? { userId: String(quoted.from.id) } : {}), ...((quoted.text ?? quoted.caption) ? { text: quoted.text ?? quoted.caption } : {}) });
  }
  segments.push(...mediaSegments(m), ...read.segments);
  const repliedToBot = Boolean(realReply && quoted?.from && String(quoted.from.id) === ctx.botId);
  const isPrivate = m.chat.type === 'private';
  const input: InboundMessageInput = {
    adapter: 'telegram',
    botId: ctx.botId,
    chatType: isPrivate ? 'private' : 'group',
    chatId: chatIdOf(m.chat, m.is_topic_message ? m.message_thread_id : undefined),
    userId: String(m.from.id),
    userName: userNameOf(m.from),
    segments,
    toMe: isPrivate || read.mentioned || repliedToBot,
    messageId: messageIdOf(m.chat.id, m.message_id),
    time: m.date * 1000,
    raw: m,
  };
  if (ctx.senderRole) input.senderRole = ctx.senderRole;
  if (m.from.language_code) input.language = m.from.language_code;
  return { input, foreignCommand: read.foreignCommand };
}

function userNameOf(user: User): string {
  return [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username || '';
}

/**
 * A press of one of our buttons as the presser's message in the chat the keyboard was sent to, its text
 * the button's value: to the pipeline it is the answer they would otherwise have typed.
 */
export function readChoice(q: CallbackQuery, chatKey: string, value: string, ctx: { botId: string; senderRole?: 'owner' | 'admin' | 'member' }): InboundMessageInput {
  const { chatType, id } = parseChatKey(chatKey);
  const input: InboundMessageInput = {
    adapter: 'telegram',
    botId: ctx.botId,
    chatType,
    chatId: id,
    userId: String(q.from.id),
    userName: userNameOf(q.from),
    segments: [{ type: 'text', text: value }],
    toMe: true,
    messageId: `callback:${q.id}`,
    raw: q,
  };
  if (ctx.senderRole) input.senderRole = ctx.senderRole;
  if (q.from.language_code) input.language = q.from.language_code;
  return input;
}

/** The chat and message a callback query's button was on; empty for a button on an inline-mode message. */
export function pressedOn(q: CallbackQuery): { chatKey?: string; messageKey?: string } {
  const m = q.message;
  if (!m) return {};
  const threadId = 'is_topic_message' in m && m.is_topic_message ? m.message_thread_id : undefined;
  return { chatKey: chatKeyOf(m.chat, threadId), messageKey: messageIdOf(m.chat.id, m.message_id) };
}

function chatKeyOf(chat: Chat, threadId?: number): string {
  return `telegram-${chat.type === 'private' ? 'private' : 'group'}_${chatIdOf(chat, threadId)}`;
}

/**
 * A non-message update as a platform event: `message.edited`, `channel.post`, `channel.edited`,
 * `callback.query`, `member.<status>` for other users, `bot.<status>` for the bot itself (my_chat_member).
 */
export function toPlatformEvent(update: Update, botId: string): PlatformEvent | undefined {
  const base = { adapter: 'telegram', botId };
  if (update.edited_message) {
    const m = update.edited_message;
    return { ...base, kind: 'message.edited', chatKey: chatKeyOf(m.chat, m.is_topic_message ? m.message_thread_id : undefined), userId: m.from ? String(m.from.id) : undefined, data: { ...m } };
  }
  if (update.channel_post) return { ...base, kind: 'channel.post', chatKey: chatKeyOf(update.channel_post.chat), data: { ...update.channel_post } };
  if (update.edited_channel_post) return { ...base, kind: 'channel.edited', chatKey: chatKeyOf(update.edited_channel_post.chat), data: { ...update.edited_channel_post } };
  if (update.callback_query) {
    const q = update.callback_query;
    const chat = q.message?.chat;
    return { ...base, kind: 'callback.query', chatKey: chat ? chatKeyOf(chat) : undefined, userId: String(q.from.id), data: { ...q } };
  }
  const member = update.chat_member ?? update.my_chat_member;
  if (member) {
    const prefix = update.chat_member ? 'member' : 'bot';
    return { ...base, kind: `${prefix}.${member.new_chat_member.status}`, chatKey: chatKeyOf(member.chat), userId: String(member.new_chat_member.user.id), data: { ...member } };
  }
  return undefined;
}
