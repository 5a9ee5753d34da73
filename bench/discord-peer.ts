/**
 * Load generator for the Discord benchmark (bench/discord.ts): a minimal Discord on 127.0.0.1 (REST v10 over
 * HTTP, gateway v10 JSON over WebSocket), self-contained so the benchmark does not depend on test code. It
 * runs in a worker thread, on its own event loop, so that its work is not charged to the bots under test.
 *
 * Each bot logs in with its own token: REST calls and the gateway session are told apart by it. The gateway
 * sends HELLO, answers IDENTIFY with READY and one GUILD_CREATE (one guild, `channels` text channels) and
 * acknowledges heartbeats; REST answers `GET /gateway/bot`, the application-command calls and
 * `POST /channels/:id/messages` (200, the message object), and 404 for anything else (counted).
 *
 * Protocol with the parent (`parentPort` messages): worker → parent `{ kind: 'listening', apiUrl }`,
 * `{ kind: 'connected', token }` once a bot identified, `{ kind: 'result', … }`; parent → worker
 * `{ kind: 'run', … }` (a `RunRequest`: `messages` MESSAGE_CREATE `/echo <n>` to that bot, `inFlight` at most
 * unanswered, each timed from its dispatch to the bot's POST whose content is `<n>`), `{ kind: 'stop' }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort } from 'node:worker_threads';
import WebSocket, { WebSocketServer } from 'ws';
import { threadCpuNs } from './stats.js';

export const GUILD_ID = '800000000000000001';
const CHANNEL_BASE = 810_000_000_000_000_000n;
const USER_BASE = 900_000_000_000_000_000n;

export interface RunRequest {
  kind: 'run';
  /** The token of the bot under test. */
  token: string;
  messages: number;
  inFlight: number;
  /** The first message's `<n>`; runs use disjoint ranges, which also keeps message ids unique. */
  firstSeq: number;
  channels: number;
  users: number;
  stallMs: number;
  graceMs: number;
}

export interface RunResult {
  kind: 'result';
  messages: number;
  answered: number;
  duplicates: number;
  /** Posts whose content is no pending `<n>`, or that went to the wrong channel. */
  wrong: number;
  /** REST calls other than a message post during the run (typing, and anything the peer does not serve). */
  otherCalls: number;
  elapsedMs: number;
  latencies: Float64Array;
  stalled: boolean;
  peerCpuNs: number;
  problems: string[];
}

export type PeerMessage = { kind: 'listening'; apiUrl: string } | { kind: 'connected'; token: string } | RunResult;

export const channelOf = (i: number, channels: number): string => String(CHANNEL_BASE + BigInt(i % channels));
const userOf = (i: number, channels: number, users: number): string => String(USER_BASE + BigInt(Math.floor(i / channels) % users));
/** A bot's user id from its token's position, so each bot knows itself. */
export const botIdOf = (token: string): string => `70000000000000000${token.split('.')[0]!.slice(-1)}`;

function user(id: string, name: string, bot = false): Record<string, unknown> {
  return { id, username: name, discriminator: '0', global_name: null, avatar: null, ...(bot ? { bot: true } : {}) };
}

