import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { FakeActions, NO_REPLY, responseFrame, type ActionCall, type ActionHandler } from './fake-actions.js';
import { event, formatMessage, heartbeat, lifecycleConnect, type FakeEvent, type FakeMessage, type MessageFormat } from './fake-events.js';
import { dialBot, forwardRole, refuseUpgrade, reverseHeaders, tokenAccepted, type FakeRole } from './fake-handshake.js';

export { NO_REPLY, type ActionCall, type ActionHandler, type ActionReply, type StoredMessage } from './fake-actions.js';
export { encodeCQ, parseCQ, type FakeEvent, type FakeMessage, type FakeSegment, type MessageFormat } from './fake-events.js';
export { FakeDialError, type FakeRole } from './fake-handshake.js';

export interface FakeOneBotOptions {
  selfId: number;
  /** `forward`: the fake is the WS server the bot dials. `reverse`: the fake dials the bot's `url`. */
  mode: 'forward' | 'reverse';
  /** Forward: required from the bot (else HTTP 401). Reverse: sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Reverse: the bot's reverse WS URL. */
  url?: string;
  /** Reverse: one Universal socket, or an API socket and an Event socket (OneBot v11 §1.3). Default Universal. */
  role?: 'Universal' | 'split';
  /** Reverse: `X-Client-Role` values as sent; Lagrange sends `Api` (reference §1.3). */
  roleNames?: Partial<Record<FakeRole, string>>;
  /** Reverse: extra handshake headers; `null` removes one the fake would send (e.g. `X-Self-ID`). */
  headers?: Record<string, string | null>;
  /** Heartbeat period, announced as `interval`; 0 or absent sends none. */
  heartbeatMs?: number;
  messageFormat?: MessageFormat;
  /** Reverse: redial delay after a socket drops, as real implementations do (3–5 s); 0 never redials. Default 20 ms. */
  reconnectMs?: number;
  /** Forward: put `X-Self-ID` on the 101 response (most implementations do not). */
  selfIdHeader?: boolean;
}

/** A handshake the bot made to the forward-mode fake, accepted or not. */
export interface Handshake {
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

export interface PeerClose {
  role: FakeRole;
  code: number;
  reason: string;
}

interface Peer {
  ws: WebSocket;
  role: FakeRole;
  silent: boolean;
  heartbeat?: NodeJS.Timeout;
}

const carriesEvents = (role: FakeRole): boolean => role !== 'api';
const carriesApi = (role: FakeRole): boolean => role !== 'event';

/**
 * A OneBot v11 implementation for tests: real WebSocket frames on 127.0.0.1, in either direction. It sends
 * `lifecycle.connect` and heartbeats, answers actions like NapCat would (scriptable per action), records
 * every call, and can misbehave on demand (drop, go silent, send garbage). See README.md.
 */
export class FakeOneBot {
  readonly selfId: number;
  readonly calls: ActionCall[] = [];
  readonly handshakes: Handshake[] = [];
  readonly closes: PeerClose[] = [];
  /** Frames from the bot that were not JSON action requests (the fake does not answer them, like Lagrange). */
  readonly badFrames: string[] = [];
  /** Sockets opened over the fake's lifetime. */
  connectionCount = 0;
  /** WebSocket pings received from the bot (answered with a pong unless silent). */
  pings = 0;
  private readonly options: FakeOneBotOptions;
  private readonly actions: FakeActions;
  private readonly handlers = new Map<string, ActionHandler>();
  private readonly peers = new Set<Peer>();
  private readonly dialing = new Set<WebSocket>();
  private silentFromStart = false;
  private readonly redials = new Set<NodeJS.Timeout>();
  private readonly claimed = new Set<ActionCall>();
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private server: Server | undefined;
  private wss: WebSocketServer | undefined;
  private refusing: number | undefined;
  private stopped = false;

  constructor(options: FakeOneBotOptions) {
    this.options = options;
    this.selfId = options.selfId;
    this.actions = new FakeActions(options.selfId, this.format);
  }

  static async start(options: FakeOneBotOptions): Promise<FakeOneBot> {
    const fake = new FakeOneBot(options);
    await fake.start();
    return fake;
  }

  get format(): MessageFormat {
    return this.options.messageFormat ?? 'array';
  }

  /** Forward: the URL the bot should dial. */
  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('FakeOneBot.url: only a started forward-mode fake has a URL');
    return `ws://127.0.0.1:${address.port}/`;
  }

