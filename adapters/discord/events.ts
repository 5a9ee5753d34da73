import type { PlatformEvent } from '../../core/hooks/index.js';
import type { EventDispatch } from './wire.js';

/** Where an event's channel is as a chat key: a guild channel or thread, or the DM of a known user. */
export type ChatKeyOf = (channelId: string, guildId: string | undefined, userId?: string) => string | undefined;

const KINDS: Record<EventDispatch, string> = {
  MESSAGE_UPDATE: 'message.edited',
  MESSAGE_DELETE: 'message.deleted',
  MESSAGE_DELETE_BULK: 'message.deleted_bulk',
  MESSAGE_REACTION_ADD: 'reaction.added',
  MESSAGE_REACTION_REMOVE: 'reaction.removed',
  GUILD_MEMBER_ADD: 'member.joined',
  GUILD_MEMBER_REMOVE: 'member.left',
  THREAD_CREATE: 'thread.created',
};

type Fields = { channel_id?: string; id?: string; guild_id?: string; user_id?: string; author?: { id: string }; user?: { id: string } };

/**
 * A dispatch that is not a chat message as a platform event: `message.edited`, `message.deleted`,
 * `message.deleted_bulk`, `reaction.added`, `reaction.removed`, `member.joined`, `member.left` (with the
 * Server Members intent), `thread.created`. `data` is the dispatch as received. Member events have the
 * guild's system channel as their chat, when it has one.
 */
export function toPlatformEvent(t: EventDispatch, d: Fields, payload: unknown, ctx: { botId: string; chatKeyOf: ChatKeyOf; systemChannel(guildId: string): string | undefined }): PlatformEvent {
  const userId = d.user_id ?? d.author?.id ?? d.user?.id;
  let chatKey: string | undefined;
  if (t === 'GUILD_MEMBER_ADD' || t === 'GUILD_MEMBER_REMOVE') {
    const system = ctx.systemChannel(d.guild_id!);
    chatKey = system === undefined ? undefined : ctx.chatKeyOf(system, d.guild_id);
  } else {
    const channelId = t === 'THREAD_CREATE' ? d.id! : d.channel_id!;
    chatKey = ctx.chatKeyOf(channelId, d.guild_id, userId);
  }
  return { adapter: 'discord', botId: ctx.botId, kind: KINDS[t], chatKey, userId, data: payload as Record<string, unknown> };
}
