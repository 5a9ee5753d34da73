import type { Adapter, AdapterHost, SendResult } from '../../core/adapter/index.js';
import { ChatKeyError, ConfigError, NekomataError, toError } from '../../core/errors/index.js';
import { isLoopbackHost } from '../../core/http/index.js';
import { createInboundMessage, parseChatKey, type ChatKey, type ChatType, type InboundMessage, type Segment } from '../../core/message/index.js';
import { RepeatLog } from '../../core/metrics/index.js';
import { RecentIds, type OneBotAccount } from './account.js';
import { OneBotActions } from './api-actions.js';
import { OneBotApi, OneBotLinkDownError } from './api.js';
import type { OneBotConnection } from './connection.js';
import type { OneBotConnectionOptions } from './connection-types.js';
import { classifyFrame, toInboundMessage, toPlatformEvent, type MessageEvent, type OneBotEvent } from './events.js';
import { ForwardDialer } from './forward.js';
import { ReverseServer } from './reverse.js';
import { toSegments } from './cq-code.js';
import { toOneBotSegments } from './segments.js';
import type { ActionResponse, OneBotSegment } from './types.js';

export interface OneBotAdapterOptions {
  /** Forward WS: URLs of implementations the bot dials. */
  wsUrls?: string[];
  /** Reverse WS: where implementations dial the bot. */
  reverse?: { host: string; port: number };
  accessToken?: string;
  /** Reverse WS beyond loopback without `accessToken` is refused at start unless this is set (`ONEBOT_ALLOW_NO_TOKEN`). */
  allowNoToken?: boolean;
  /** Reverse WS: how long a departed account's state is kept for its redial (`ONEBOT_ACCOUNT_GRACE_MS`, default 10 min). */
  accountGraceMs?: number;
  callTimeoutMs?: number;
  maxFrameBytes?: number;
  /** How often repeated bad input is summed up in the log (default 60 000 ms); the first of each kind is logged at once. */
  logSummaryMs?: number;
  /** Connection tuning (heartbeat watchdog, pings, backoff), mostly for tests. */
  connection?: Omit<OneBotConnectionOptions, 'selfId' | 'log' | 'metrics' | 'maxFrameBytes'>;
  backoff?: { baseMs?: number; capMs?: number };
}

/**
 * QQ through a OneBot v11 implementation (NapCat, Lagrange, LLOneBot), over forward and reverse WebSocket,
 * several accounts at once. Chat keys are `onebot-group_<group id>` and `onebot-private_<user id>`; a reply
 * leaves through the account that last heard from that chat.
 */
export class OneBotAdapter implements Adapter {
  readonly name = 'onebot';
  private host: AdapterHost | undefined;
  private noise: RepeatLog | undefined;
  private readonly accounts = new Map<string, OneBotAccount>();
  private readonly links = new Map<OneBotConnection, OneBotAccount>();
  /** Where each chat's replies go: the account that last heard from it, and the chat as the actions name it. */
  private readonly routes = new Map<ChatKey, ChatRoute>();
  private readonly dialers: ForwardDialer[] = [];
  private server: ReverseServer | undefined;

  constructor(private readonly options: OneBotAdapterOptions) {}

  /** The typed actions of an account (for plugins: approve requests, kick, ban, …); the only one when omitted. */
  actions(selfId?: string): OneBotActions | undefined {
    if (selfId !== undefined) return this.accounts.get(selfId)?.actions;
    return [...this.accounts.values()][0]?.actions;
  }

  /** Accounts that have identified themselves. */
  get accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** How much the adapter holds: accounts by id, links (one per connection), chat routes, reverse-WS connections. */
  get held(): { accounts: number; links: number; routes: number; reverseConnections: number } {
    return { accounts: this.accounts.size, links: this.links.size, routes: this.routes.size, reverseConnections: this.server?.connections.size ?? 0 };
  }

  /** The reverse server's address, once listening (port 0 picks one). */
  get reverseAddress() {
    return this.server?.address();
  }

