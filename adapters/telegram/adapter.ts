import { setMaxListeners } from 'node:events';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError } from 'grammy';
import type { CallbackQuery, Message, Update } from 'grammy/types';
import type { Adapter, AdapterHost, SendResult } from '../../core/adapter/index.js';
import { toError } from '../../core/errors/index.js';
import { createInboundMessage, parseChatKey, type ChatKey, type Segment } from '../../core/message/index.js';
import { OutboundHttp } from '../../core/net/index.js';
import { ButtonChoices, choiceNotice } from './choices.js';
import { isWorthRetrying, TelegramChatBlockedError, TelegramApiError, toTelegramError } from './errors.js';
import { endCallsOn } from './call-lifetime.js';
import { CommandMenu, type TelegramCommandSource } from './menu.js';
import { NetworkRetryReport } from './network-retries.js';
import { ChatRoles } from './roles.js';
import { sendSegments } from './send.js';
import { chatTarget, isKnownUpdate, KNOWN_UPDATES, messageIdOf, pressedOn, readChoice, readMessage, toPlatformEvent, updateKind } from './updates.js';
import { serveWebhook, type TelegramWebhook } from './webhook.js';

export interface TelegramAdapterOptions {
  /** The bot token from @BotFather (`TELEGRAM_BOT_TOKEN`). */
  token: string;
  /** Another Bot API server, e.g. a local `telegram-bot-api` or a test server (`TELEGRAM_API_ROOT`). */
  apiRoot?: string;
  /** How long one getUpdates call waits for updates (long polling); default 30. */
  pollingTimeoutSec?: number;
  /** The app's commands for Telegram's command menu; the CLI passes `telegramCommandSource(app.commands, config.commands.superUsers)`. */
  commands?: TelegramCommandSource;
  /**
   * Retries of a call answered 5xx or 429 (after its retry_after) before giving up; default 5. A network error
   * is retried until Telegram answers or the adapter stops (auto-retry keeps no count of them), each one logged.
   */
  maxRetryAttempts?: number;
  /** Receive updates by webhook on the app's HTTP server instead of polling (several gateways may serve one URL). */
  webhook?: TelegramWebhook;
  /** Outbound HTTP for Bot API calls: `new OutboundHttp(config.proxy)` goes through `HTTPS_PROXY`; default: direct. */
  http?: OutboundHttp;
}

const SEEN_UPDATES = 2048;
/** On stop, how long grammY's last getUpdates (it confirms the updates handled) may take. */
const STOP_GRACE_MS = 2000;

/**
 * Telegram through the Bot API with grammY, by long polling or by webhook. Chat keys are
 * `telegram-private_<user id>`, `telegram-group_<chat id>` and, for a forum topic,
 * `telegram-group_<chat id>_<topic id>`. Network errors, 5xx and 429 (after `retry_after`) are retried by
 * grammY's auto-retry, network errors logged as they happen (`NetworkRetryReport`); stopping aborts every call
 * still in flight or waiting. A 403 marks the chat as refusing the bot. Calls go through `options.http`
 * (undici's fetch: a proxy, a 10 s connect timeout).
 * Buttons segments become inline keyboards; a press answers the callback query and arrives as the presser's
 * message (the option's value), which is how a command's wait receives it.
 *
 * @example
 * app.addAdapter(new TelegramAdapter({ token: process.env.TELEGRAM_BOT_TOKEN!, commands: telegramCommandSource(app.commands) }));
 */
export class TelegramAdapter implements Adapter {
  readonly name = 'telegram';
  /** No platform faces (stickers are files), forwards or raw elements of other platforms. */
  readonly segmentTypes = ['text', 'at', 'reply', 'image', 'audio', 'video', 'file', 'buttons'] as const;
  private host: AdapterHost | undefined;
  private bot: Bot | undefined;
  private menu: CommandMenu | undefined;
  private roles: ChatRoles | undefined;
  private polling: Promise<void> | undefined;
  private unroute: (() => void) | undefined;
  private readonly choices = new ButtonChoices();
  private readonly seen = new Set<number>();
  private readonly blocked = new Map<ChatKey, string>();
  /** Aborted on stop: ends every Bot API call, and auto-retry's waits between them. */
  private readonly lifetime = new AbortController();
  private retries: NetworkRetryReport | undefined;
  private http: OutboundHttp | undefined;
  private stopping = false;

