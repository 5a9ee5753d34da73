import { DiscordAPIError, Routes, type Client, type ClientOptions } from 'discord.js';
import type { Adapter, AdapterHost, SendResult } from '../../core/adapter/index.js';
import { toError } from '../../core/errors/index.js';
import { parseChatKey, type ChatKey, type Segment } from '../../core/message/index.js';
import type { RepeatLog } from '../../core/metrics/index.js';
import type { ProxySettings } from '../../core/net/index.js';
import { ButtonChoices } from './choices.js';
import { CommandMenu, type MenuEvent } from './command-menu.js';
import type { DiscordCommandSource } from './command-source.js';
import { createClient, loginError, watchConnection } from './connection.js';
import type { DispatchTap } from './dispatch-guard.js';
import { DiscordChannelRefusedError, DiscordUploadTooLargeError, toDiscordError } from './errors.js';
import { InboundDispatch } from './inbound-dispatch.js';
import { messageBodies, type MessageBody } from './message-body.js';
import { missingPermissions } from './refusals.js';
import { discordRestAgent, type RestAgent } from './rest-agent.js';
import { planMessages } from './send-plan.js';
import { TypingIndicator, type AgentActivity } from './typing.js';

export interface DiscordAdapterOptions {
  /** The bot token (Developer Portal → Bot; `DISCORD_TOKEN`). */
  token: string;
  /** REST's base URL, without the version (`DISCORD_API_URL`); default `https://discord.com/api`. */
  apiUrl?: string;
  /** Publish slash commands to these guilds (applied at once) instead of globally (`DISCORD_GUILD_IDS`). */
  guildIds?: readonly string[];
  /** Ask for the privileged Message Content intent (`DISCORD_MESSAGE_CONTENT`, default true). */
  messageContent?: boolean;
  /** Ask for the privileged Server Members intent: member joins and leaves (`DISCORD_MEMBER_EVENTS`). */
  memberEvents?: boolean;
  /** Most bytes one message may upload (`DISCORD_MAX_UPLOAD_MB`); default 10 MiB, Discord's limit for unboosted servers. */
  maxUploadBytes?: number;
  /** The app's commands, published as slash commands and run for them; the CLI passes `discordCommandSource(app.commands)`. */
  commands?: DiscordCommandSource;
  /** When the agent works on a chat, for the typing indicator; the CLI passes `agentActivity(app.hooks)`. */
  activity?: AgentActivity;
  /** The outbound HTTP proxy for REST calls (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`); the CLI passes the configured one. */
  proxy?: ProxySettings;
  /** Answer a slash command that has not answered in this long with "thinking…" (Discord wants an answer within 3 s); default 2000. */
  deferAfterMs?: number;
  /** Changes to the commands within this long are published together; default 500. */
  commandDebounceMs?: number;
  /** More discord.js client options (caches, sweepers, presence), for those who need them. */
  clientOptions?: Partial<ClientOptions>;
  /** How often repeated bad input is summed up in the log; default 60 000 ms. */
  logSummaryMs?: number;
}

/**
 * Discord through discord.js 14: guild channels, threads and forum posts (`discord-group_<channel id>`), DMs
 * (`discord-private_<user id>`), slash commands and buttons. discord.js keeps the gateway (resume,
 * reconnect, heartbeats) and REST (rate limits, retries); the adapter turns dispatches into messages and
 * events, and replies into messages that never ping more than the users they name.
 *
 * @example
 * app.addAdapter(new DiscordAdapter({ token: process.env.DISCORD_TOKEN!, commands: discordCommandSource(app.commands), activity: agentActivity(app.hooks) }));
 */
