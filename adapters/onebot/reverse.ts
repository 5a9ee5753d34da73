import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { isLoopbackHost } from '../../core/http/index.js';
import { Metrics, RepeatLog } from '../../core/metrics/index.js';
import { OneBotConnection } from './connection.js';
import { DEFAULT_MAX_FRAME_BYTES, type OneBotConnectionOptions, type SocketRole } from './connection-types.js';

export interface ReverseServerOptions extends Omit<OneBotConnectionOptions, 'selfId'> {
  /** Default `127.0.0.1`; use `0.0.0.0` when the OneBot implementation runs in another container or host. */
  host?: string;
  /** 0 picks a free port (see `address()`). */
  port: number;
  /** When set, every upgrade must carry it (OneBot v11 §1.4); when empty, anything is accepted. */
  accessToken?: string;
  /**
   * An account with no socket for this long is forgotten (its connection closed, `released` emitted); one that
   * redials sooner keeps its connection. Default 600 000 ms (implementations redial every 3-5 s).
   */
  accountGraceMs?: number;
}

/** An upgrade refused before the handshake, with the HTTP status it got. */
export interface ReverseRejection {
  status: 400 | 401 | 404 | 503;
  reason: string;
  path: string;
}

export interface ReverseServerEvents {
  /** Once per account, on its first socket; later redials reuse the same connection (watch its `state`). */
  connection: [selfId: string, connection: OneBotConnection];
  /** The account had no socket for `accountGraceMs`: its connection is closed and forgotten; a later dial starts anew. */
  released: [selfId: string, connection: OneBotConnection];
  rejected: [rejection: ReverseRejection];
}

/** The paths NoneBot and Koishi serve (reference §7), so a OneBot config written for either works unchanged. */
export const REVERSE_WS_PATHS: readonly string[] = ['/onebot/v11/ws', '/onebot/v11/', '/onebot'];

type Admission = { selfId: string; role: SocketRole } | ReverseRejection;

/**
 * Reverse WS (OneBot v11 §1.3): the OneBot implementation dials us. Upgrades are checked before the
 * handshake (path, token, `X-Self-ID`, `X-Client-Role`) and refused with a plain HTTP status, so a
 * misconfigured implementation sees why in its own log. Sockets of one account (Universal, or API + Event)
 * are joined by `X-Self-ID` into one `OneBotConnection`; a redial replaces the socket it duplicates.
 *
 * @example
 * const server = new ReverseServer({ port: 8080, accessToken: 'secret' });
 * server.on('connection', (selfId, connection) => connection.on('frame', (f) => route(selfId, f)));
 * await server.listen(); // OneBot: ws_reverse.url = ws://bot-host:8080/onebot/v11/ws
 */
export class ReverseServer extends EventEmitter<ReverseServerEvents> {
  private readonly options: ReverseServerOptions;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly accounts = new Map<string, OneBotConnection>();
  /** Accounts with no socket, and when they are released unless one dials again. */
  private readonly departed = new Map<string, NodeJS.Timeout>();
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly noise: RepeatLog;
  private closed = false;