  constructor(private readonly options: TelegramAdapterOptions) {
    // One listener per call in flight (sends to many chats at once); not a leak.
    setMaxListeners(0, this.lifetime.signal);
  }

  /** The bot's username, once started. */
  get username(): string | undefined {
    return this.bot?.isInited() ? this.bot.botInfo.username : undefined;
  }

  /** The download URL of a file by its `file_id` (the link holds the token: do not show it to users). */
  async fileUrl(fileId: string): Promise<string> {
    const file = await this.api('getFile', (bot) => bot.api.getFile(fileId));
    return `${this.options.apiRoot ?? 'https://api.telegram.org'}/file/bot${this.options.token}/${file.file_path ?? ''}`;
  }

  /** Resolves once the command menu publish under way (if any) has finished. */
  async menuSettled(): Promise<void> {
    await this.menu?.settled();
  }

  async start(host: AdapterHost): Promise<void> {
    this.host = host;
    const http = (this.http = this.options.http ?? new OutboundHttp());
    if (http.proxied) host.log.info({ proxy: http.describe() }, `Telegram Bot API requests use the proxy settings: ${http.describe()}`);
    const bot = new Bot(this.options.token, { client: { apiRoot: this.options.apiRoot ?? 'https://api.telegram.org', fetch: http.fetch } });
    this.retries = new NetworkRetryReport({
      log: host.log, metrics: host.metrics, token: this.options.token,
      // Stopping: a call that fails on the network now would only wait out auto-retry's backoff.
      onFailure: () => this.stopping && this.lifetime.abort(),
    });
    // Innermost first: the report sees every attempt, auto-retry retries, and every call ends on stop.
    bot.api.config.use(this.retries.transformer, autoRetry({ maxRetryAttempts: this.options.maxRetryAttempts ?? 5, maxDelaySeconds: 300 }), endCallsOn(this.lifetime.signal));
    this.bot = bot;
    // grammY's types name the abort-controller package's signal; it only ever calls addEventListener on it.
    await this.api('getMe', (b) => b.init(this.lifetime.signal as unknown as Parameters<Bot['init']>[0]));
    this.roles = new ChatRoles(bot.api);
    bot.use((ctx) => this.onUpdate(ctx.update));
    bot.catch((err) => host.log.error({ err: toError(err.error), updateId: err.ctx.update.update_id }, 'Telegram update was not handled'));
    if (this.options.commands) {
      this.menu = new CommandMenu(bot.api, this.options.commands, (err) => this.logApiError('setMyCommands', err));
      await this.menu.start();
    }
    if (this.options.webhook) {
      this.unroute = await this.api('setWebhook', (b) => serveWebhook(b, host, this.options.webhook!));
      host.log.info({ username: bot.botInfo.username }, `Telegram bot @${bot.botInfo.username} receiving updates by webhook at ${this.options.webhook.url}`);
      return;
    }
    this.polling = bot
      .start({ timeout: this.options.pollingTimeoutSec ?? 30, allowed_updates: [...KNOWN_UPDATES] })
      .catch((err: unknown) => this.pollingFailed(err));
    host.log.info({ username: bot.botInfo.username }, `Telegram bot @${bot.botInfo.username} polling`);
  }