export class DiscordAdapter implements Adapter {
  readonly name = 'discord';
  /**
   * What the agent is offered. Custom emoji and stickers need ids the model cannot know (it writes Unicode
   * emoji as text); plugins may still send `face` segments and discord `embed` raw segments.
   */
  readonly segmentTypes = ['text', 'at', 'reply', 'image', 'audio', 'video', 'file', 'buttons'] as const;
  private host: AdapterHost | undefined;
  private discord: Client | undefined;
  /** REST's dispatcher, made with discord.js's own undici (rest-agent.ts), closed at stop. */
  private restAgent: RestAgent | undefined;
  private inbound: InboundDispatch | undefined;
  private menu: CommandMenu | undefined;
  private typing: TypingIndicator | undefined;
  private limits: RepeatLog | undefined;
  private stopActivity: (() => void) | undefined;
  private readonly choices = new ButtonChoices();
  private readonly uploadLimit: number;

  constructor(private readonly options: DiscordAdapterOptions) {
    this.uploadLimit = options.maxUploadBytes ?? 10 * 1024 * 1024;
  }

  /** The discord.js client, once started: everything discord.js offers (caches, REST, events) for plugins. */
  get client(): Client | undefined {
    return this.discord;
  }

  /** The bot's user id, once logged in. */
  get botId(): string | undefined {
    return this.discord?.user?.id;
  }

