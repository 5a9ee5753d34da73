import { DiscordAdapter, agentActivity, discordCommandSource, type DiscordAdapterOptions } from '../../../adapters/discord/index.js';
import type { PlatformEvent } from '../../../core/hooks/index.js';
import type { InboundMessage } from '../../../core/message/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { CHANNEL, FakeDiscord, PERMISSION, message, type FakeDiscordOptions, type MessageInput } from '../../peers/discord/fake-discord.js';

/** The world of the Discord tests: one guild with a channel, a thread, a forum post; an owner, an admin, a member. */
export const GUILD = '800000000000000001';
export const CHANNEL_ID = '810000000000000001';
export const THREAD = '810000000000000002';
export const FORUM = '810000000000000003';
export const FORUM_POST = '810000000000000004';
/** A channel where @everyone may not send: the bot cannot write there. */
export const READ_ONLY = '810000000000000005';
export const ADMIN_ROLE = '820000000000000001';
/** The bot's managed role, as Discord creates it when the bot joins. */
export const BOT_ROLE = '820000000000000002';
export const OWNER = '900000000000000001';
export const MEMBER = '900000000000000002';
export const ADMIN = '900000000000000003';

export function fakeWorld(extra: FakeDiscordOptions = {}): FakeDiscordOptions {
  return {
    guilds: [{
      id: GUILD, ownerId: OWNER,
      roles: [{ id: ADMIN_ROLE, name: 'Moderators', permissions: PERMISSION.MANAGE_GUILD }, { id: BOT_ROLE, name: 'Neko', permissions: 0n, botId: extra.botId ?? '700000000000000001' }],
      channels: [
        { id: CHANNEL_ID, type: CHANNEL.GUILD_TEXT, name: 'general' },
        { id: THREAD, type: CHANNEL.PUBLIC_THREAD, name: 'a-thread', parentId: CHANNEL_ID },
        { id: FORUM, type: CHANNEL.GUILD_FORUM, name: 'ideas' },
        { id: FORUM_POST, type: CHANNEL.PUBLIC_THREAD, name: 'a-post', parentId: FORUM },
        { id: READ_ONLY, type: CHANNEL.GUILD_TEXT, name: 'announcements', overwrites: [{ id: GUILD, deny: PERMISSION.SEND_MESSAGES }] },
      ],
      members: [{ user: { id: OWNER, username: 'owner' } }, { user: { id: MEMBER, username: 'mia', globalName: 'Mia' } }, { user: { id: ADMIN, username: 'ada' }, roles: [ADMIN_ROLE] }],
    }],
    heartbeatIntervalMs: 60_000,
    ...extra,
  };
}

export interface DiscordRig {
  app: App;
  fake: FakeDiscord;
  adapter: DiscordAdapter;
  lines: Record<string, unknown>[];
}

/** A started app with the Discord adapter (slash commands and typing wired as the CLI does) against a started fake. */
export async function startDiscord(options: { env?: Record<string, string>; adapter?: Partial<DiscordAdapterOptions>; fake?: FakeDiscordOptions; commands?: boolean; on?: FakeDiscord } = {}): Promise<DiscordRig> {
  const fake = options.on ?? new FakeDiscord(fakeWorld(options.fake));
  if (!options.on) await fake.start();
  const { app, lines } = makeTestApp({ DEBOUNCE_MS: '30', ...options.env });
  const adapter = new DiscordAdapter({
    token: fake.token, apiUrl: fake.apiUrl, deferAfterMs: 100, commandDebounceMs: 20, logSummaryMs: 60_000,
    ...(options.commands === false ? {} : { commands: discordCommandSource(app.commands) }),
    activity: agentActivity(app.hooks),
    ...options.adapter,
  });
  app.addAdapter(adapter);
  await app.start();
  return { app, fake, adapter, lines };
}

/** A guild message in the world's channel (or another), from a member unless said otherwise. */
export function guildMessage(content: string, extra: Partial<MessageInput> = {}): ReturnType<typeof message> {
  return message({ channelId: CHANNEL_ID, guildId: GUILD, channelType: CHANNEL.GUILD_TEXT, author: { id: MEMBER, username: 'mia', globalName: 'Mia' }, member: {}, content, ...extra });
}

/** A DM from a user, in their DM channel with the bot. */
export function directMessage(fake: FakeDiscord, content: string, userId = MEMBER, extra: Partial<MessageInput> = {}): ReturnType<typeof message> {
  const channelId = [...fake.channels.values()].find((c) => c.type === CHANNEL.DM && c.recipient === userId)?.id ?? fake.dmChannel(userId);
  return message({ channelId, channelType: CHANNEL.DM, author: { id: userId, username: 'mia' }, content, ...extra });
}

/** Messages the pipeline took in, from now on. */
export function ingested(app: App): InboundMessage[] {
  const seen: InboundMessage[] = [];
  app.hooks.on('im_message', (e) => void seen.push(e.message));
  return seen;
}

export function platformEvents(app: App): PlatformEvent[] {
  const seen: PlatformEvent[] = [];
  app.hooks.on('platform_event', (e) => void seen.push(e));
  return seen;
}

export const contentOf = (body: unknown): string => String((body as { content?: unknown }).content ?? '');