  /**
   * Stops polling and ends every call in flight. grammY's stop confirms the last update with one more
   * getUpdates, given `STOP_GRACE_MS`; while Telegram is unreachable nothing would answer, so everything is
   * aborted at once. Stopping in the middle of `start` (getMe retrying) makes `start` reject.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.menu?.stop();
    this.unroute?.();
    const grace = setTimeout(() => this.lifetime.abort(), this.retries?.failing ? 0 : STOP_GRACE_MS);
    try {
      if (this.bot?.isRunning()) await this.bot.stop().catch((err: unknown) => this.host?.log.debug({ err: toError(err) }, 'Telegram: the last update was not confirmed'));
      await this.polling;
    } finally {
      clearTimeout(grace);
      this.lifetime.abort();
      if (!this.options.http) await this.http?.close();
    }
  }

  private pollingFailed(err: unknown): void {
    const host = this.host!;
    if (this.lifetime.signal.aborted) return void host.log.debug({ err: toError(err) }, 'Telegram polling ended by stop');
    // Telegram allows one getUpdates consumer per token; a second one gets 409 Conflict.
    const why = err instanceof GrammyError && err.error_code === 409
      ? 'another process is already polling this bot token (Telegram allows one poller per token): run the Telegram adapter in one gateway process only'
      : `Telegram polling failed: ${toError(err).message}`;
    host.metrics.count('telegram_polling_stopped_total', { code: err instanceof GrammyError ? String(err.error_code) : 'network' });
    host.log.error({ err: toError(err) }, why);
    host.closed(why);
  }

  async send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const refused = this.blocked.get(chatKey);
    if (refused !== undefined) {
      this.host!.metrics.count('telegram_send_refused_total', {});
      throw new TelegramChatBlockedError(chatKey, refused);
    }
    const target = chatTarget(parseChatKey(chatKey).id);
    try {
      const last = await sendSegments(this.bot!.api, target, segments, { keyboard: (s) => this.choices.keyboard(chatKey, s) });
      return last === undefined ? {} : { messageId: messageIdOf(target.chatId, last) };
    } catch (err) {
      if (err instanceof GrammyError && err.error_code === 403) throw this.markBlocked(chatKey, err.description);
      throw toTelegramError(err, 'send');
    }
  }

  private markBlocked(chatKey: ChatKey, description: string): TelegramChatBlockedError {
    this.blocked.set(chatKey, description);
    this.host!.metrics.count('telegram_chat_blocked_total', {});
    this.host!.log.warn({ chatKey, description }, `Telegram chat ${chatKey} refuses the bot; sends to it fail fast until it writes again`);
    return new TelegramChatBlockedError(chatKey, description);
  }

  private async onUpdate(update: Update): Promise<void> {
    const host = this.host!;
    // getUpdates is at-least-once across restarts and retried polls: an update id seen is dropped.
    if (this.seen.has(update.update_id)) return void host.metrics.count('telegram_duplicate_updates_total', {});
    this.seen.add(update.update_id);
    if (this.seen.size > SEEN_UPDATES) this.seen.delete(this.seen.values().next().value!);
    const kind = updateKind(update);
    if (!isKnownUpdate(kind)) return void host.metrics.count('telegram_unknown_updates_total', { kind });
    const q = update.callback_query;
    const work = update.message ? this.onMessage(update.message) : this.choices.isChoice(q?.data) ? this.onChoice(q!) : this.onEvent(update);
    if (this.options.webhook) return this.settleWebhookUpdate(update.update_id, kind, work);
    // Polling: not awaited, so that a slow command does not hold up the update loop; getUpdates has already
    // confirmed the update, there is nobody to ask for it again.
    void work.catch((err: unknown) => this.dropUpdate(kind, err));
  }

  /**
   * A webhook update is acknowledged only once handled. A failure worth retrying (ingest failed: Redis away,
   * the app stopping) becomes a 500 and Telegram delivers the update again, which must then not be taken for
   * a duplicate. Any other failure would fail the same way on every delivery: it is answered 200.
   */
  private async settleWebhookUpdate(updateId: number, kind: string, work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (err) {
      if (!isWorthRetrying(err)) return this.dropUpdate(kind, err);
      this.seen.delete(updateId);
      this.host!.metrics.count('telegram_updates_failed_total', { kind });
      this.host!.log.error({ err: toError(err), kind }, 'Telegram update was not handled; Telegram will deliver it again');
      throw err;
    }
  }