function messageCreate(n: number, channelId: string, userId: string): Record<string, unknown> {
  return {
    id: String(1_300_000_000_000_000_000n + BigInt(n)), channel_id: channelId, guild_id: GUILD_ID, channel_type: 0, type: 0,
    author: user(userId, `user${userId.slice(-3)}`), member: { roles: [], nick: null, joined_at: '2020-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 },
    content: `/echo ${n}`, timestamp: new Date().toISOString(), edited_timestamp: null, tts: false, mention_everyone: false,
    mentions: [], mention_roles: [], attachments: [], embeds: [], pinned: false, flags: 0, components: [],
  };
}

function guildCreate(channels: number, botId: string): Record<string, unknown> {
  return {
    id: GUILD_ID, name: 'bench', icon: null, owner_id: '900000000000000999', afk_channel_id: null, afk_timeout: 300, verification_level: 0,
    default_message_notifications: 0, explicit_content_filter: 0, features: [], mfa_level: 0, application_id: null, system_channel_id: null,
    system_channel_flags: 0, rules_channel_id: null, premium_tier: 0, preferred_locale: 'en-US', nsfw_level: 0, large: false, unavailable: false,
    joined_at: '2020-01-01T00:00:00.000Z', member_count: 2, emojis: [], stickers: [], voice_states: [], presences: [], stage_instances: [],
    guild_scheduled_events: [], threads: [],
    roles: [{ id: GUILD_ID, name: '@everyone', permissions: String((1n << 10n) | (1n << 11n)), position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    members: [{ user: user(botId, 'bot', true), roles: [], joined_at: '2020-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 }],
    channels: Array.from({ length: channels }, (_, i) => ({ id: channelOf(i, channels), type: 0, guild_id: GUILD_ID, name: `c${i}`, position: i, permission_overwrites: [], nsfw: false, parent_id: null })),
  };
}

/** One bot's gateway session. */
class Session {
  seq = 0;
  constructor(readonly ws: WebSocket) {}
  dispatch(t: string, d: unknown): void {
    this.ws.send(JSON.stringify({ op: 0, s: ++this.seq, t, d }));
  }
}

class Run {
  private readonly sentAt: Float64Array;
  private readonly latencies: Float64Array;
  private readonly done: Uint8Array;
  private next = 0;
  private answered = 0;
  private duplicates = 0;
  private wrong = 0;
  otherCalls = 0;
  private startedAt = 0;
  private endedAt = 0;
  private cpuAtStart = 0;
  private cpuAtEnd = Number.NaN;
  private readonly problems: string[] = [];
  private stallTimer: NodeJS.Timeout | undefined;
  finished = false;

  constructor(readonly session: Session, private readonly r: RunRequest, private readonly report: (result: RunResult) => void) {
    this.sentAt = new Float64Array(r.messages);
    this.latencies = new Float64Array(r.messages).fill(Number.NaN);
    this.done = new Uint8Array(r.messages);
  }

  start(): void {
    this.cpuAtStart = threadCpuNs();
    this.startedAt = performance.now();
    this.stallTimer = setTimeout(() => {
      this.problem(`no reply for ${this.r.stallMs} ms: ${this.answered} of ${this.r.messages} answered, ${this.next} sent`);
      this.finish(true);
    }, this.r.stallMs);
    for (let k = 0; k < this.r.inFlight && this.next < this.r.messages; k++) this.sendNext();
  }

  /** A message the bot posted (already answered): checked, timed, and the next dispatch sent. */
  onPost(channelId: string, content: unknown): void {
    const now = performance.now();
    const text = typeof content === 'string' ? content : undefined;
    const i = text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) - this.r.firstSeq : -1;
    if (!(i >= 0 && i < this.next)) return this.fault('wrong', `unexpected content ${JSON.stringify(text)} in ${channelId}`);
    if (this.done[i]) return this.fault('duplicate', `"${text}" answered more than once`);
    if (channelId !== channelOf(i, this.r.channels)) return this.fault('wrong', `"${text}" went to ${channelId}, expected ${channelOf(i, this.r.channels)}`);
    this.done[i] = 1;
    this.latencies[i] = now - this.sentAt[i]!;
    this.answered++;
    this.stallTimer?.refresh();
    if (this.next < this.r.messages) this.sendNext();
    else if (this.answered === this.r.messages) {
      this.endedAt = now;
      this.cpuAtEnd = threadCpuNs();
      clearTimeout(this.stallTimer);
      setTimeout(() => this.finish(false), this.r.graceMs);
    }
  }

  abort(): void {
    this.problem('the bot closed its gateway socket during the run');
    this.finish(true);
  }

  private fault(kind: 'wrong' | 'duplicate', text: string): void {
    if (kind === 'wrong') this.wrong++;
    else this.duplicates++;
    this.problem(text);
  }

  private sendNext(): void {
    const i = this.next++;
    const d = messageCreate(this.r.firstSeq + i, channelOf(i, this.r.channels), userOf(i, this.r.channels, this.r.users));
    this.sentAt[i] = performance.now();
    this.session.dispatch('MESSAGE_CREATE', d);
  }

  private problem(text: string): void {
    if (this.problems.length < 5) this.problems.push(text);
  }

  private finish(stalled: boolean): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.stallTimer);
    this.report({
      kind: 'result', messages: this.r.messages, answered: this.answered, duplicates: this.duplicates, wrong: this.wrong, otherCalls: this.otherCalls,
      elapsedMs: (this.endedAt || performance.now()) - this.startedAt, latencies: this.latencies, stalled, peerCpuNs: this.cpuAtEnd - this.cpuAtStart, problems: this.problems,
    });
  }
}

function main(): void {
  const port = parentPort;
  if (!port) throw new Error('bench/discord-peer.ts runs as a worker thread of bench/discord.ts');
  const post = (m: PeerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const sessions = new Map<string, Session>();
  let channels = 16;
  let run: { token: string; run: Run } | undefined;
  let sent = 0n;

  const reply = (res: ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) res.writeHead(status).end();
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const rest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0]!.replace(/^\/api\/v10/, '');
    const token = (req.headers.authorization ?? '').replace(/^Bot /, '');
    if (req.method === 'GET' && path === '/gateway/bot') {
      return reply(res, 200, { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 16 } });
    }
    const message = /^\/channels\/(\d+)\/messages$/.exec(path);
    if (req.method === 'POST' && message) {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { content?: unknown };
      reply(res, 200, { id: String(1_400_000_000_000_000_000n + ++sent), channel_id: message[1], author: user(botIdOf(token), 'bot', true), content: body.content ?? '', timestamp: new Date().toISOString(), type: 0, embeds: [], attachments: [], mentions: [] });
      if (run && !run.run.finished && run.token === token) run.run.onPost(message[1]!, body.content);
      return;
    }
    if (/^\/applications\/\d+\/(guilds\/\d+\/)?commands$/.test(path)) return reply(res, 200, req.method === 'PUT' ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : []);
    if (run && !run.run.finished && run.token === token) run.run.otherCalls++;
    if (/^\/channels\/\d+\/typing$/.test(path)) return reply(res, 204);
    reply(res, 404, { code: 0, message: '404: Not Found' });
  };
  const server = createServer((req, res) => void rest(req, res).catch((err: unknown) => reply(res, 500, { code: 0, message: String(err) })));
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => onGateway(ws)));

  const onGateway = (ws: WebSocket): void => {
    let session: Session | undefined;
    let token = '';
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { op: number; d: { token?: string } };
      if (frame.op === 1) ws.send(JSON.stringify({ op: 11, d: null }));
      else if (frame.op === 2) {
        token = frame.d.token ?? '';
        session = new Session(ws);
        sessions.set(token, session);
        const botId = botIdOf(token);
        session.dispatch('READY', { v: 10, user: user(botId, `bot${botId.slice(-1)}`, true), guilds: [{ id: GUILD_ID, unavailable: true }], session_id: `s-${token}`, resume_gateway_url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, shard: [0, 1], application: { id: botId, flags: 0 } });
        session.dispatch('GUILD_CREATE', guildCreate(channels, botId));
        post({ kind: 'connected', token });
      }
    });
    ws.on('close', () => {
      if (session && sessions.get(token) === session) sessions.delete(token);
      if (run && !run.run.finished && run.token === token) run.run.abort();
    });
    ws.send(JSON.stringify({ op: 10, s: null, t: null, d: { heartbeat_interval: 41_250 } }));
  };

  server.listen(0, '127.0.0.1', () => post({ kind: 'listening', apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api` }));
  port.on('message', (m: RunRequest | { kind: 'stop' } | { kind: 'channels'; channels: number }) => {
    if (m.kind === 'stop') {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.close();
      server.closeAllConnections();
      port.close();
      return;
    }
    if (m.kind === 'channels') return void (channels = m.channels);
    const session = sessions.get(m.token);
    if (!session) {
      return post({ kind: 'result', messages: m.messages, answered: 0, duplicates: 0, wrong: 0, otherCalls: 0, elapsedMs: 0, latencies: new Float64Array(0), stalled: true, peerCpuNs: Number.NaN, problems: [`no bot is connected with token ${m.token}`] });
    }
    run = { token: m.token, run: new Run(session, m, (result) => post(result, [result.latencies.buffer as ArrayBuffer])) };
    run.run.start();
  });
}

// Imported by bench/discord.ts for its types: only the worker serves.
if (!isMainThread) main();
