import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readParams } from './fake-body.js';
import type { FakeMessage, FakeUser } from './fake-updates.js';
import { WebhookSender } from './fake-webhook.js';

export * from './fake-updates.js';
export * from './fake-webhook.js';

/** One Bot API call the fake received. */
export interface FakeCall {
  method: string;
  params: Record<string, unknown>;
}

interface ScriptedFailure {
  code: number;
  description: string;
  parameters?: Record<string, unknown>;
  times: number;
}

type Update = Record<string, unknown> & { update_id: number };
type Reply = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: Record<string, unknown> };

const SEND_METHODS = new Set(['sendMessage', 'sendPhoto', 'sendDocument', 'sendAudio', 'sendVideo', 'sendVoice']);

/**
 * A Telegram Bot API server on 127.0.0.1 speaking the real HTTP API (`/bot<token>/<method>`, answers
 * `{ ok, result }` or `{ ok:false, error_code, description }`), with real long polling: `getUpdates` confirms
 * everything below `offset` and waits up to `timeout` seconds for an update (§6: the public emulator does neither).
 */
export class FakeBotApi {
  readonly calls: FakeCall[] = [];
  readonly bot: FakeUser;
  /** Webhook mode: set by `setWebhook`; while set, updates are POSTed to it and getUpdates is refused. */
  readonly webhook = new WebhookSender();
  private server: Server | undefined;
  private updates: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters = new Set<() => void>();
  private failures = new Map<string, ScriptedFailure>();
  private commands = new Map<string, unknown[]>();
  /** Chats the bot may address by id: Telegram answers "chat not found" for a user who never wrote to it. */
  private knownChats = new Set<number>();
  private admins = new Map<number, { user: FakeUser; status: string }[]>();
  private openPolls = new Set<ServerResponse>();