  /** Resolves once the slash-command publish under way, if any, has finished. */
  async commandsSettled(): Promise<void> {
    await this.menu?.settled();
  }

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    // discord.js builds its sharding strategy, and so asks the tap, only at login: `inbound` exists by then.
    const tap: DispatchTap = { inspect: (t, d) => inbound.inspect(t, d), failed: (t, err) => inbound.failed(t, err) };
    const client = createClient({
      apiUrl: this.options.apiUrl ?? 'https://discord.com/api', messageContent: this.options.messageContent ?? true, memberEvents: this.options.memberEvents ?? false,
      restAgent: (this.restAgent = discordRestAgent(this.options.proxy)), clientOptions: this.options.clientOptions,
    }, tap);
    const inbound = new InboundDispatch({
      client, host, botId: () => client.user?.id ?? '', commands: this.options.commands, menu: () => this.menu, choices: this.choices,
      deferAfterMs: this.options.deferAfterMs ?? 2000, bodies: (segments) => this.bodies(segments), send: (chatKey, segments) => this.send(chatKey, segments),
      logSummaryMs: this.options.logSummaryMs,
    });
    this.discord = client;
    this.inbound = inbound;
    this.limits = watchConnection(client, host, (why) => host.closed(why));
    this.typing = new TypingIndicator((channelId) => client.rest.post(Routes.channelTyping(channelId)), (err) => this.apiFailed('typing', err));
    try {
      await client.login(this.options.token);
    } catch (err) {
      throw loginError(err);
    }
    if (this.options.commands) {
      this.menu = new CommandMenu({
        rest: client.rest, applicationId: client.application?.id ?? client.user!.id, guildIds: this.options.guildIds ?? [], source: this.options.commands,
        report: (event) => this.menuReport(event), debounceMs: this.options.commandDebounceMs,
      });
      await this.menu.start();
    }
    this.stopActivity = this.options.activity?.onWork((chatKey, working) => this.onWork(chatKey, working));
  }

  async stop(): Promise<void> {
    this.stopActivity?.();
    this.menu?.stop();
    this.typing?.stopAll();
    this.inbound?.noise.flush();
    this.limits?.flush();
    await this.discord?.destroy();
    // The REST dispatcher is the adapter's own (rest-agent.ts): its pooled connections go with the client.
    await this.restAgent?.close();
  }

  async send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const channelId = await this.channelFor(chatKey);
    let last: string | undefined;
    for (const message of await this.bodies(segments)) {
      try {
        const sent = (await this.discord!.rest.post(Routes.channelMessages(channelId), { body: message.body, files: message.files })) as { id?: string };
        last = sent.id;
      } catch (err) {
        throw this.refusal(err, chatKey, channelId, message);
      }
    }
    this.typing?.sent(channelId);
    return last === undefined ? {} : { messageId: last };
  }

  /** Segments as REST message bodies; a file too large fails here, before anything is sent. */
  private bodies(segments: Segment[]): Promise<MessageBody[]> {
    return messageBodies(planMessages(segments), { uploadLimit: this.uploadLimit, components: (s) => this.choices.components(s) });
  }

  /** The channel a chat key sends to: the channel itself, or the user's DM channel (opened when not yet known). */
  private async channelFor(chatKey: ChatKey): Promise<string> {
    const { chatType, id } = parseChatKey(chatKey);
    if (chatType === 'group') return id;
    const known = this.inbound!.dmChannels.get(id);
    if (known) return known;
    const dm = (await this.discord!.rest.post(Routes.userChannels(), { body: { recipient_id: id } }).catch((err: unknown) => {
      throw toDiscordError(err, `open a DM with ${id}`);
    })) as { id: string };
    this.inbound!.rememberDm(id, dm.id);
    return dm.id;
  }

  /**
   * A failed send as the error that says why. Missing permissions (50013, 50001) and a channel that is gone
   * (10003) name the channel and what the bot lacks, in the log and the error; Discord will refuse them
   * again until someone changes something, so they are not retried.
   */
  private refusal(err: unknown, chatKey: ChatKey, channelId: string, message: MessageBody): unknown {
    if (!(err instanceof DiscordAPIError)) return toDiscordError(err, 'send');
    const code = Number(err.code);
    if (code === 40005) return new DiscordUploadTooLargeError(message.files.map((f) => f.name).join(', ') || 'the message', message.files.reduce((n, f) => n + f.data.length, 0), this.uploadLimit);
    if (![50013, 50001, 10003].includes(code)) return toDiscordError(err, 'send');
    const channel = this.discord!.channels.cache.get(channelId);
    const where = channel && 'name' in channel && channel.name ? `#${channel.name} (${channelId})` : `channel ${channelId}`;
    const missing = code === 10003 ? [] : (missingPermissions(this.discord!, channelId, { files: message.files.length > 0, embeds: 'embeds' in message.body, reply: 'message_reference' in message.body }) ?? []);
    const reason = code === 10003
      ? `${where} does not exist any more, or the bot cannot see it (10003 Unknown Channel)`
      : `the bot lacks ${missing.length > 0 ? missing.join(', ') : 'a permission Discord did not name (Send Messages, Attach Files, Embed Links?)'} in ${where} (${code} ${err.message})`;
    this.host!.metrics.count('discord_send_refused_total', { code: String(code) });
    this.inbound!.noise.error(`refused-${code}-${channelId}`, { chatKey, channelId, code, missing }, `Discord refused to send to ${chatKey}: ${reason}`);
    return new DiscordChannelRefusedError(chatKey, channelId, code, missing, reason, { cause: err });
  }

  private onWork(chatKey: string, working: boolean): void {
    const { adapter, chatType, id } = parseChatKey(chatKey);
    if (adapter !== this.name) return;
    const channelId = chatType === 'group' ? id : this.inbound!.dmChannels.get(id);
    if (channelId === undefined) return;
    if (working) this.typing?.start(channelId);
    else this.typing?.stop(channelId);
  }

  private menuReport(event: MenuEvent): void {
    const { log, metrics } = this.host!;
    if (event.kind === 'published') {
      metrics.count('discord_commands_published_total', { scope: event.scope === 'global' ? 'global' : 'guild' });
      log.info({ scope: event.scope, count: event.count }, `Discord slash commands published (${event.count}, ${event.scope})`);
    } else if (event.kind === 'unchanged') log.info({ scope: event.scope, count: event.count }, `Discord slash commands unchanged (${event.count}, ${event.scope}): not uploaded again`);
    else if (event.kind === 'dropped') log.warn({ commands: event.fullNames }, `Discord cannot take ${event.fullNames.length} commands (over its limits or a name taken): ${event.fullNames.join(', ')}`);
    else this.apiFailed(`publish slash commands (${event.scope})`, event.err);
  }

  private apiFailed(what: string, err: unknown): void {
    const e = toDiscordError(err, what);
    this.host!.metrics.count('discord_api_errors_total', { call: what.split(' ')[0]! });
    this.host!.log.error({ err: toError(e) }, `Discord ${what} failed`);
  }
}
