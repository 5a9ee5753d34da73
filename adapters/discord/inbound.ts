import type { InboundMessageInput, Segment } from '../../core/message/index.js';
import { readContent, STICKER_PREFIX, type ContentNames } from './content.js';
import type { WireAttachment, WireMessage } from './wire.js';

/** Discord channel types the adapter tells apart (Channel Object → Channel Types). */
export const ChannelKind = { DM: 1, GROUP_DM: 3, ANNOUNCEMENT_THREAD: 10, PUBLIC_THREAD: 11, PRIVATE_THREAD: 12 } as const;

export function isThreadType(type: number | undefined): boolean {
  return type === ChannelKind.ANNOUNCEMENT_THREAD || type === ChannelKind.PUBLIC_THREAD || type === ChannelKind.PRIVATE_THREAD;
}

/** Message types that are chat: DEFAULT, REPLY, and the messages slash commands and context menus leave. */
export const CHAT_MESSAGE_TYPES: ReadonlySet<number> = new Set([0, 19, 20, 23]);

/** The channel a message was written in, as much as the adapter knows of it (kept in `raw.channel`). */
export interface ChannelInfo {
  id: string;
  type?: number | undefined;
  guild_id?: string | undefined;
  /** A thread's (or forum post's) parent channel. */
  parent_id?: string | undefined;
  name?: string | undefined;
}

/** `InboundMessage.raw` of a Discord message: the MESSAGE_CREATE payload as received, and its channel. */
export interface DiscordRaw {
  message: unknown;
  channel: ChannelInfo;
}

export interface ReadContext {
  names: ContentNames;
  channel: ChannelInfo;
  senderRole?: 'owner' | 'admin' | 'member' | undefined;
  /** The user's locale when known from their interactions (messages do not carry one). */
  language?: string | undefined;
}

/**
 * A chat message (guild channel, thread, forum post or DM) as an inbound message. Chats: a guild channel or
 * thread is `discord-group_<channel id>` (a thread is a chat of its own, its parent in `raw.channel`), a DM is
 * `discord-private_<user id>`. The message id is Discord's snowflake, unique across channels.
 */
export function readMessage(m: WireMessage, payload: unknown, ctx: ReadContext): InboundMessageInput {
  const isPrivate = m.guild_id === undefined;
  const content = readContent(m.content, ctx.names);
  const segments: Segment[] = [];
  const quoted = m.message_reference?.type === 0 || m.message_reference?.type === undefined ? m.message_reference?.message_id : undefined;
  if (quoted !== undefined) {
    const q = m.referenced_message;
    segments.push({ type: 'reply', messageId: quoted, ...(q ? { userId: q.author.id } : {}), ...(q?.content ? { text: q.content } : {}) });
  }
  segments.push(...content.segments, ...m.attachments.map(attachmentSegment));
  for (const s of m.sticker_items ?? []) segments.push({ type: 'face', id: `${STICKER_PREFIX}${s.id}`, name: s.name });
  const repliedToBot = m.referenced_message?.author.id === ctx.names.botId;
  const raw: DiscordRaw = { message: payload, channel: ctx.channel };
  const input: InboundMessageInput = {
    adapter: 'discord',
    botId: ctx.names.botId,
    chatType: isPrivate ? 'private' : 'group',
    chatId: isPrivate ? m.author.id : m.channel_id,
    userId: m.author.id,
    userName: m.member?.nick || m.author.global_name || m.author.username,
    segments,
    toMe: isPrivate || content.mentionedBot || repliedToBot,
    messageId: m.id,
    time: timeOf(m.timestamp),
    raw,
  };
  if (ctx.senderRole) input.senderRole = ctx.senderRole;
  if (ctx.language) input.language = ctx.language;
  return input;
}

function timeOf(timestamp: string): number {
  const t = Date.parse(timestamp);
  return Number.isFinite(t) && t >= 0 ? t : Date.now();
}

const EXTENSION_KINDS: Record<string, 'image' | 'audio' | 'video'> = {
  png: 'image', jpg: 'image', jpeg: 'image', gif: 'image', webp: 'image', avif: 'image',
  mp3: 'audio', ogg: 'audio', oga: 'audio', wav: 'audio', m4a: 'audio', flac: 'audio', opus: 'audio',
  mp4: 'video', webm: 'video', mov: 'video', mkv: 'video',
};

/** An attachment as image, audio, video or file, by its content type (else its extension), with URL, size and name. */
export function attachmentSegment(a: WireAttachment): Segment {
  const major = a.content_type?.split('/')[0];
  const kind = major === 'image' || major === 'audio' || major === 'video' ? major : a.content_type ? undefined : EXTENSION_KINDS[a.filename.split('.').pop()?.toLowerCase() ?? ''];
  const media = { url: a.url, name: a.filename, size: a.size, ...(a.content_type ? { mime: a.content_type } : {}) };
  if (kind === 'audio') return { type: 'audio', ...media, ...(a.duration_secs !== undefined ? { durationSec: a.duration_secs } : {}) };
  if (kind === 'image' || kind === 'video') return { type: kind, ...media };
  return { type: 'file', ...media };
}
