/** Builders for the updates a test pushes into the fake Bot API: the shapes the real API sends. */

export interface FakeUser {
  id: number;
  is_bot?: boolean;
  first_name: string;
  username?: string;
  language_code?: string;
}

export interface FakeEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  user?: FakeUser;
}

export type FakeMessage = Record<string, unknown> & { message_id: number; chat: { id: number; type: string } };

export interface MessageOptions {
  entities?: FakeEntity[];
  reply_to_message?: Record<string, unknown>;
  message_thread_id?: number;
  from?: FakeUser;
  extra?: Record<string, unknown>;
}

let nextMessageId = 1000;
const now = () => Math.floor(Date.now() / 1000);

export const user = (id: number, firstName = `user${id}`, extra: Partial<FakeUser> = {}): FakeUser => ({ id, is_bot: false, first_name: firstName, language_code: 'en', ...extra });

/** Entities for every `/command` token at a word start, as Telegram marks them. */
export function commandEntities(text: string): FakeEntity[] {
  const out: FakeEntity[] = [];
  for (const m of text.matchAll(/(?:^|\s)(\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?)/g)) {
    out.push({ type: 'bot_command', offset: m.index + m[0].length - m[1]!.length, length: m[1]!.length });
  }
  return out;
}

function message(chat: Record<string, unknown> & { id: number; type: string }, from: FakeUser, text: string, opts: MessageOptions): FakeMessage {
  const msg: FakeMessage = { message_id: nextMessageId++, date: now(), chat, from, text, ...opts.extra };
  const entities = opts.entities ?? commandEntities(text);
  if (entities.length > 0) msg.entities = entities;
  if (opts.reply_to_message) msg.reply_to_message = opts.reply_to_message;
  if (opts.message_thread_id !== undefined) {
    msg.message_thread_id = opts.message_thread_id;
    msg.is_topic_message = true;
  }
  return msg;
}

export function privateText(userId: number, text: string, opts: MessageOptions = {}): FakeMessage {
  const from = opts.from ?? user(userId);
  return message({ id: userId, type: 'private', first_name: from.first_name }, from, text, opts);
}

export function groupText(chatId: number, userId: number, text: string, opts: MessageOptions & { type?: 'group' | 'supergroup' } = {}): FakeMessage {
  return message({ id: chatId, type: opts.type ?? 'supergroup', title: `group ${chatId}` }, opts.from ?? user(userId), text, opts);
}

/** A photo in three sizes, the largest last, as Telegram sends it. */
export function photo(chatId: number, userId: number, fileId: string, caption?: string): FakeMessage {
  const chat = chatId > 0 ? { id: chatId, type: 'private', first_name: 'p' } : { id: chatId, type: 'supergroup', title: 'g' };
  const sizes = [90, 320, 1280].map((w, i) => ({ file_id: `${fileId}${i === 2 ? '' : `_${w}`}`, file_unique_id: `u${fileId}${i}`, width: w, height: w, file_size: w * 10 }));
  return { message_id: nextMessageId++, date: now(), chat, from: user(userId), photo: sizes, ...(caption ? { caption } : {}) };
}

export function callbackQuery(userId: number, data: string, msg?: FakeMessage): Record<string, unknown> {
  return { id: `cb${nextMessageId++}`, from: user(userId), chat_instance: 'ci', data, ...(msg ? { message: msg } : {}) };
}

/** A `chat_member` change (another user) or, with `mine`, a `my_chat_member` change of the bot itself. */
export function memberChange(chatId: number, member: FakeUser, oldStatus: string, newStatus: string): Record<string, unknown> {
  return {
    chat: { id: chatId, type: 'supergroup', title: 'g' },
    from: member,
    date: now(),
    old_chat_member: { user: member, status: oldStatus },
    new_chat_member: { user: member, status: newStatus },
  };
}
