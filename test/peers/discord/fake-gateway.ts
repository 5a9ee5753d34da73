import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Json } from './fake-payloads.js';

/** Gateway opcodes (Discord: Gateway → Opcodes and Status Codes). */
export const OP = { DISPATCH: 0, HEARTBEAT: 1, IDENTIFY: 2, PRESENCE: 3, RESUME: 6, RECONNECT: 7, INVALID_SESSION: 9, HELLO: 10, HEARTBEAT_ACK: 11 } as const;

/** A frame the bot sent on the gateway, with the connection it came on (1 = the first socket). */
export interface GatewayFrame {
  connection: number;
  op: number;
  d: unknown;
}

/** What the gateway needs from the fake as a whole. */
export interface GatewayWorld {
  token: string;
  /** READY's `d` for a new session (without session fields). */
  readyPayload(): Json;
  /** GUILD_CREATE `d`s sent after READY, one per guild. */
  guildCreates(): Json[];
  /** `resume_gateway_url`. */
  resumeUrl(): string;
  changed(): void;
}

interface Session {
  id: string;
  seq: number;
  /** Every dispatch of the session with its sequence number, for RESUME replays. */
  log: { s: number; t: string; d: unknown }[];
  socket: WebSocket | undefined;
}

interface Connection {
  n: number;
  ws: WebSocket;
  session: Session | undefined;
  /** Query of the URL the bot dialed (v, encoding, compress). */
  query: URLSearchParams;
}

/**
 * The gateway half of the fake: a WebSocket server speaking gateway v10 JSON (no compression). On connect it
 * sends HELLO; IDENTIFY gets READY and a GUILD_CREATE per guild; HEARTBEAT gets HEARTBEAT_ACK; RESUME of a
 * known session replays what the bot missed and sends RESUMED. Tests drive it: dispatch, op 7 RECONNECT,
 * op 9 INVALID_SESSION, dropped sockets, raw junk.
 */
export class FakeGateway {
  readonly frames: GatewayFrame[] = [];
  /** Query strings of every connection, in order. */
  readonly dials: URLSearchParams[] = [];
  heartbeatIntervalMs = 41_250;
  /** Answer heartbeats (false: the bot sees a zombie connection and resumes). */
  ackHeartbeats = true;
  /** Close instead of READY, as Discord does for a bad token (4004) or intents not enabled (4014). */
  refuseIdentify: { code: number; reason: string } | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  private readonly connections = new Set<Connection>();
  private readonly sessions = new Map<string, Session>();
  private count = 0;

  constructor(private readonly world: GatewayWorld) {}

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const query = new URL(req.url ?? '/', 'http://fake.invalid').searchParams;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, query));
  }

  /** The session sockets that completed IDENTIFY or RESUME. */
  get liveSessions(): number {
    return [...this.connections].filter((c) => c.session?.socket === c.ws).length;
  }

  get connectionCount(): number {
    return this.count;
  }

  /** Sends a dispatch to every live session (numbered per session; kept for RESUME replays). */
  dispatch(t: string, d: unknown): void {
    for (const session of this.sessions.values()) this.dispatchTo(session, t, d);
  }

  /** Sends a frame exactly as given (junk, unknown opcodes) on every open socket. */
  sendRaw(frame: string): void {
    for (const c of this.connections) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(frame);
  }

  /** Op 7: tells every connection to reconnect and resume. */
  requestReconnect(): void {
    this.sendAll({ op: OP.RECONNECT, d: null });
  }

  /** Op 9; `resumable` false forgets the sessions, so the bot must IDENTIFY again. */
  invalidateSessions(resumable: boolean): void {
    if (!resumable) this.sessions.clear();
    this.sendAll({ op: OP.INVALID_SESSION, d: resumable });
  }

  /** Cuts every socket without a close frame, like a network failure; sessions stay resumable. */
  drop(): void {
    for (const c of this.connections) c.ws.terminate();
  }

  /** Closes every socket with a gateway close code (4004 authentication failed, 4014 disallowed intents, …). */
  closeWith(code: number, reason = ''): void {
    for (const c of this.connections) c.ws.close(code, reason);
  }

  close(): void {
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
  }

  private open(ws: WebSocket, query: URLSearchParams): void {
    const c: Connection = { n: ++this.count, ws, session: undefined, query };
    this.connections.add(c);
    this.dials.push(query);
    ws.on('message', (data, binary) => this.onFrame(c, binary ? undefined : data.toString()));
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      this.connections.delete(c);
      if (c.session?.socket === ws) c.session.socket = undefined;
      // A bot that closes normally ends its session (Discord: 1000/1001 invalidate it); others may resume.
      if (c.session && (code === 1000 || code === 1001)) this.sessions.delete(c.session.id);
      this.world.changed();
    });
    this.send(ws, { op: OP.HELLO, d: { heartbeat_interval: this.heartbeatIntervalMs } });
    this.world.changed();
  }

  private onFrame(c: Connection, text: string | undefined): void {
    let frame: { op?: unknown; d?: unknown };
    try {
      frame = JSON.parse(text ?? '') as typeof frame;
    } catch {
      // Discord closes with 4002 Decode error.
      c.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    const op = Number(frame.op);
    this.frames.push({ connection: c.n, op, d: frame.d });
    if (op === OP.HEARTBEAT) {
      if (this.ackHeartbeats) this.send(c.ws, { op: OP.HEARTBEAT_ACK });
    } else if (op === OP.IDENTIFY) this.identify(c, frame.d as { token?: string });
    else if (op === OP.RESUME) this.resume(c, frame.d as { token?: string; session_id?: string; seq?: number });
    this.world.changed();
  }

  private identify(c: Connection, d: { token?: string }): void {
    if (d?.token !== this.world.token) return void c.ws.close(4004, 'Authentication failed.');
    if (this.refuseIdentify) return void c.ws.close(this.refuseIdentify.code, this.refuseIdentify.reason);
    const session: Session = { id: `session-${c.n}-${Date.now()}`, seq: 0, log: [], socket: c.ws };
    this.sessions.set(session.id, session);
    c.session = session;
    this.dispatchTo(session, 'READY', { ...this.world.readyPayload(), session_id: session.id, resume_gateway_url: this.world.resumeUrl() });
    for (const guild of this.world.guildCreates()) this.dispatchTo(session, 'GUILD_CREATE', guild);
  }

  private resume(c: Connection, d: { token?: string; session_id?: string; seq?: number }): void {
    const session = d?.session_id === undefined ? undefined : this.sessions.get(d.session_id);
    if (d?.token !== this.world.token) return void c.ws.close(4004, 'Authentication failed.');
    if (!session) return void this.send(c.ws, { op: OP.INVALID_SESSION, d: false });
    session.socket = c.ws;
    c.session = session;
    for (const e of session.log) if (e.s > Number(d.seq ?? 0)) this.send(c.ws, { op: OP.DISPATCH, s: e.s, t: e.t, d: e.d });
    this.dispatchTo(session, 'RESUMED', {});
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    session.log.push({ s, t, d });
    if (session.log.length > 1000) session.log.shift();
    if (session.socket) this.send(session.socket, { op: OP.DISPATCH, s, t, d });
  }

  private sendAll(frame: object): void {
    for (const c of this.connections) this.send(c.ws, frame);
  }

  private send(ws: WebSocket, frame: object): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ s: null, t: null, ...frame }));
  }
}
