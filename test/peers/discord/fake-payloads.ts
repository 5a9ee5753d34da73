/**
 * Discord API v10 objects as the real gateway and REST send them (snake_case JSON), built for tests. Only the
 * fields Discord always sends, plus what a test asks for. Written from Discord's documentation, not from the
 * adapter; numbers are Discord's (channel types, message types, interaction types).
 */

export type Json = Record<string, unknown>;

/** Channel types (Discord: Channel Object → Channel Types). */
export const CHANNEL = { GUILD_TEXT: 0, DM: 1, GUILD_ANNOUNCEMENT: 5, PUBLIC_THREAD: 11, PRIVATE_THREAD: 12, GUILD_FORUM: 15 } as const;
/** Permission bits used by tests. */
export const PERMISSION = { ADMINISTRATOR: 1n << 3n, MANAGE_GUILD: 1n << 5n, SEND_MESSAGES: 1n << 11n, VIEW_CHANNEL: 1n << 10n } as const;

let nextSnowflake = 1_300_000_000_000_000_000n;
/** A fresh snowflake (a 19-digit id), unique in the process. */
export function snowflake(): string {
  nextSnowflake += 1n;
  return String(nextSnowflake);
}

export interface FakeUserInput {
  id: string;
  username?: string;
  globalName?: string;
  bot?: boolean;
}

export function user(u: FakeUserInput): Json {
  return {
    id: u.id,
    username: u.username ?? `user${u.id.slice(-4)}`,
    discriminator: '0',
    global_name: u.globalName ?? null,
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
  };
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  /** A bot's managed role (Discord creates one per bot when it joins). */
  botId?: string;
}

export function role(r: FakeRole, position = 1): Json {
  return {
    id: r.id, name: r.name, color: 0, hoist: false, icon: null, unicode_emoji: null, position,
    permissions: String(r.permissions), managed: r.botId !== undefined, mentionable: true, flags: 0, ...(r.botId ? { tags: { bot_id: r.botId } } : {}),
  };
}

export interface FakeChannel {
  id: string;
  type: number;
  name?: string;
  /** Threads: the channel they belong to. */
  parentId?: string;
  /** Permission overwrites: `id` a role (the guild's id for @everyone) or a member. */
  overwrites?: { id: string; member?: boolean; allow?: bigint; deny?: bigint }[];
}

export function guildChannel(c: FakeChannel, guildId: string): Json {
  const overwrites = (c.overwrites ?? []).map((o) => ({ id: o.id, type: o.member ? 1 : 0, allow: String(o.allow ?? 0n), deny: String(o.deny ?? 0n) }));
  const base: Json = { id: c.id, type: c.type, guild_id: guildId, name: c.name ?? `chan-${c.id.slice(-4)}`, position: 0, permission_overwrites: overwrites, nsfw: false, parent_id: c.parentId ?? null };
  if (c.type === CHANNEL.PUBLIC_THREAD || c.type === CHANNEL.PRIVATE_THREAD) {
    return { ...base, owner_id: '1', message_count: 0, member_count: 1, rate_limit_per_user: 0, thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } };
  }
  return { ...base, topic: null, last_message_id: null, rate_limit_per_user: 0 };
}

export interface FakeMember {
  user: FakeUserInput;
  roles?: string[];
  nick?: string;
}

export function member(m: FakeMember): Json {
  return { user: user(m.user), roles: m.roles ?? [], nick: m.nick ?? null, joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0, avatar: null };
}

export interface FakeGuild {
  id: string;
  name?: string;
  ownerId: string;
  /** Besides @everyone (whose id is the guild's). */
  roles?: FakeRole[];
  channels: FakeChannel[];
  members?: FakeMember[];
}

/** GUILD_CREATE's `d`: the guild with its channels, active threads, roles and members (the bot's own among them). */
export function guildCreate(g: FakeGuild, bot?: FakeUserInput): Json {
  const everyone: FakeRole = { id: g.id, name: '@everyone', permissions: PERMISSION.VIEW_CHANNEL | PERMISSION.SEND_MESSAGES };
  const isThread = (c: FakeChannel) => c.type === CHANNEL.PUBLIC_THREAD || c.type === CHANNEL.PRIVATE_THREAD;
  return {
    id: g.id, name: g.name ?? `guild-${g.id.slice(-4)}`, icon: null, splash: null, discovery_splash: null, owner_id: g.ownerId,
    afk_channel_id: null, afk_timeout: 300, verification_level: 0, default_message_notifications: 0, explicit_content_filter: 0,
    roles: [everyone, ...(g.roles ?? [])].map((r, i) => role(r, i)), emojis: [], stickers: [], features: [], mfa_level: 0,
    application_id: null, system_channel_id: null, system_channel_flags: 0, rules_channel_id: null, vanity_url_code: null,
    description: null, banner: null, premium_tier: 0, preferred_locale: 'en-US', public_updates_channel_id: null, nsfw_level: 0,
    premium_progress_bar_enabled: false, joined_at: new Date(0).toISOString(), large: false, unavailable: false,
    member_count: (g.members ?? []).length + 1, voice_states: [], presences: [], stage_instances: [], guild_scheduled_events: [],
    members: [...(g.members ?? []), ...(bot ? [{ user: bot }] : [])].map(member),
    channels: g.channels.filter((c) => !isThread(c)).map((c) => guildChannel(c, g.id)),
    threads: g.channels.filter(isThread).map((c) => guildChannel(c, g.id)),
  };
}

