import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { Metrics, RepeatLog } from '../../core/metrics/index.js';
import { DEFAULT_MAX_FRAME_BYTES, MAX_HEARTBEAT_INTERVAL_MS, OneBotNotConnectedError, type ConnectionState, type SocketRole, type OneBotFrame, type MalformedKind, type DownReason, type OneBotConnectionEvents, type OneBotConnectionOptions, type RawSocket } from './connection-types.js';


interface Link {
  ws: WebSocket;
  role: SocketRole;
  /** Set when we cut the socket ourselves, so its close is reported with our reason. */
  dropped?: { reason: DownReason; detail: string };
  /** A replaced socket: its late frames and its close are ignored. */
  retired: boolean;
  /** Corked while one tick's frames are written, so that they leave in one write (see `sendFrame`). */
  socket?: RawSocket;
  corked: boolean;
  pingTimer?: NodeJS.Timeout;
  pongTimer?: NodeJS.Timeout;
}

const CARRIES_API: ReadonlySet<SocketRole> = new Set(['universal', 'api']);
const CARRIES_EVENTS: ReadonlySet<SocketRole> = new Set(['universal', 'event']);

/**
 * One OneBot account's link: a Universal socket, or an API socket plus an Event socket (OneBot v11 §1.3).
 * It outlives its sockets: the dialer or server attaches new ones after a drop, and the state goes
 * `online → reconnecting → online`. Frames are parsed here; bad ones are reported as `malformed` and never
 * end the link. A heartbeat watchdog and ws pings notice a dead link the OS has not (Koishi's #57).
 *
 * @example
 * const connection = new OneBotConnection({ selfId: '10001000' });
 * connection.on('frame', (frame) => route(frame));
 * connection.attach(socket, 'universal');
 * connection.sendFrame({ action: 'get_login_info', params: {}, echo: '1' });
 */
export class OneBotConnection extends EventEmitter<OneBotConnectionEvents> {
  private readonly links = new Set<Link>();
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly noise: RepeatLog;
  private readonly maxFrameBytes: number;
  private readonly watchdogFactor: number;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private current: ConnectionState = 'connecting';
  private everOnline = false;
  private closed = false;
  private closing: Promise<void> | undefined;
  private watchdog: { timer: NodeJS.Timeout; ms: number } | undefined;
  /** The account's last announced heartbeat interval: kept across reconnects, so a new link is watched from its first moment. */
  private heartbeatMs: number | undefined;
  private id: string | undefined;