  /** Forward: listens. Reverse: dials, resolving once every socket is open, or rejecting with `FakeDialError`. */
  async start(): Promise<void> {
    if (this.options.mode === 'forward') return this.listen();
    await Promise.all(this.reverseRoles().map((role) => this.dial(role)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.redials) clearTimeout(timer);
    for (const ws of this.dialing) ws.terminate();
    await Promise.all([...this.peers].map((peer) => closed(peer.ws, () => peer.ws.close(1001, 'fake OneBot stopping'))));
    this.wss?.close();
    if (this.server) await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }


  /** Cuts every socket without a close frame, like a network failure. In reverse mode the fake then redials. */
  async drop(): Promise<void> {
    await Promise.all([...this.peers].map((peer) => closed(peer.ws, () => peer.ws.terminate())));
  }

  /** The current sockets go quiet: no heartbeats, no answers, no pongs. Sockets opened later behave. */
  goSilent(): void {
    for (const peer of this.peers) {
      peer.silent = true;
      clearInterval(peer.heartbeat);
    }
  }

  /**
   * Sockets opened from now on say `lifecycle.connect` and then nothing: no heartbeats, no answers, no pongs
   * (an implementation that reconnected and hung before its first heartbeat).
   */
  silenceNewConnections(): void {
    this.silentFromStart = true;
  }

  /** Forward: answer later handshakes with this HTTP status instead of upgrading. */
  refuseConnections(status = 503): void {
    this.refusing = status;
  }

  acceptConnections(): void {
    this.refusing = undefined;
  }

  /** Sends a frame as is on the event-carrying sockets: a string as text, a Buffer as binary. */
  sendRaw(data: string | Buffer): void {
    for (const peer of this.peers) if (carriesEvents(peer.role)) peer.ws.send(data, { binary: Buffer.isBuffer(data) });
  }


  emitEvent(frame: FakeEvent): void {
    for (const peer of this.peers) if (carriesEvents(peer.role) && !peer.silent) this.send(peer, frame);
  }

  /** A private message event from `userId`; `get_msg` knows it afterwards. */
  privateMessage(userId: number, message: FakeMessage, extra: Record<string, unknown> = {}): FakeEvent {
    const { message_id } = this.actions.store({ message_type: 'private', user_id: userId, message });
    return event(this.selfId, {
      post_type: 'message', message_type: 'private', sub_type: 'friend', message_id, user_id: userId,
      ...formatMessage(message, this.format), font: 0, sender: { user_id: userId, nickname: `user-${userId}` }, ...extra,
    });
  }

  /** A group message event from `userId` in `groupId`; `get_msg` knows it afterwards. */
  groupMessage(groupId: number, userId: number, message: FakeMessage, extra: Record<string, unknown> = {}): FakeEvent {
    const { message_id } = this.actions.store({ message_type: 'group', group_id: groupId, user_id: userId, message });
    return event(this.selfId, {
      post_type: 'message', message_type: 'group', sub_type: 'normal', message_id, group_id: groupId, user_id: userId,
      anonymous: null, ...formatMessage(message, this.format), font: 0,
      sender: { user_id: userId, nickname: `user-${userId}`, card: '', role: 'member' }, ...extra,
    });
  }

  notice(noticeType: string, fields: Record<string, unknown> = {}): FakeEvent {
    return event(this.selfId, { post_type: 'notice', notice_type: noticeType, ...fields });
  }

  request(requestType: 'friend' | 'group', fields: Record<string, unknown> = {}): FakeEvent {
    return event(this.selfId, { post_type: 'request', request_type: requestType, flag: `flag-${Date.now()}`, comment: '', ...fields });
  }


  /** Answers `action` with `handler` from now on (return `NO_REPLY` to stay silent). */
  handle(action: string, handler: ActionHandler): this {
    this.handlers.set(action, handler);
    return this;
  }

  fail(action: string, retcode = 100, message = 'failed'): this {
    return this.handle(action, () => ({ status: 'failed', retcode, message }));
  }

  /** OneBot's `status: "async"`, `retcode: 1`, `data: null` (§8.6). */
  answerAsync(action: string): this {
    return this.handle(action, () => ({ status: 'async', retcode: 1 }));
  }

  neverAnswer(action: string): this {
    return this.handle(action, () => NO_REPLY);
  }

  /** Answers `action` as before, `ms` later. */
  delay(action: string, ms: number): this {
    const inner = this.handlerFor(action);
    return this.handle(action, async (call) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return inner(call);
    });
  }

  /** Back to the default answer. */
  reset(action: string): this {
    this.handlers.delete(action);
    return this;
  }


  /** The next call of `action` (matching `predicate`) not returned by an earlier `waitForCall`, received or to come. */
  waitForCall(action: string, predicate: (call: ActionCall) => boolean = () => true, timeoutMs = 5000): Promise<ActionCall> {
    return this.until(`a "${action}" call`, timeoutMs, () => {
      const call = this.calls.find((c) => c.action === action && !this.claimed.has(c) && predicate(c));
      if (call) this.claimed.add(call);
      return call;
    });
  }

  /** Resolves once `count` sockets have opened over the fake's lifetime. */
  waitForConnections(count: number, timeoutMs = 5000): Promise<number> {
    return this.until(`${count} connection(s)`, timeoutMs, () => (this.connectionCount >= count ? this.connectionCount : undefined));
  }

