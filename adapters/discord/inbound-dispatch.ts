import { GatewayDispatchEvents, type Client } from 'discord.js';
import type { AdapterHost } from '../../core/adapter/index.js';
import { ChatKeyError, NekomataError, toError } from '../../core/errors/index.js';
import { createInboundMessage, type Segment } from '../../core/message/index.js';
import { RepeatLog } from '../../core/metrics/index.js';
import type { ButtonChoices } from './choices.js';
import type { CommandMenu } from './command-menu.js';
import type { DiscordCommandSource } from './command-source.js';
import type { DispatchTap } from './dispatch-guard.js';
import { toPlatformEvent } from './events.js';
import { CHAT_MESSAGE_TYPES, isThreadType, readMessage, type ChannelInfo } from './inbound.js';
import { handleInteraction } from './interactions.js';
import type { MessageBody } from './message-body.js';
import { memberRole } from './roles.js';
import { libraryShapes, wireEventShapes, type EventDispatch, type WireInteraction, type WireMessage } from './wire.js';

const KNOWN_DISPATCHES: ReadonlySet<string> = new Set(Object.values(GatewayDispatchEvents));
const REMEMBERED = 10_000;

export interface InboundDeps {
  client: Client;
  host: AdapterHost;
  botId: () => string;
  commands: DiscordCommandSource | undefined;
  menu: () => CommandMenu | undefined;
  choices: ButtonChoices;
  deferAfterMs: number;
  bodies(segments: Segment[]): Promise<MessageBody[]>;
  send(chatKey: string, segments: Segment[]): Promise<unknown>;
  logSummaryMs?: number | undefined;
}

/**
 * Everything that arrives on the gateway, before discord.js sees it: dispatches checked against their wire
 * shape (a malformed or unknown one is counted and logged once per kind, and a malformed one never reaches
 * discord.js), chat messages ingested, interactions answered, other events handed to plugins. Also what the
 * adapter learns on the way: which DM channel is whose, and users' locales from their interactions.
 */
export class InboundDispatch implements DispatchTap {
  readonly noise: RepeatLog;
  /** DM channel id ↔ user id, learned from the DMs users write. */
  readonly dmChannels = new Map<string, string>();
  readonly dmUsers = new Map<string, string>();
  private readonly locales = new Map<string, string>();
  private readonly interactionsSeen = new Set<string>();

  constructor(private readonly deps: InboundDeps) {
    this.noise = new RepeatLog(deps.host.log, 'Discord input ignored', { summaryMs: deps.logSummaryMs });
  }

  inspect(t: string, d: unknown): boolean {
    const schema = libraryShapes[t];
    if (!schema) {
      if (!KNOWN_DISPATCHES.has(t)) this.bad('unknown', t.slice(0, 40), 'a dispatch Discord does not document');
      return true;
    }
    const parsed = schema.safeParse(d);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.bad('malformed', t, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
      return false;
    }
    this.route(t, parsed.data, d);
    return true;
  }

  failed(t: string, err: unknown): void {
    this.deps.host.metrics.count('discord_dispatch_errors_total', { t: KNOWN_DISPATCHES.has(t) ? t : 'other' });
    this.noise.error(`library-${t}`, { err: toError(err), t }, `discord.js failed on a ${t} dispatch; it was skipped`);
  }

  /** The DM channel of a user, as far as the adapter has seen one. */
  rememberDm(userId: string, channelId: string): void {
    if (this.dmChannels.get(userId) === channelId) return;
    remember(this.dmChannels, userId, channelId);
    remember(this.dmUsers, channelId, userId);
  }

  private route(t: string, data: unknown, payload: unknown): void {
    if (t === 'MESSAGE_CREATE') this.track(t, this.onMessage(data as WireMessage, payload));
    else if (t === 'INTERACTION_CREATE') this.track(t, this.onInteraction(data as WireInteraction, payload));
    else if (t in wireEventShapes) this.track(t, this.onEvent(t as EventDispatch, data as Record<string, never>, payload));
  }

  private track(t: string, work: Promise<void>): void {
    work.catch((err: unknown) => {
      // A message whose ids make no chat key is bad input; anything else (ingest refused: shutting down, Redis away) is ours.
      if (err instanceof ChatKeyError) return this.bad('malformed', t, err.message);
      const error = toError(err);
      const code = error instanceof NekomataError ? error.code : error.name;
      this.deps.host.metrics.count('discord_event_errors_total', { code });
      this.noise.error(`event-${code}`, { err: error, t }, `Discord ${t} was not handled`);
    });
  }

  private bad(kind: 'malformed' | 'unknown', t: string, reason: string): void {
    this.deps.host.metrics.count('discord_bad_dispatches_total', { kind, t: KNOWN_DISPATCHES.has(t) ? t : 'other' });
    this.noise.warn(`${kind}-${t}`, { t, reason }, `Discord ${t} dispatch ignored (${kind}): ${reason}`);
  }