export interface FakeAttachment {
  filename: string;
  contentType?: string;
  size: number;
  url: string;
  /** Voice messages. */
  durationSecs?: number;
}

export interface MessageInput {
  channelId: string;
  guildId?: string;
  /** `channel_type` on MESSAGE_CREATE (Discord sends it since 2024). */
  channelType?: number;
  author: FakeUserInput;
  content: string;
  id?: string;
  /** Guild messages carry the author's member object (without its user). */
  member?: Omit<FakeMember, 'user'>;
  mentions?: FakeUserInput[];
  mentionRoles?: string[];
  attachments?: FakeAttachment[];
  stickers?: { id: string; name: string; formatType?: number }[];
  embeds?: Json[];
  /** A reply: the message it answers (Discord includes it as `referenced_message`). */
  replyTo?: Json;
  webhookId?: string;
  /** Message type (0 default, 19 reply, 7 member join, …); derived from `replyTo` when absent. */
  type?: number;
}

/** A message object as MESSAGE_CREATE's `d` (and REST) carries it. */
export function message(m: MessageInput): Json {
  const id = m.id ?? snowflake();
  const d: Json = {
    id, channel_id: m.channelId, author: user(m.author), content: m.content, timestamp: new Date().toISOString(),
    edited_timestamp: null, tts: false, mention_everyone: false, mentions: (m.mentions ?? []).map(user), mention_roles: m.mentionRoles ?? [],
    attachments: (m.attachments ?? []).map((a) => ({
      id: snowflake(), filename: a.filename, size: a.size, url: a.url, proxy_url: a.url,
      ...(a.contentType ? { content_type: a.contentType } : {}), ...(a.durationSecs !== undefined ? { duration_secs: a.durationSecs } : {}),
    })),
    embeds: m.embeds ?? [], pinned: false, type: m.type ?? (m.replyTo ? 19 : 0), flags: 0, components: [],
  };
  if (m.guildId) d.guild_id = m.guildId;
  if (m.channelType !== undefined) d.channel_type = m.channelType;
  if (m.guildId && m.member) d.member = { roles: m.member.roles ?? [], nick: m.member.nick ?? null, joined_at: new Date(0).toISOString(), deaf: false, mute: false, flags: 0 };
  if (m.stickers) d.sticker_items = m.stickers.map((s) => ({ id: s.id, name: s.name, format_type: s.formatType ?? 1 }));
  if (m.webhookId) d.webhook_id = m.webhookId;
  if (m.replyTo) {
    d.message_reference = { type: 0, message_id: m.replyTo.id, channel_id: m.channelId, ...(m.guildId ? { guild_id: m.guildId } : {}) };
    d.referenced_message = m.replyTo;
  }
  return d;
}

export interface InteractionInput {
  applicationId: string;
  channelId: string;
  channelType?: number;
  guildId?: string;
  /** Guild interactions: the invoker as a member, with the permissions Discord computed for the channel. */
  member?: { user: FakeUserInput; roles?: string[]; permissions?: bigint };
  /** DM interactions: the invoker. */
  user?: FakeUserInput;
  locale?: string;
  id?: string;
  token?: string;
}

function interactionBase(i: InteractionInput, type: number): Json {
  const d: Json = {
    id: i.id ?? snowflake(), application_id: i.applicationId, type, token: i.token ?? `tok-${snowflake()}`, version: 1,
    channel_id: i.channelId, channel: { id: i.channelId, type: i.channelType ?? (i.guildId ? CHANNEL.GUILD_TEXT : CHANNEL.DM) },
    locale: i.locale ?? 'en-US', app_permissions: '2248473465835073', entitlements: [], authorizing_integration_owners: { 0: '1' },
    context: i.guildId ? 0 : 1, attachment_size_limit: 10 * 1024 * 1024,
  };
  if (i.guildId) {
    d.guild_id = i.guildId;
    d.guild_locale = 'en-US';
    d.guild = { id: i.guildId, locale: 'en-US', features: [] };
    const m = i.member!;
    d.member = { ...member({ user: m.user, roles: m.roles ?? [] }), permissions: String(m.permissions ?? (PERMISSION.VIEW_CHANNEL | PERMISSION.SEND_MESSAGES)) };
  } else {
    d.user = user(i.user!);
  }
  return d;
}

export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

/** INTERACTION_CREATE's `d` for a chat-input (slash) command. */
export function slashCommand(i: InteractionInput & { commandId?: string; name: string; options?: CommandOption[] }): Json {
  return { ...interactionBase(i, 2), data: { id: i.commandId ?? snowflake(), name: i.name, type: 1, options: i.options ?? [], ...(i.guildId ? { guild_id: i.guildId } : {}) } };
}

/** INTERACTION_CREATE's `d` for a button press on `message`. */
export function buttonPress(i: InteractionInput & { customId: string; message: Json }): Json {
  return { ...interactionBase(i, 3), data: { custom_id: i.customId, component_type: 2 }, message: i.message };
}
