import type { Segment } from '../../core/message/index.js';

/** Names the content's tokens refer to, as far as the message and discord.js's cache know them. */
export interface ContentNames {
  /** The bot's user id: a mention of it addresses the bot. */
  botId: string;
  user(id: string): string | undefined;
  role(id: string): string | undefined;
  /** The bot's own managed role: Discord's client may complete "@Bot" to it, and it then addresses the bot. */
  isBotRole(id: string): boolean;
  channel(id: string): string | undefined;
}

export interface ReadContent {
  segments: Segment[];
  /** The bot was mentioned (`<@bot>` or `<@!bot>`). */
  mentionedBot: boolean;
}

// Discord's message formatting tokens (Reference → Message Formatting): user, role, channel, custom emoji,
// slash-command mentions. Timestamps and everything else stay text as the user wrote it.
const TOKEN = /<@!?(\d{1,20})>|<@&(\d{1,20})>|<#(\d{1,20})>|<(a?):(\w{2,32}):(\d{1,20})>|<\/([-_\p{L}\p{N} ]{1,100}):\d{1,20}>/gu;

/**
 * A message's content as segments: user mentions (and the bot's managed role) become `at` (with the name
 * Discord showed), custom emoji
 * `face` (`id` = the emoji id, `a:<id>` when animated), role and channel mentions the readable `@role` /
 * `#channel` text people saw, slash-command mentions `/name`. Adjacent text is merged.
 */
export function readContent(content: string, names: ContentNames): ReadContent {
  const out: ReadContent = { segments: [], mentionedBot: false };
  let text = '';
  let cursor = 0;
  const flush = (): void => {
    if (text) out.segments.push({ type: 'text', text });
    text = '';
  };
  for (const m of content.matchAll(TOKEN)) {
    text += content.slice(cursor, m.index);
    cursor = m.index + m[0].length;
    const [, userId, roleId, channelId, animated, emojiName, emojiId, command] = m;
    if (userId !== undefined) {
      flush();
      const name = names.user(userId);
      out.segments.push(name === undefined ? { type: 'at', userId } : { type: 'at', userId, name });
      if (userId === names.botId) out.mentionedBot = true;
    } else if (roleId !== undefined && names.isBotRole(roleId)) {
      flush();
      out.segments.push({ type: 'at', userId: names.botId, name: names.role(roleId) ?? 'bot' });
      out.mentionedBot = true;
    } else if (roleId !== undefined) text += `@${names.role(roleId) ?? 'role'}`;
    else if (channelId !== undefined) text += `#${names.channel(channelId) ?? channelId}`;
    else if (emojiId !== undefined) {
      flush();
      out.segments.push({ type: 'face', id: animated ? `a:${emojiId}` : emojiId, name: emojiName! });
    } else text += `/${command!}`;
  }
  text += content.slice(cursor);
  flush();
  return out;
}

/** A face segment as Discord content: a custom emoji token, else its name (a Unicode emoji, say). */
export function faceText(s: { id: string; name?: string | undefined }): string {
  const custom = /^(a:)?(\d{1,20})$/.exec(s.id);
  if (custom && s.name && /^\w{2,32}$/.test(s.name)) return `<${custom[1] ? 'a' : ''}:${s.name}:${custom[2]}>`;
  return s.name ?? s.id;
}

/** Face ids the adapter gives stickers, so that sending one back sends the sticker. */
export const STICKER_PREFIX = 'sticker:';