  /** Resolves once `count` sockets have closed over the fake's lifetime, with the last of them. */
  waitForCloses(count: number, timeoutMs = 5000): Promise<PeerClose> {
    return this.until(`${count} close(s)`, timeoutMs, () => (this.closes.length >= count ? this.closes[count - 1] : undefined));
  }


  private listen(): Promise<void> {
    this.wss = new WebSocketServer({ noServer: true, autoPong: false });
    if (this.options.selfIdHeader) this.wss.on('headers', (headers) => headers.push(`X-Self-ID: ${this.selfId}`));
    this.server = createServer((_req, res) => res.writeHead(426).end());
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    return new Promise((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const status = this.refusing ?? (tokenAccepted(this.options.token, req.headers.authorization, url) ? 101 : 401);
    this.handshakes.push({ path: url.pathname, headers: req.headers, status });
    this.changed();
    if (status !== 101) return refuseUpgrade(socket, status);
    this.wss?.handleUpgrade(req, socket, head, (ws) => this.onOpen(ws, forwardRole(url.pathname)));
  }

  private reverseRoles(): FakeRole[] {
    return this.options.role === 'split' ? ['api', 'event'] : ['universal'];
  }

  private async dial(role: FakeRole): Promise<void> {
    const url = this.options.url;
    if (!url) throw new Error('FakeOneBot: reverse mode needs the bot URL in options.url');
    const { selfId, token, roleNames, headers } = this.options;
    const track = (ws: WebSocket, connecting: boolean): unknown => (connecting ? this.dialing.add(ws) : this.dialing.delete(ws));
    this.onOpen(await dialBot(url, reverseHeaders({ selfId, role, token, roleNames, headers }), track), role);
  }

  private scheduleRedial(role: FakeRole): void {
    const ms = this.options.reconnectMs ?? 20;
    if (this.stopped || ms <= 0) return;
    const timer = setTimeout(() => {
      this.redials.delete(timer);
      this.dial(role).catch(() => this.scheduleRedial(role));
    }, ms);
    this.redials.add(timer);
  }

  private onOpen(ws: WebSocket, role: FakeRole): void {
    const peer: Peer = { ws, role, silent: this.silentFromStart };
    this.peers.add(peer);
    this.connectionCount += 1;
    ws.on('message', (data, isBinary) => this.onMessage(peer, data.toString(), isBinary));
    ws.on('ping', (data) => {
      this.pings += 1;
      if (!peer.silent) ws.pong(data);
      this.changed();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      clearInterval(peer.heartbeat);
      this.peers.delete(peer);
      this.closes.push({ role, code, reason: reason.toString() });
      this.changed();
      if (this.options.mode === 'reverse') this.scheduleRedial(role);
    });
    if (carriesEvents(role)) {
      this.send(peer, lifecycleConnect(this.selfId));
      const ms = this.options.heartbeatMs ?? 0;
      if (ms > 0 && !peer.silent) peer.heartbeat = setInterval(() => this.send(peer, heartbeat(this.selfId, ms)), ms);
    }
    this.changed();
  }

  private onMessage(peer: Peer, text: string, isBinary: boolean): void {
    // OneBot v11 §1.2: what the bot sends on an event-only socket is ignored.
    if (!carriesApi(peer.role)) return;
    const request = isBinary ? undefined : parseRequest(text);
    if (!request) {
      this.badFrames.push(text);
      this.changed();
      return;
    }
    const call: ActionCall = { action: request.action, params: request.params, role: peer.role, ...('echo' in request ? { echo: request.echo } : {}) };
    this.calls.push(call);
    this.changed();
    if (!peer.silent) void this.reply(peer, call);
  }

  private async reply(peer: Peer, call: ActionCall): Promise<void> {
    let outcome;
    try {
      outcome = await this.handlerFor(call.action)(call);
    } catch (err) {
      outcome = { status: 'failed' as const, retcode: 1400, message: `fake handler threw: ${String(err)}` };
    }
    if (outcome === NO_REPLY || peer.silent) return;
    this.send(peer, responseFrame(outcome, call));
  }

  private handlerFor(action: string): ActionHandler {
    return this.handlers.get(action) ?? ((call) => this.actions.answer(call));
  }

  private send(peer: Peer, frame: object): void {
    if (peer.ws.readyState === WebSocket.OPEN) peer.ws.send(JSON.stringify(frame));
  }

  private changed(): void {
    this.changes.emit('change');
  }

  private until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value === undefined) return;
        stop();
        resolve(value);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`fake OneBot ${this.selfId}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.changes.off('change', attempt);
      };
      this.changes.on('change', attempt);
      attempt();
    });
  }
}

function parseRequest(text: string): { action: string; params: Record<string, unknown>; echo?: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.action !== 'string') return undefined;
  return { ...value, action: value.action, params: isRecord(value.params) ? value.params : {} };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function closed(ws: WebSocket, initiate: () => void): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    initiate();
  });
}
