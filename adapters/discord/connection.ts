import { Client, Events, GatewayIntentBits, Partials, RESTEvents, type ClientOptions } from 'discord.js';
import type { AdapterHost } from '../../core/adapter/index.js';
import { ConfigError, toError } from '../../core/errors/index.js';
import { RepeatLog } from '../../core/metrics/index.js';
import { guardedStrategy, type DispatchTap } from './dispatch-guard.js';
import type { RestAgent } from './rest-agent.js';

export interface ConnectionOptions {
  apiUrl: string;
  /** Message Content, a privileged intent: without it guild messages arrive empty unless they mention the bot. */
  messageContent: boolean;
  /** Server Members, a privileged intent: member joins and leaves. */
  memberEvents: boolean;
  /** The dispatcher of every REST call (`discordRestAgent`), unless `clientOptions.rest.agent` names another. */
  restAgent: RestAgent;
  clientOptions?: Partial<ClientOptions> | undefined;
}

/** The intents the adapter asks for: guild channels and threads, DMs, reactions; privileged ones when enabled. */
export function intentsOf(options: Pick<ConnectionOptions, 'messageContent' | 'memberEvents'>): GatewayIntentBits[] {
  return [
    GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.DirectMessages,
    GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions,
    ...(options.messageContent ? [GatewayIntentBits.MessageContent] : []),
    ...(options.memberEvents ? [GatewayIntentBits.GuildMembers] : []),
  ];
}

/**
 * The discord.js client: REST at `apiUrl` (v10), the gateway URL from REST's `/gateway/bot`, DMs through
 * `Partials.Channel`, every dispatch past `tap` first. Messages it sends by itself (a plugin's
 * `channel.send`) mention nobody unless told to.
 */
export function createClient(options: ConnectionOptions, tap: DispatchTap): Client {
  return new Client({
    intents: intentsOf(options),
    partials: [Partials.Channel],
    allowedMentions: { parse: [], repliedUser: false },
    ...options.clientOptions,
    rest: { agent: options.restAgent, ...options.clientOptions?.rest, api: options.apiUrl },
    ws: { ...options.clientOptions?.ws, buildStrategy: guardedStrategy(tap) },
  });
}

/** Gateway close codes after which discord.js does not reconnect (Gateway → Close Event Codes), and what to do. */
const FATAL_CLOSES: Record<number, { variables: string[]; why: string }> = {
  4004: { variables: ['DISCORD_TOKEN'], why: 'Discord rejected the bot token (4004 Authentication failed): check DISCORD_TOKEN (Developer Portal → Bot → Reset Token)' },
  4013: { variables: ['DISCORD_MESSAGE_CONTENT', 'DISCORD_MEMBER_EVENTS'], why: 'Discord refused the intents (4013 Invalid intents)' },
  4014: {
    variables: ['DISCORD_MESSAGE_CONTENT', 'DISCORD_MEMBER_EVENTS'],
    why: 'Discord refused a privileged intent (4014 Disallowed intents): in the Developer Portal → Bot → Privileged Gateway Intents, enable Message Content Intent (and Server Members Intent for DISCORD_MEMBER_EVENTS=1), or set DISCORD_MESSAGE_CONTENT=0',
  },
};

/** Login's failure as an error that says what to fix (a bad token, a privileged intent not enabled). */
export function loginError(err: unknown): Error {
  const e = toError(err);
  if (/disallowed intents/i.test(e.message)) return new ConfigError(FATAL_CLOSES[4014]!.variables, FATAL_CLOSES[4014]!.why);
  if (/authentication failed|token/i.test(e.message) || (err as { status?: number }).status === 401) return new ConfigError(FATAL_CLOSES[4004]!.variables, FATAL_CLOSES[4004]!.why);
  return e;
}

/**
 * Puts discord.js's connection state in the log and the counters: ready, resumed, reconnecting, disconnected
 * for good (then `onFatal`), errors, and REST rate limits with their route and wait (repeats of one route are
 * summed up by `RepeatLog`). Resuming, heartbeats and waiting out rate limits are discord.js's job.
 */
export function watchConnection(client: Client, host: AdapterHost, onFatal: (why: string) => void): RepeatLog {
  const { log, metrics } = host;
  const limits = new RepeatLog(log, 'Discord rate limits');
  const state = (name: string) => metrics.count('discord_gateway_events_total', { event: name });
  client.on(Events.ShardReady, (shard) => {
    state('ready');
    log.info({ shard, guilds: client.guilds.cache.size }, `Discord gateway ready as @${client.user?.username ?? '?'} (${client.guilds.cache.size} guilds)`);
  });
  client.on(Events.ShardResume, (shard, replayed) => {
    state('resumed');
    log.info({ shard, replayed }, `Discord gateway resumed (${replayed} events replayed)`);
  });
  client.on(Events.ShardReconnecting, (shard) => {
    state('reconnecting');
    log.warn({ shard }, 'Discord gateway connection lost or closed by Discord: reconnecting');
  });
  client.on(Events.ShardDisconnect, (event, shard) => {
    state('disconnected');
    const fatal = FATAL_CLOSES[event.code];
    const why = fatal?.why ?? `the Discord gateway closed with code ${event.code} and will not reconnect`;
    log.error({ shard, code: event.code }, why);
    onFatal(why);
  });
  client.on(Events.ShardError, (err, shard) => {
    state('error');
    log.error({ err, shard }, 'Discord gateway error');
  });
  client.on(Events.Error, (err) => log.error({ err }, 'Discord client error'));
  client.on(Events.Warn, (message) => log.warn(`Discord: ${message}`));
  client.rest.on(RESTEvents.RateLimited, (info) => {
    metrics.count('discord_rate_limited_total', { global: String(info.global) });
    const waitMs = info.retryAfter > 0 ? info.retryAfter : info.timeToReset;
    limits.warn(
      `${info.method} ${info.route}`,
      { method: info.method, route: info.route, waitMs, global: info.global, scope: info.scope, limit: info.limit },
      `Discord rate limit on ${info.method.toUpperCase()} ${info.route}: waiting ${waitMs} ms${info.global ? ' (global)' : ''}`,
    );
  });
  return limits;
}