  private async onMessage(m: WireMessage, payload: unknown): Promise<void> {
    const { client, host } = this.deps;
    const botId = this.deps.botId();
    const ignored = m.author.id === botId ? 'self' : m.webhook_id !== undefined ? 'webhook' : m.author.bot ? 'bot' : undefined;
    if (ignored) return void host.metrics.count('discord_ignored_messages_total', { reason: ignored });
    if (m.guild_id === undefined) this.rememberDm(m.author.id, m.channel_id);
    if (!CHAT_MESSAGE_TYPES.has(m.type)) {
      return host.platformEvent({ adapter: 'discord', botId, kind: 'message.system', chatKey: this.chatKeyOf(m.channel_id, m.guild_id, m.author.id), userId: m.author.id, data: payload as Record<string, unknown> });
    }
    const channel = await this.channelOf(m);
    const names = {
      botId,
      user: (id: string) => {
        const u = m.mentions.find((x) => x.id === id);
        return u ? u.member?.nick || u.global_name || u.username : client.users.cache.get(id)?.displayName;
      },
      role: (id: string) => (m.guild_id ? client.guilds.cache.get(m.guild_id)?.roles.cache.get(id)?.name : undefined),
      isBotRole: (id: string) => m.guild_id !== undefined && client.guilds.cache.get(m.guild_id)?.roles.cache.get(id)?.tags?.botId === botId,
      channel: (id: string) => {
        const c = client.channels.cache.get(id);
        return c && 'name' in c && c.name ? c.name : undefined;
      },
    };
    const senderRole = m.guild_id === undefined ? undefined : memberRole(client, m.guild_id, m.author.id, m.member?.roles ?? []);
    const input = readMessage(m, payload, { names, channel, senderRole, language: this.locales.get(m.author.id) });
    // Built from a payload checked at this edge: no second validation on the hot path.
    await host.ingest(createInboundMessage(input, { validated: true }));
  }

  /** The message's channel as known: its type (from `channel_type` or the cache), a thread's parent. */
  private async channelOf(m: WireMessage): Promise<ChannelInfo> {
    let cached = this.deps.client.channels.cache.get(m.channel_id);
    const type = m.channel_type ?? cached?.type;
    // A thread the cache does not hold (joined since, or archived): its parent is asked for once, then cached.
    if (!cached && isThreadType(type)) cached = (await this.deps.client.channels.fetch(m.channel_id).catch(() => null)) ?? undefined;
    const info: ChannelInfo = { id: m.channel_id, type: type ?? cached?.type, guild_id: m.guild_id };
    if (cached && 'parentId' in cached && cached.parentId && isThreadType(info.type)) info.parent_id = cached.parentId;
    if (cached && 'name' in cached && cached.name) info.name = cached.name;
    return info;
  }

  private async onInteraction(i: WireInteraction, payload: unknown): Promise<void> {
    // A RESUME replays what the bot missed; an interaction answered twice fails the second time.
    if (this.interactionsSeen.has(i.id)) return void this.deps.host.metrics.count('discord_duplicate_interactions_total', {});
    rememberKey(this.interactionsSeen, i.id);
    const user = i.member?.user ?? i.user;
    if (user && i.locale) remember(this.locales, user.id, i.locale);
    if (i.guild_id === undefined && user && i.channel_id) this.rememberDm(user.id, i.channel_id);
    const { client, host, commands, choices, deferAfterMs, bodies, send } = this.deps;
    await handleInteraction({ client, rest: client.rest, host, botId: this.deps.botId(), commands, menu: this.deps.menu(), choices, deferAfterMs, bodies, send }, i, payload);
  }

  private async onEvent(t: EventDispatch, d: Record<string, never>, payload: unknown): Promise<void> {
    const { client, host } = this.deps;
    const event = toPlatformEvent(t, d, payload, {
      botId: this.deps.botId(),
      chatKeyOf: (channelId, guildId, userId) => this.chatKeyOf(channelId, guildId, userId),
      systemChannel: (guildId) => client.guilds.cache.get(guildId)?.systemChannelId ?? undefined,
    });
    await host.platformEvent(event);
  }

  /** A channel's chat key: `discord-group_<id>` in a guild, `discord-private_<user>` for a DM whose user is known. */
  chatKeyOf(channelId: string, guildId: string | undefined, userId?: string): string | undefined {
    if (guildId !== undefined) return `discord-group_${channelId}`;
    const user = this.dmUsers.get(channelId) ?? userId;
    return user === undefined ? undefined : `discord-private_${user}`;
  }
}

function remember(map: Map<string, string>, key: string, value: string): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED) map.delete(map.keys().next().value!);
}

function rememberKey(set: Set<string>, key: string): void {
  set.add(key);
  if (set.size > REMEMBERED) set.delete(set.values().next().value!);
}