  constructor(options: OneBotConnectionOptions = {}) {
    super();
    this.id = options.selfId;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.watchdogFactor = options.watchdogFactor ?? 2;
    this.pingIntervalMs = options.pingIntervalMs ?? 30_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.log = (options.log ?? pino({ level: 'silent' })).child({ adapter: 'onebot' });
    this.metrics = options.metrics ?? new Metrics();
    this.noise = options.noise ?? new RepeatLog(this.log, 'OneBot input ignored');
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Open sockets (0 while the peer is away). */
  get sockets(): number {
    return this.links.size;
  }

  /** The account's QQ number as a string, once known. */
  get selfId(): string | undefined {
    return this.id;
  }

  /** Records the account (from a header, a frame or `get_login_info`); emits `identified` when it changes. */
  identify(selfId: string): void {
    if (this.id === selfId) return;
    this.id = selfId;
    this.log.info({ selfId }, 'OneBot account identified');
    this.emit('identified', selfId);
  }

  /**
   * Adds an open socket. It replaces the sockets whose duties it takes over (a redial of the same account, §8.9).
   * `socket`, the TCP socket under `ws`, lets the frames of one tick go out in one write.
   */
  attach(ws: WebSocket, role: SocketRole, socket?: RawSocket): void {
    if (this.closed) {
      ws.close(1001, 'the bot is shutting down');
      return;
    }
    for (const old of this.links) if (overlaps(old.role, role)) this.retire(old);
    const link: Link = { ws, role, retired: false, socket, corked: false };
    this.links.add(link);
    ws.on('message', (data, isBinary) => this.receive(link, data, isBinary));
    ws.on('pong', () => this.clearPong(link));
    ws.on('error', (err) => this.onSocketError(link, err));
    ws.on('close', (code) => this.onSocketClose(link, code));
    this.startPings(link);
    // An implementation that reconnects and goes silent before its first heartbeat must be redialed too.
    if (CARRIES_EVENTS.has(role) && this.heartbeatMs !== undefined) this.armWatchdog(this.watchdogMs(this.heartbeatMs));
    this.updateState(`${role} socket attached`);
  }

  /** Sends one JSON text frame on the socket that carries API calls. Throws `OneBotNotConnectedError` when there is none. */
  sendFrame(frame: object): void {
    for (const link of this.links) {
      if (CARRIES_API.has(link.role) && link.ws.readyState === WebSocket.OPEN) {
        corkForTick(link);
        return link.ws.send(JSON.stringify(frame));
      }
    }
    throw new OneBotNotConnectedError(this.current);
  }

  /** Closes every socket and goes `offline` for good. Resolves once the sockets are closed. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.closed = true;
    this.disarmWatchdog();
    const links = [...this.links];
    this.links.clear();
    this.updateState('closed by the bot');
    await Promise.all(links.map((link) => this.closeLink(link)));
  }

  private closeLink(link: Link): Promise<void> {
    this.stopPings(link);
    if (link.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const cut = setTimeout(() => link.ws.terminate(), this.closeTimeoutMs);
      link.ws.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      link.ws.close(1000, 'the bot is shutting down');
    });
  }

  private receive(link: Link, data: WebSocket.RawData, isBinary: boolean): void {
    if (link.retired || this.closed) return;
    const buffer = toBuffer(data);
    const bytes = buffer.length;
    // Sockets are meant to refuse these already (maxPayload); this catches one attached without the limit.
    if (bytes > this.maxFrameBytes) return this.reject(link, 'oversized', bytes);
    // OneBot v11 §1.1: every frame is a JSON text frame.
    if (isBinary) return this.reject(link, 'binary', bytes);
    let frame: unknown;
    try {
      frame = JSON.parse(buffer.toString('utf8'));
    } catch {
      return this.reject(link, 'not-json', bytes);
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return this.reject(link, 'not-object', bytes);
    this.onFrame(frame as OneBotFrame, link.role);
  }

  private onFrame(frame: OneBotFrame, role: SocketRole): void {
    this.feedWatchdog(this.heartbeatInterval(frame));
    // OneBot v11 §1.5: forward WS has no X-Self-ID; the first event names the account.
    const selfId = frame.self_id;
    if (this.id === undefined && (typeof selfId === 'number' || typeof selfId === 'string')) this.identify(String(selfId));
    this.emit('frame', frame, role);
  }

  private reject(link: Link, kind: MalformedKind, bytes?: number): void {
    this.metrics.count('onebot_malformed_frames_total', { kind });
    this.noise.warn(`malformed-${kind}`, { selfId: this.id, role: link.role, bytes }, `OneBot frame dropped: malformed (${kind})`);
    this.emit('malformed', { kind, role: link.role, bytes });
  }

  private onSocketError(link: Link, err: Error & { code?: string }): void {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
      // `ws` refuses the frame at its header and closes with 1009; the account redials or is redialed.
      link.dropped ??= { reason: 'oversized', detail: `a frame exceeded ${this.maxFrameBytes} bytes` };
      if (!link.retired) this.reject(link, 'oversized');
      return;
    }
    // The socket closes after an error: a peer that reconnects to send garbage again repeats this without bound.
    this.noise.warn(`socket-error-${err.code ?? err.name}`, { selfId: this.id, role: link.role, err }, 'OneBot socket error');
  }

  private onSocketClose(link: Link, code: number): void {
    this.stopPings(link);
    if (link.retired || !this.links.delete(link)) return;
    const { reason, detail } = link.dropped ?? { reason: 'closed' as const, detail: `closed by the peer or the network (${code})` };
    if (![...this.links].some((l) => CARRIES_EVENTS.has(l.role))) this.disarmWatchdog();
    // One count and one line for a lost socket: the state change it causes is in the same line.
    this.metrics.count('onebot_link_down_total', { reason });
    const state = this.derivedState();
    this.log.warn({ selfId: this.id, role: link.role, reason, code, detail, state }, `OneBot ${link.role} socket lost (${detail}); link ${state}`);
    this.emit('down', { reason, role: link.role, code, detail });
    this.updateState(`${link.role} socket lost: ${detail}`, { logged: true });
  }

  private retire(link: Link): void {
    link.retired = true;
    this.links.delete(link);
    this.stopPings(link);
    this.log.info({ selfId: this.id, role: link.role }, 'OneBot socket replaced by a newer one');
    link.ws.close(4000, 'replaced by a newer connection');
  }

  private drop(link: Link, reason: DownReason, detail: string): void {
    link.dropped ??= { reason, detail };
    link.ws.terminate();
  }

  /** OneBot v11 §1.5: `interval` in a heartbeat is the ms until the next one; beyond an hour it is taken as an hour. */
  private heartbeatInterval(frame: OneBotFrame): number | undefined {
    if (frame.post_type !== 'meta_event' || frame.meta_event_type !== 'heartbeat') return undefined;
    const interval = frame.interval;
    if (typeof interval !== 'number' || !(interval > 0)) return undefined;
    if (interval <= MAX_HEARTBEAT_INTERVAL_MS) return interval;
    this.metrics.count('onebot_heartbeat_intervals_clamped_total');
    this.noise.warn('heartbeat-interval', { selfId: this.id, interval }, `OneBot heartbeat interval ${interval} ms is beyond ${MAX_HEARTBEAT_INTERVAL_MS} ms; the watchdog takes ${MAX_HEARTBEAT_INTERVAL_MS}`);
    return MAX_HEARTBEAT_INTERVAL_MS;
  }

  private feedWatchdog(announcedMs: number | undefined): void {
    if (announcedMs !== undefined) this.heartbeatMs = announcedMs;
    const ms = announcedMs === undefined ? this.watchdog?.ms : this.watchdogMs(announcedMs);
    if (ms === undefined) return;
    if (this.watchdog?.ms === ms) {
      this.watchdog.timer.refresh();
      return;
    }
    this.armWatchdog(ms);
  }

  private watchdogMs(announcedMs: number): number {
    // Node fires a timer longer than 2^31-1 ms at once: a large watchdogFactor must not overflow it either.
    return Math.min(announcedMs * this.watchdogFactor, 2 ** 31 - 1);
  }

  private armWatchdog(ms: number): void {
    this.disarmWatchdog();
    const timer = setTimeout(() => this.onWatchdog(ms), ms);
    this.watchdog = { timer, ms };
  }

  private onWatchdog(ms: number): void {
    this.watchdog = undefined;
    for (const link of this.links) this.drop(link, 'watchdog', `no frame for ${ms} ms (heartbeats announced every ${this.heartbeatMs} ms)`);
  }

  private disarmWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog.timer);
    this.watchdog = undefined;
  }

  private startPings(link: Link): void {
    if (this.pingIntervalMs <= 0) return;
    link.pingTimer = setInterval(() => {
      if (link.pongTimer) return;
      link.pongTimer = setTimeout(() => this.drop(link, 'watchdog', `no pong within ${this.pongTimeoutMs} ms`), this.pongTimeoutMs);
      link.ws.ping();
    }, this.pingIntervalMs);
  }

  private clearPong(link: Link): void {
    clearTimeout(link.pongTimer);
    link.pongTimer = undefined;
  }

  private stopPings(link: Link): void {
    clearInterval(link.pingTimer);
    this.clearPong(link);
  }

  private updateState(reason: string, opts: { logged?: boolean } = {}): void {
    const next = this.derivedState();
    if (next === this.current) return;
    const previous = this.current;
    this.current = next;
    if (next === 'online') this.everOnline = true;
    this.metrics.count('onebot_connection_states_total', { state: next });
    if (!opts.logged) this.log.info({ selfId: this.id, state: next, previous, reason }, `OneBot link ${next}`);
    this.emit('state', { state: next, previous, reason });
  }

  private derivedState(): ConnectionState {
    if (this.closed) return 'offline';
    const roles = new Set([...this.links].map((l) => l.role));
    if (roles.has('universal') || (roles.has('api') && roles.has('event'))) return 'online';
    return this.everOnline ? 'reconnecting' : 'connecting';
  }
}

/** A Universal socket takes over both duties; an API or Event socket only its own. */
function overlaps(a: SocketRole, b: SocketRole): boolean {
  return a === b || a === 'universal' || b === 'universal';
}

/**
 * Holds a link's writes until the current tick's microtasks have run. Events read together are answered in
 * the same tick, so their replies leave in one write instead of one each: fewer syscalls here and fewer
 * wake-ups of the implementation (measured in bench/onebot: bot and peer CPU per message both drop).
 */
function corkForTick(link: Link): void {
  const socket = link.socket;
  if (!socket || link.corked) return;
  link.corked = true;
  socket.cork();
  process.nextTick(() => {
    link.corked = false;
    socket.uncork();
  });
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