  async start(host: AdapterHost): Promise<void> {
    const { reverse, accessToken, allowNoToken } = this.options;
    if (reverse && !accessToken && !allowNoToken && !isLoopbackHost(reverse.host)) {
      throw new ConfigError(
        ['ONEBOT_ACCESS_TOKEN', 'ONEBOT_ALLOW_NO_TOKEN'],
        `the OneBot reverse WS on ${reverse.host} can be dialed from other machines and has no access token, so anyone could act as any account: set ONEBOT_ACCESS_TOKEN, or ONEBOT_ALLOW_NO_TOKEN=1 behind a firewall`,
      );
    }
    this.host = host;
    const noise = new RepeatLog(host.log.child({ adapter: 'onebot' }), 'OneBot input ignored', { summaryMs: this.options.logSummaryMs });
    this.noise = noise;
    const shared = { ...this.options.connection, maxFrameBytes: this.options.maxFrameBytes, log: host.log, metrics: host.metrics, noise };
    for (const url of this.options.wsUrls ?? []) {
      const dialer = new ForwardDialer({ ...shared, url, accessToken: accessToken || undefined, backoff: this.options.backoff });
      this.bind(dialer.connection);
      this.dialers.push(dialer);
      dialer.start();
    }
    if (reverse) {
      const server = new ReverseServer({ ...shared, ...reverse, accessToken: accessToken || undefined, accountGraceMs: this.options.accountGraceMs });
      server.on('connection', (selfId, connection) => this.bind(connection, selfId));
      server.on('released', (_selfId, connection) => this.release(connection));
      await server.listen();
      this.server = server;
    }
  }

  /** Cuts every link: forward links are dialed again at once, reverse ones when their implementations dial back. */
  async reconnect(): Promise<void> {
    for (const dialer of this.dialers) dialer.redial();
    this.server?.dropSockets();
  }

  async stop(): Promise<void> {
    const down = new OneBotLinkDownError('the adapter is stopping');
    for (const account of this.links.values()) account.api.rejectAll(down);
    await Promise.all(this.dialers.map((d) => d.close()));
    await this.server?.close();
    this.noise?.flush();
  }

  async send(chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const route = this.routes.get(chatKey);
    const { chatType, id } = route ?? parseChatKey(chatKey);
    const account = this.accountFor(chatKey, route?.selfId);
    const message = toOneBotSegments(segments);
    let messageId: string;
    if (message.some((s) => s.type === 'node')) {
      // OneBot sends custom forward nodes through their own actions, never mixed with other segments (§8.13).
      const messages = message.filter((s) => s.type === 'node').map(toForwardNode);
      const r = chatType === 'group'
        ? await account.actions.sendGroupForwardMsg({ group_id: id, messages })
        : await account.actions.sendPrivateForwardMsg({ user_id: id, messages });
      messageId = String((r as { message_id?: unknown }).message_id ?? '');
    } else {
      const r = chatType === 'group'
        ? await account.actions.sendGroupMsg({ group_id: id, message })
        : await account.actions.sendPrivateMsg({ user_id: id, message });
      messageId = r.message_id;
    }
    if (messageId) account.sent.add(messageId);
    return { messageId };
  }

  private accountFor(chatKey: ChatKey, preferred: string | undefined): OneBotAccount {
    const account = (preferred && this.accounts.get(preferred)) || [...this.accounts.values()].find((a) => a.connection.state === 'online');
    if (!account) throw new OneBotLinkDownError(`no OneBot account is connected to send to ${chatKey}`);
    return account;
  }

  private bind(connection: OneBotConnection, selfId?: string): void {
    const host = this.host!;
    const api = new OneBotApi((frame) => connection.sendFrame(frame), { timeoutMs: this.options.callTimeoutMs, onUnmatched: (r) => this.unmatched(account, r) });
    const account: OneBotAccount = { selfId: undefined, connection, api, actions: new OneBotActions(api), sent: new RecentIds() };
    this.links.set(connection, account);
    const identify = (id: string): void => {
      if (account.selfId === id) return;
      account.selfId = id;
      this.accounts.set(id, account);
      host.log.info({ selfId: id }, `OneBot account ${id} connected`);
    };
    if (selfId) identify(selfId);
    connection.on('identified', identify);
    connection.on('frame', (frame) => this.onFrame(account, frame, identify));
    // The connection counts and logs what it refuses, its lost sockets and its states: one owner per fact.
    connection.on('down', (d) => api.rejectAll(new OneBotLinkDownError(`the link dropped (${d.reason}: ${d.detail})`)));
  }

  /** A reverse-WS account gone for its grace period: everything kept for it goes, so departed accounts cost nothing. */
  private release(connection: OneBotConnection): void {
    const account = this.links.get(connection);
    if (!account) return;
    this.links.delete(connection);
    account.api.rejectAll(new OneBotLinkDownError('the account was released after its grace period'));
    const selfId = account.selfId;
    if (selfId === undefined || this.accounts.get(selfId) !== account) return;
    this.accounts.delete(selfId);
    for (const [chatKey, route] of this.routes) if (route.selfId === selfId) this.routes.delete(chatKey);
  }

