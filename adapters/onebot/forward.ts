import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { Metrics } from '../../core/metrics/index.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { OneBotConnection } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES, type ConnectionState, type OneBotConnectionEvents, type OneBotConnectionOptions } from './connection-types.js';

export interface ForwardDialerOptions extends Omit<OneBotConnectionOptions, 'selfId'> {
  /** The OneBot implementation's WebSocket server, e.g. `ws://127.0.0.1:3001/`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` (OneBot v11 §1.4). */
  accessToken?: string;
  backoff?: BackoffOptions;
  /** A dial whose handshake takes longer is abandoned and retried. Default 10 000 ms. */
  handshakeTimeoutMs?: number;
}

/** A dial that failed or a link that dropped, and when the next dial goes out. */
export interface DialRetry {
  /** 1 for the first retry after a success (or after start). */
  attempt: number;
  delayMs: number;
  cause: string;
  /** HTTP status of a refused handshake (401 for a wrong token). */
  status?: number;
}

export interface ForwardDialerEvents extends OneBotConnectionEvents {
  retry: [retry: DialRetry];
}

/**
 * Forward WS (OneBot v11 §1.2): the bot dials the OneBot implementation and keeps dialing, with capped
 * exponential backoff and jitter, until `close()`. One `OneBotConnection` lives across redials, so its
 * state reads `connecting → online → reconnecting → online … → offline`; its events are re-emitted here.
 *
 * @example
 * const dialer = new ForwardDialer({ url: 'ws://127.0.0.1:3001/', accessToken: 'secret' });
 * dialer.on('identified', (selfId) => log.info({ selfId }, 'logged in'));
 * dialer.on('frame', (frame) => route(frame));
 * dialer.start();
 */
export class ForwardDialer extends EventEmitter<ForwardDialerEvents> {
  readonly connection: OneBotConnection;
  private readonly options: ForwardDialerOptions;
  private readonly backoff: Backoff;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private socket: WebSocket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(options: ForwardDialerOptions) {
    super();
    this.options = options;
    this.backoff = new Backoff(options.backoff);
    this.log = (options.log ?? pino({ level: 'silent' })).child({ adapter: 'onebot', url: options.url });
    this.metrics = options.metrics ?? new Metrics();
    this.connection = new OneBotConnection({ ...options, metrics: this.metrics });
    this.connection.on('state', (change) => {
      this.emit('state', change);
      // The connection has logged the loss; the redial that follows is a detail of it.
      if (change.state === 'reconnecting') this.scheduleRetry({ cause: change.reason }, 'debug');
    });
    this.connection.on('frame', (frame, role) => this.emit('frame', frame, role));
    this.connection.on('malformed', (frame) => this.emit('malformed', frame));
    this.connection.on('down', (down) => this.emit('down', down));
    this.connection.on('identified', (selfId) => this.emit('identified', selfId));
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The account, from the `X-Self-ID` response header or the first event; `undefined` until then. */
  get selfId(): string | undefined {
    return this.connection.selfId;
  }

  /** Dials for the first time. Listeners attached before this see every event. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.dial();
  }

  /** Sends a frame on the current socket; see `OneBotConnection.sendFrame`. */
  sendFrame(frame: object): void {
    this.connection.sendFrame(frame);
  }

  /** Drops the link and dials again (the admin API's reconnect): a live socket is cut, a pending retry is made now. */
  redial(): void {
    if (!this.started || this.closed) return;
    this.backoff.reset();
    // Cut, the connection reports the loss (state `reconnecting`) and the dial follows from that, as after any drop.
    if (this.socket) return void this.socket.terminate();
    clearTimeout(this.retryTimer);
    this.dial();
  }

  /** Stops redialing and closes the link: the state becomes `offline`. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    if (this.socket?.readyState === WebSocket.CONNECTING) this.socket.terminate();
    await this.connection.close();
  }

  private dial(): void {
    const headers: Record<string, string> = {};
    if (this.options.accessToken) headers.Authorization = `Bearer ${this.options.accessToken}`;
    const ws = new WebSocket(this.options.url, {
      headers,
      maxPayload: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    this.socket = ws;
    let opened = false;
    let failure: Omit<DialRetry, 'attempt' | 'delayMs'> = { cause: 'the connection closed during the handshake' };
    let headerSelfId: string | undefined;
    let socket: IncomingMessage['socket'] | undefined;
    ws.once('upgrade', (res: IncomingMessage) => {
      socket = res.socket;
      const header = res.headers['x-self-id'];
      headerSelfId = typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
    });
    ws.once('unexpected-response', (_req, res) => {
      failure = { cause: `the server answered HTTP ${res.statusCode} instead of upgrading`, status: res.statusCode };
      ws.terminate();
    });
    ws.on('error', (err) => {
      if (!opened && failure.status === undefined) failure = { cause: err.message };
    });
    ws.once('open', () => {
      opened = true;
      this.backoff.reset();
      if (headerSelfId) this.connection.identify(headerSelfId);
      this.connection.attach(ws, 'universal', socket);
    });
    ws.once('close', () => {
      if (this.socket === ws) this.socket = undefined;
      // After the handshake the connection reports the loss (state `reconnecting`), and the redial follows from that.
      if (!opened && !this.closed) this.scheduleRetry(failure);
    });
  }

  private scheduleRetry(failure: Omit<DialRetry, 'attempt' | 'delayMs'>, level: 'warn' | 'debug' = 'warn'): void {
    const delayMs = this.backoff.next();
    const retry: DialRetry = { attempt: this.backoff.attempt, delayMs, ...failure };
    this.metrics.count('onebot_dial_retries_total');
    const authFailed = failure.status === 401 || failure.status === 403;
    // A refused token will not fix itself: say so loudly, but keep trying so a config fix on the other side is picked up.
    if (authFailed) this.log.error(retry, "OneBot refused the access token: set the bot's token to the implementation's access_token");
    else this.log[level](retry, `OneBot link down; redialing in ${delayMs} ms`);
    this.emit('retry', retry);
    this.retryTimer = setTimeout(() => this.dial(), delayMs);
  }
}