  constructor(options: ReverseServerOptions) {
    super();
    this.options = options;
    this.log = (options.log ?? pino({ level: 'silent' })).child({ adapter: 'onebot' });
    this.metrics = options.metrics ?? new Metrics();
    this.noise = options.noise ?? new RepeatLog(this.log, 'OneBot input ignored');
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, perMessageDeflate: false });
    this.http = createServer((req, res) => {
      const status = isServedPath(requestUrl(req).pathname) ? 426 : 404;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${STATUS_CODES[status]}: OneBot reverse WebSocket only\n`);
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  /** Every account connected, or gone for less than `accountGraceMs`, by `X-Self-ID`. */
  get connections(): ReadonlyMap<string, OneBotConnection> {
    return this.accounts;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        this.logListening();
        resolve();
      });
    });
  }

  address(): AddressInfo {
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('ReverseServer.address() called before listen() resolved');
    return address;
  }

  /** Cuts every socket (the admin API's reconnect): implementations dial again, and their accounts are kept meanwhile. */
  dropSockets(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /** Stops listening and closes every account's connection (each goes `offline`). */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.departed.values()) clearTimeout(timer);
    this.departed.clear();
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    await Promise.all([...this.accounts.values()].map((c) => c.close()));
    this.wss.close();
    await stopped;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.log.debug({ err }, 'OneBot reverse WS: socket error during the handshake'));
    const admission = this.closed ? ({ status: 503, reason: 'the server is closing', path: req.url ?? '' } as const) : admit(req, this.options.accessToken);
    if ('status' in admission) return this.refuse(socket, admission);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, admission.selfId, admission.role, socket));
  }

  private accept(ws: WebSocket, selfId: string, role: SocketRole, socket: Duplex): void {
    if (this.closed) return void ws.close(1001, 'the bot is shutting down');
    let connection = this.accounts.get(selfId);
    if (!connection) {
      const created = new OneBotConnection({ ...this.options, selfId, metrics: this.metrics, noise: this.noise });
      created.on('down', () => {
        if (created.sockets === 0) this.depart(selfId, created);
      });
      this.accounts.set(selfId, created);
      this.emit('connection', selfId, created);
      connection = created;
    }
    clearTimeout(this.departed.get(selfId));
    this.departed.delete(selfId);
    connection.attach(ws, role, socket);
  }

  /** The account's last socket closed: it has `accountGraceMs` to dial again before its state is let go. */
  private depart(selfId: string, connection: OneBotConnection): void {
    clearTimeout(this.departed.get(selfId));
    const timer = setTimeout(() => {
      this.departed.delete(selfId);
      if (this.accounts.get(selfId) !== connection || connection.sockets > 0) return;
      this.accounts.delete(selfId);
      this.log.info({ selfId }, `OneBot account ${selfId} released: no socket for ${this.graceMs} ms`);
      void connection.close();
      this.emit('released', selfId, connection);
    }, this.graceMs);
    timer.unref();
    this.departed.set(selfId, timer);
  }

  private get graceMs(): number {
    return this.options.accountGraceMs ?? 600_000;
  }

  /** One line at start that says whether strangers can dial in (OneBot v11 §1.4: the token is all that stops them). */
  private logListening(): void {
    const address = this.address();
    const url = `ws://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}${REVERSE_WS_PATHS[0]}`;
    if (this.options.accessToken) {
      this.log.info({ address, tokenChecked: true }, `OneBot reverse WS listening on ${url}; every dial must carry ONEBOT_ACCESS_TOKEN`);
    } else if (isLoopbackHost(address.address)) {
      this.log.info({ address, tokenChecked: false }, `OneBot reverse WS listening on ${url}; no access token is checked (loopback only)`);
    } else {
      this.log.warn({ address, tokenChecked: false }, `OneBot reverse WS listening on ${url} with NO access token: whoever reaches this address can act as any QQ account; set ONEBOT_ACCESS_TOKEN`);
    }
  }

  private refuse(socket: Duplex, rejection: ReverseRejection): void {
    this.metrics.count('onebot_reverse_rejected_total', { status: String(rejection.status) });
    // Anyone who reaches the port can dial: the log shows each kind of refusal once a window, the counter each one.
    this.noise.warn(`rejected-${rejection.status}`, rejection, `OneBot reverse WS: upgrade refused with ${rejection.status} (${rejection.reason})`);
    this.emit('rejected', rejection);
    const body = `${rejection.reason}\n`;
    const challenge = rejection.status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
    socket.end(
      `HTTP/1.1 ${rejection.status} ${STATUS_CODES[rejection.status]}\r\nConnection: close\r\n${challenge}` +
        `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

/** Decides an upgrade from its request line and headers alone: who it is and which role, or why not. */
export function admit(req: IncomingMessage, accessToken: string | undefined): Admission {
  const url = requestUrl(req);
  const path = url.pathname;
  if (!isServedPath(path)) return { status: 404, reason: `no OneBot endpoint at ${path}; use one of ${REVERSE_WS_PATHS.join(', ')}`, path };
  if (accessToken) {
    const offered = [bearerToken(req.headers.authorization), url.searchParams.get('access_token') ?? undefined].filter((t) => t !== undefined);
    if (offered.length === 0) return { status: 401, reason: 'access token missing: send Authorization: Bearer <token> or ?access_token=', path };
    if (!offered.some((t) => sameToken(t, accessToken))) return { status: 401, reason: 'access token wrong', path };
  }
  const selfId = singleHeader(req.headers['x-self-id']);
  if (selfId === undefined || !/^\d+$/.test(selfId)) return { status: 400, reason: 'X-Self-ID header missing or not a number', path };
  const role = clientRole(singleHeader(req.headers['x-client-role']));
  if (role === undefined) return { status: 400, reason: 'X-Client-Role must be Universal, API or Event', path };
  return { selfId, role };
}

function requestUrl(req: IncomingMessage): URL {
  return new URL(req.url ?? '/', 'http://reverse.invalid');
}

/** Trailing slashes are ignored: implementations build the URL by concatenation (Lagrange's Suffix), so both forms occur. */
function isServedPath(path: string): boolean {
  const bare = (p: string): string => p.replace(/\/+$/, '');
  return REVERSE_WS_PATHS.some((p) => bare(p) === bare(path));
}

/** NoneBot's rule: `Bearer` or `Token`, any case. An empty `Bearer ` (NapCat, LLOneBot with no token) offers "". */
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^(?:bearer|token)(?:\s+(.*))?$/i.exec(header.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

function sameToken(offered: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(offered), digest(expected));
}

/** OneBot v11 §8.9: compared case-insensitively (Lagrange sends `Api`); a missing role means Universal, as NoneBot ignores it. */
function clientRole(header: string | undefined): SocketRole | undefined {
  if (header === undefined) return 'universal';
  const role = header.toLowerCase();
  return role === 'universal' || role === 'api' || role === 'event' ? role : undefined;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}