  private onFrame(account: OneBotAccount, frame: unknown, identify: (id: string) => void): void {
    const c = classifyFrame(frame);
    if (c.kind === 'response') return void account.api.handleResponse(c.response);
    if (c.kind === 'invalid') return this.bad(c.category, c.reason);
    const event = c.event;
    if (c.repaired) this.repaired(c.repaired.field, c.repaired.was, account);
    if (!account.selfId && event.self_id !== undefined) identify(String(event.self_id));
    try {
      this.onEvent(account, event)?.catch((err: unknown) => this.failed(err));
    } catch (err) {
      this.failed(err);
    }
  }

  /** Not async: a message's ingest is handed on as it is (one promise less a message); throws what the event's conversion throws. */
  private onEvent(account: OneBotAccount, event: OneBotEvent): Promise<unknown> | undefined {
    const host = this.host!;
    const selfId = account.selfId ?? String(event.self_id);
    if (event.post_type === 'message' || event.post_type === 'message_sent') {
      const m = event as MessageEvent;
      const wire = toSegments(m.message);
      const replyTo = wire.find((s) => s.type === 'reply')?.data.id;
      const input = toInboundMessage(m, { adapter: this.name, selfId, repliedToSelf: replyTo !== undefined && account.sent.has(String(replyTo)), wire });
      if (!input) return void host.metrics.count('onebot_self_messages_total', {});
      const message = createInboundMessage(input, { validated: true });
      this.route(message, selfId);
      return host.ingest(message);
    }
    if (event.post_type === 'notice' || event.post_type === 'request') {
      return host.platformEvent(toPlatformEvent(event as Parameters<typeof toPlatformEvent>[0], { adapter: this.name, selfId }));
    }
    // meta events: heartbeats and lifecycle are the connection's business (watchdog, identity).
    return undefined;
  }

  /** Remembers where replies to this chat go; unchanged in the usual case, so nothing is allocated then. */
  private route(message: InboundMessage, selfId: string): void {
    const known = this.routes.get(message.chatKey);
    if (known?.selfId === selfId) return;
    this.routes.set(message.chatKey, { selfId, chatType: message.chatType, id: message.chatId });
  }

  /** Bad input is counted every time and logged once per kind a window, so a broken peer cannot flood the log. */
  private bad(category: string, reason: string): void {
    this.host!.metrics.count('onebot_bad_frames_total', { category });
    this.noise!.warn(category, { category, example: reason }, `OneBot frame ignored (${category}): ${reason}`);
  }

  /** A field no later part could use (a `time` no Date can hold) was replaced at the edge; the event goes on. */
  private repaired(field: string, was: unknown, account: OneBotAccount): void {
    this.host!.metrics.count('onebot_repaired_frames_total', { field });
    this.noise!.warn(`bad-${field}`, { selfId: account.selfId, field, was: String(was) }, `OneBot event ${field} ${String(was)} is unusable; the time of arrival is used`);
  }

  private unmatched(account: OneBotAccount, response: ActionResponse): void {
    this.host!.metrics.count('onebot_unmatched_responses_total');
    this.noise!.warn('unmatched-response', { selfId: account.selfId, echo: response.echo, status: response.status, retcode: response.retcode }, 'OneBot response matches no pending call (late, or not ours); dropped');
  }

  /** A frame whose ids make no chat key is bad input; anything else (ingest refused: Redis away, shutting down) is ours. */
  private failed(err: unknown): void {
    if (err instanceof ChatKeyError) return this.bad('bad-chat-key', err.message);
    const error = toError(err);
    const code = error instanceof NekomataError ? error.code : error.name;
    this.host!.metrics.count('onebot_event_errors_total', { code });
    this.noise!.error(`event-${code}`, { err: error }, 'OneBot event was not handled');
  }
}

interface ChatRoute {
  selfId: string;
  chatType: ChatType;
  id: string;
}

function toForwardNode(node: OneBotSegment) {
  const d = node.data as { user_id?: string; nickname?: string; content?: OneBotSegment[] };
  return { user_id: d.user_id ?? '0', nickname: d.nickname ?? '', content: d.content ?? [] };
}