  constructor(readonly token = '123456:TEST-token', bot: Partial<FakeUser> = {}) {
    this.bot = { id: 123456, is_bot: true, first_name: 'Neko', username: 'neko_test_bot', ...bot };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((err: unknown) => this.reply(res, 500, { ok: false, error_code: 500, description: String(err) })));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    for (const res of this.openPolls) this.reply(res, 200, { ok: true, result: [] });
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  get apiRoot(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Queues an update; `update_id` is assigned unless given. Returns the update as queued. */
  pushUpdate(update: Record<string, unknown>): Update {
    const full = { ...update, update_id: typeof update.update_id === 'number' ? update.update_id : this.nextUpdateId++ } as Update;
    const chatId = (update.message as { chat?: { id?: unknown } } | undefined)?.chat?.id;
    if (typeof chatId === 'number') this.knownChats.add(chatId);
    this.nextUpdateId = Math.max(this.nextUpdateId, full.update_id + 1);
    if (this.webhook.webhook) this.webhook.deliver(full);
    else this.updates.push(full);
    this.wake();
    return full;
  }

  /** Queues several updates at once, so one `getUpdates` answer holds them all (duplicates included). */
  pushBatch(updates: Update[]): void {
    for (const u of updates) this.nextUpdateId = Math.max(this.nextUpdateId, u.update_id + 1);
    if (this.webhook.webhook) for (const u of updates) this.webhook.deliver(u);
    else this.updates.push(...updates);
    this.wake();
  }

  /** Pushes a `message` update. */
  pushMessage(message: FakeMessage): Update {
    return this.pushUpdate({ message });
  }

  /** Marks a chat (a user's private chat: their user id) as one the bot knows, as if it had written to the bot. */
  knowChat(chatId: number): void {
    this.knownChats.add(chatId);
  }

  /** Makes the next `times` calls of `method` fail with this error. */
  fail(method: string, code: number, description: string, parameters?: Record<string, unknown>, times = 1): void {
    this.failures.set(method, { code, description, ...(parameters ? { parameters } : {}), times });
  }

  setAdmins(chatId: number, admins: { user: FakeUser; status: 'creator' | 'administrator' }[]): void {
    this.admins.set(chatId, admins);
  }

  /** The command menu last set for a language (`''` for the default) and scope (`default`, `all_chat_administrators`, `chat:<id>`, …). */
  commandsFor(languageCode = '', scope = 'default'): unknown[] | undefined {
    return this.commands.get(`${scope}|${languageCode}`);
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the first call of `method` (matching `pred`) not yet returned by an earlier wait. */
  async waitForCall(method: string, pred: (c: FakeCall) => boolean = () => true, timeoutMs = 5000): Promise<FakeCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.calls.find((c) => c.method === method && pred(c));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${method} call within ${timeoutMs} ms; calls: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (file) return this.download(res, file[1]!, file[2]!);
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!route) return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (route[1] !== this.token) return this.reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = route[2]!;
    const params = await readParams(req, url);
    this.calls.push({ method, params });
    const failure = this.failures.get(method);
    if (failure) {
      if (--failure.times <= 0) this.failures.delete(method);
      const body: Reply = { ok: false, error_code: failure.code, description: failure.description, ...(failure.parameters ? { parameters: failure.parameters } : {}) };
      return this.reply(res, failure.code, body);
    }
    if (method === 'getUpdates' && this.webhook.webhook) {
      return this.reply(res, 409, { ok: false, error_code: 409, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" });
    }
    if (method === 'getUpdates') return this.getUpdates(res, params);
    const answer = this.answer(method, params);
    this.reply(res, answer.ok ? 200 : answer.error_code, answer);
  }

  private answer(method: string, p: Record<string, unknown>): Reply {
    if (method === 'getMe') return { ok: true, result: { ...this.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } };
    if (SEND_METHODS.has(method)) return { ok: true, result: this.sentMessage(method, p) };
    if (method === 'sendMediaGroup' && ((p.media as unknown[]).length < 2 || (p.media as unknown[]).length > 10)) {
      return { ok: false, error_code: 400, description: 'Bad Request: media group must include 2-10 items' };
    }
    if (method === 'sendMediaGroup') return { ok: true, result: (p.media as Record<string, unknown>[]).map((m) => this.sentMessage(`send${String(m.type)}`, { ...p, [String(m.type)]: m.media })) };
    if (method === 'getFile') return { ok: true, result: { file_id: p.file_id, file_unique_id: `u${String(p.file_id)}`, file_size: 4, file_path: `files/${String(p.file_id)}.bin` } };
    if (method === 'setMyCommands') return this.setCommands(p);
    if (method === 'getMyCommands') return { ok: true, result: this.commands.get(commandKey(p)) ?? [] };
    if (method === 'deleteMyCommands') return (this.commands.delete(commandKey(p)), { ok: true, result: true });
    if (method === 'getChatAdministrators') return { ok: true, result: this.admins.get(Number(p.chat_id)) ?? [] };
    if (method === 'setWebhook') return (this.webhook.set(p), { ok: true, result: true });
    if (method === 'deleteWebhook') return (this.webhook.clear(), { ok: true, result: true });
    if (method === 'getWebhookInfo') return { ok: true, result: { url: this.webhook.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.updates.length } };
    if (['answerCallbackQuery', 'sendChatAction', 'editMessageReplyMarkup'].includes(method)) return { ok: true, result: true };
    return { ok: false, error_code: 404, description: `Not Found: method ${method} is not implemented by the fake Bot API` };
  }

  private setCommands(p: Record<string, unknown>): Reply {
    const scope = p.scope as { type?: string; chat_id?: number } | undefined;
    if (scope?.type === 'chat' && !this.knownChats.has(Number(scope.chat_id))) return { ok: false, error_code: 400, description: 'Bad Request: chat not found' };
    const commands = p.commands as { command: string; description: string }[];
    const bad = commands.find((c) => !/^[a-z0-9_]{1,32}$/.test(c.command) || c.description.length < 1 || c.description.length > 256);
    if (bad) return { ok: false, error_code: 400, description: `Bad Request: BOT_COMMAND_INVALID (${bad.command})` };
    this.commands.set(commandKey(p), commands);
    return { ok: true, result: true };
  }

  private sentMessage(method: string, p: Record<string, unknown>): Record<string, unknown> {
    const chatId = Number(p.chat_id);
    const chat = chatId > 0 ? { id: chatId, type: 'private', first_name: 'peer' } : { id: chatId, type: 'supergroup', title: 'g' };
    const content = method === 'sendMessage' ? { text: p.text } : { [method.slice(4).toLowerCase()]: p[method.slice(4).toLowerCase()], ...(p.caption ? { caption: p.caption } : {}) };
    return { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from: this.bot, ...content };
  }

  private getUpdates(res: ServerResponse, p: Record<string, unknown>): void {
    const offset = Number(p.offset ?? 0);
    const limit = Number(p.limit ?? 100);
    const timeoutMs = Number(p.timeout ?? 0) * 1000;
    // Bot API: an offset confirms every update below it; they are never returned again.
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const ready = () => this.updates.slice(0, limit);
    if (ready().length > 0 || timeoutMs <= 0) return this.reply(res, 200, { ok: true, result: ready() });
    this.openPolls.add(res);
    const finish = () => {
      clearTimeout(timer);
      this.waiters.delete(finish);
      this.openPolls.delete(res);
      if (!res.writableEnded && !res.destroyed) this.reply(res, 200, { ok: true, result: ready() });
    };
    const timer = setTimeout(finish, timeoutMs);
    this.waiters.add(finish);
    // The response's close (not the request's, which closes once its body is read) marks a client that gave up.
    res.on('close', () => {
      if (res.writableEnded) return;
      clearTimeout(timer);
      this.waiters.delete(finish);
      this.openPolls.delete(res);
    });
  }

  private download(res: ServerResponse, token: string, path: string): void {
    if (token !== this.token) return this.reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from(`file:${path}`));
  }

  private reply(res: ServerResponse, status: number, body: Reply): void {
    if (res.writableEnded || res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}

/** `<scope type>[:<chat id>]|<language code>`, e.g. `default|en`, `chat:42|` */
function commandKey(p: Record<string, unknown>): string {
  const scope = p.scope as { type?: string; chat_id?: number | string } | undefined;
  const where = `${scope?.type ?? 'default'}${scope?.chat_id === undefined ? '' : `:${scope.chat_id}`}`;
  return `${where}|${typeof p.language_code === 'string' ? p.language_code : ''}`;
}