  private dropUpdate(kind: string, err: unknown): void {
    this.host!.metrics.count('telegram_updates_dropped_total', { reason: 'failed' });
    this.host!.log.error({ err: toError(err), kind }, 'Telegram update could not be handled and is dropped');
  }

  private async onMessage(m: Message): Promise<void> {
    const host = this.host!;
    const bot = this.bot!;
    const ctx = { botId: String(bot.botInfo.id), botUsername: bot.botInfo.username, commandName: (n: string) => this.menu?.fullName(n) };
    const isGroup = m.chat.type === 'group' || m.chat.type === 'supergroup';
    const senderRole = isGroup && m.from && (m.text ?? m.caption ?? '').startsWith('/') ? await this.roles!.roleOf(m.chat.id, m.from.id) : undefined;
    const read = readMessage(m, senderRole ? { ...ctx, senderRole } : ctx);
    if (!read) return void host.metrics.count('telegram_ignored_messages_total', { reason: 'no_sender' });
    if (read.foreignCommand) return void host.metrics.count('telegram_ignored_messages_total', { reason: 'other_bot_command' });
    const message = createInboundMessage(read.input);
    this.blocked.delete(message.chatKey);
    await host.ingest(message);
  }

  private async onChoice(q: CallbackQuery): Promise<void> {
    const api = this.bot!.api;
    const press = this.choices.press(q.data!, String(q.from.id), pressedOn(q));
    this.host!.metrics.count('telegram_choices_total', { status: press.status });
    // Telegram shows a spinner on the button until the query is answered; a failed answer must not lose the choice.
    const answer = (text?: string) =>
      api.answerCallbackQuery(q.id, text === undefined ? {} : { text }).catch((err: unknown) => this.logApiError('answerCallbackQuery', err));
    if (press.status !== 'chosen') return void (await answer(choiceNotice(press.status, q.from.language_code)));
    await answer();
    // The keyboard goes once answered, so nobody presses it again, whichever gateway the press would reach.
    if (q.message) {
      void api.editMessageReplyMarkup(q.message.chat.id, q.message.message_id, { reply_markup: { inline_keyboard: [] } })
        .catch((err: unknown) => this.logApiError('editMessageReplyMarkup', err));
    }
    const { chatType, id } = parseChatKey(press.chatKey);
    const senderRole = chatType === 'group' ? await this.roles!.roleOf(Number(chatTarget(id).chatId), q.from.id) : undefined;
    const input = readChoice(q, press.chatKey, press.value, { botId: String(this.bot!.botInfo.id), ...(senderRole ? { senderRole } : {}) });
    this.blocked.delete(press.chatKey);
    await this.host!.ingest(createInboundMessage(input));
  }

  private async onEvent(update: Update): Promise<void> {
    const event = toPlatformEvent(update, String(this.bot!.botInfo.id));
    if (!event) return;
    // The bot added back to a group, or a user who unblocked it, can be written to again.
    if (event.kind.startsWith('bot.') && event.chatKey && ['member', 'administrator'].includes(event.kind.slice(4))) this.blocked.delete(event.chatKey);
    await this.host!.platformEvent(event);
  }

  private async api<T>(method: string, call: (bot: Bot) => Promise<T>): Promise<T> {
    try {
      return await call(this.bot!);
    } catch (err) {
      throw toTelegramError(err, method);
    }
  }

  private logApiError(method: string, err: unknown): void {
    const e = toTelegramError(err, method);
    this.host!.metrics.count('telegram_api_errors_total', { method });
    this.host!.log.error({ err: toError(e), errorCode: e instanceof TelegramApiError ? e.errorCode : undefined }, `Telegram ${method} failed`);
  }
}
