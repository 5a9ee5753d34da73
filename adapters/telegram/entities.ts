import type { Segment } from '../../core/message/index.js';
import type { MessageEntity } from 'grammy/types';

/** Who the bot is and how its menu names map back to command names, for reading a message's entities. */
export interface EntityContext {
  botId: string;
  botUsername: string;
  /** The full command name behind a Telegram menu name (`weather_now` → `weather.now`), if it differs. */
  commandName?: (telegramName: string) => string | undefined;
}

export interface ReadText {
  segments: Segment[];
  /** The bot was mentioned by @username or text mention, or a command was addressed to it by `@botname`. */
  mentioned: boolean;
  /** The message opens with a command addressed to another bot (`/cmd@otherbot`): not ours to run. */
  foreignCommand: boolean;
}

/**
 * Turns a text (or caption) and its entities into segments. Mentions of users with an id (text mentions) and
 * of the bot become `at` segments; commands lose a `@botname` naming this bot; everything else (links,
 * formatting, other @usernames) stays as the text the user saw. Offsets are UTF-16 units, like JS strings.
 */
export function readText(text: string, entities: readonly MessageEntity[] | undefined, ctx: EntityContext): ReadText {
  const out: ReadText = { segments: [], mentioned: false, foreignCommand: false };
  let cursor = 0;
  let plain = '';
  const flush = () => {
    if (plain) out.segments.push({ type: 'text', text: plain });
    plain = '';
  };
  const structural = (entities ?? []).filter((e) => e.type === 'mention' || e.type === 'text_mention' || e.type === 'bot_command').sort((a, b) => a.offset - b.offset);
  for (const e of structural) {
    if (e.offset < cursor) continue;
    plain += text.slice(cursor, e.offset);
    const token = text.slice(e.offset, e.offset + e.length);
    cursor = e.offset + e.length;
    if (e.type === 'text_mention') {
      flush();
      out.segments.push({ type: 'at', userId: String(e.user.id), name: token });
      if (String(e.user.id) === ctx.botId) out.mentioned = true;
    } else if (e.type === 'mention' && sameName(token.slice(1), ctx.botUsername)) {
      flush();
      out.segments.push({ type: 'at', userId: ctx.botId, name: ctx.botUsername });
      out.mentioned = true;
    } else if (e.type === 'bot_command') {
      plain += readCommand(token, e.offset === 0, ctx, out);
    } else {
      plain += token;
    }
  }
  plain += text.slice(cursor);
  flush();
  return out;
}

function readCommand(token: string, leading: boolean, ctx: EntityContext, out: ReadText): string {
  const at = token.indexOf('@');
  const name = at < 0 ? token.slice(1) : token.slice(1, at);
  const addressee = at < 0 ? undefined : token.slice(at + 1);
  if (addressee !== undefined && !sameName(addressee, ctx.botUsername)) {
    if (leading) out.foreignCommand = true;
    return token;
  }
  if (addressee !== undefined) out.mentioned = true;
  return `/${ctx.commandName?.(name) ?? name}`;
}

// Telegram usernames are case-insensitive.
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
