import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './fake-body.js';
import { FakeGateway, type GatewayFrame } from './fake-gateway.js';
import { CHANNEL, guildCreate, snowflake, user, type FakeGuild, type Json } from './fake-payloads.js';
import { answerRest, type InteractionState, type KnownChannel, type RestAnswer, type RestCall, type RestWorld } from './fake-rest.js';

export * from './fake-payloads.js';
export { OP, type GatewayFrame } from './fake-gateway.js';
export type { RestCall } from './fake-rest.js';

export interface FakeDiscordOptions {
  token?: string;
  botId?: string;
  applicationId?: string;
  guilds?: FakeGuild[];
  /** HELLO's heartbeat_interval (Discord: ~41 s). */
  heartbeatIntervalMs?: number;
}

/** A scripted REST failure: the next `times` requests matching `method` and `path` get this answer. */
export interface ScriptedFailure {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times?: number;
}

/**
 * Discord for tests, on 127.0.0.1: REST v10 over HTTP under `/api/v10` (JSON and multipart bodies, Discord's
 * error objects and codes, 429s with `retry_after` on demand) and the gateway v10 over WebSocket (HELLO,
 * IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay, op 7, op 9), plus a CDN path for
 * attachments. It records every REST call and gateway frame so tests can assert on what the bot sent.
 * See README.md.
 */
export class FakeDiscord implements RestWorld {
  readonly token: string;
  readonly bot: Json;
  readonly botId: string;
  readonly applicationId: string;
  readonly calls: RestCall[] = [];
  readonly channels = new Map<string, KnownChannel>();
  readonly forbidden = new Set<string>();
  readonly messages = new Map<string, Json>();
  readonly commands = new Map<string, Json[]>();
  readonly interactions = new Map<string, InteractionState>();
  interactionDeadlineMs = 3000;
  uploadLimitBytes = 10 * 1024 * 1024;
  readonly gateway: FakeGateway;
  private readonly guilds: FakeGuild[];
  private readonly failures: (ScriptedFailure & { times: number })[] = [];
  private readonly cdn = new Map<string, { bytes: Buffer; contentType: string }>();
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private readonly claimed = new Set<RestCall>();
  private server: Server | undefined;

  constructor(options: FakeDiscordOptions = {}) {
    this.token = options.token ?? 'NzEz.fake.discord-token';
    this.botId = options.botId ?? '700000000000000001';
    this.applicationId = options.applicationId ?? this.botId;
    this.bot = user({ id: this.botId, username: 'neko', bot: true });
    this.guilds = options.guilds ?? [];
    for (const g of this.guilds) for (const c of g.channels) this.channels.set(c.id, { id: c.id, type: c.type, guildId: g.id, ...(c.parentId ? { parentId: c.parentId } : {}) });
    this.gateway = new FakeGateway({
      token: this.token,
      readyPayload: () => ({ v: 10, user: { ...this.bot, verified: true, flags: 0, mfa_enabled: false }, guilds: this.guilds.map((g) => ({ id: g.id, unavailable: true })), shard: [0, 1], application: { id: this.applicationId, flags: 0 }, user_settings: {}, relationships: [], private_channels: [] }),
      guildCreates: () => this.guilds.map((g) => guildCreate(g, { id: this.botId, username: 'neko', bot: true })),
      resumeUrl: () => this.gatewayUrl(),
      changed: () => this.changed(),
    });
    if (options.heartbeatIntervalMs !== undefined) this.gateway.heartbeatIntervalMs = options.heartbeatIntervalMs;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((err: unknown) => send(res, { status: 500, body: { code: 0, message: String(err) } })));
    this.server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'http://fake.invalid').pathname === '/gateway') this.gateway.upgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.gateway.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private get origin(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** REST's base, what `DISCORD_API_URL` takes (discord.js adds `/v10`). */
  get apiUrl(): string {
    return `${this.origin}/api`;
  }

  gatewayUrl(): string {
    return `ws://127.0.0.1:${(this.server!.address() as AddressInfo).port}/gateway`;
  }

  /** Gateway frames the bot sent (IDENTIFY, HEARTBEAT, RESUME, …). */
  get frames(): GatewayFrame[] {
    return this.gateway.frames;
  }

  /** Sends a dispatch to the bot (MESSAGE_CREATE, GUILD_MEMBER_ADD, …). */
  dispatch(t: string, d: unknown): void {
    this.gateway.dispatch(t, d);
  }

  /** MESSAGE_CREATE for `message`, remembered so REST knows it. */
  sendMessage(message: Json): Json {
    this.messages.set(String(message.id), message);
    this.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /** INTERACTION_CREATE for `interaction`; its callback is due within `interactionDeadlineMs`. */
  interact(interaction: Json): Json {
    const id = String(interaction.id);
    this.interactions.set(id, { id, token: String(interaction.token), channelId: String(interaction.channel_id), issuedAt: Date.now(), acked: false });
    this.dispatch('INTERACTION_CREATE', interaction);
    return interaction;
  }

  /** Serves `bytes` at a CDN URL, as Discord serves attachments; returns the URL. */
  cdnFile(name: string, bytes: Buffer, contentType: string): string {
    const path = `/cdn/attachments/${snowflake()}/${name}`;
    this.cdn.set(path, { bytes, contentType });
    return `${this.origin}${path}`;
  }

  /** A DM channel with `userId`, as it exists once they have written to the bot. */
  dmChannel(userId: string): string {
    const id = snowflake();
    this.channels.set(id, { id, type: CHANNEL.DM, recipient: userId });
    return id;
  }

  /** Scripts REST failures; see `rateLimit` for 429s. */
  fail(failure: ScriptedFailure): void {
    this.failures.push({ ...failure, times: failure.times ?? 1 });
  }

  /** The next matching request gets 429 with Discord's body and headers, retry after `retryAfterSec`. */
  rateLimit(method: string, path: RegExp, retryAfterSec: number, global = false): void {
    const headers: Record<string, string> = {
      'retry-after': String(retryAfterSec), 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(retryAfterSec),
      'x-ratelimit-bucket': 'fake-bucket', 'x-ratelimit-scope': global ? 'global' : 'user', ...(global ? { 'x-ratelimit-global': 'true' } : {}),
    };
    this.fail({ method, path, status: 429, headers, body: { message: 'You are being rate limited.', retry_after: retryAfterSec, global, code: global ? 0 : 20028 } });
  }

  callsTo(method: string, path: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && path.test(c.path));
  }

  /** The next call matching (not returned by an earlier wait), received or to come. */
  waitForCall(method: string, path: RegExp, pred: (c: RestCall) => boolean = () => true, timeoutMs = 5000): Promise<RestCall> {
    return this.until(`${method} ${path}`, timeoutMs, () => {
      const hit = this.calls.find((c) => c.method === method && path.test(c.path) && !this.claimed.has(c) && pred(c));
      if (hit) this.claimed.add(hit);
      return hit;
    });
  }

  /** Resolves once `check` returns a value, re-checked on every request and frame. */
  until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const value = check();
        if (value === undefined) return;
        stop();
        resolve(value);
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`fake Discord: no ${what} within ${timeoutMs} ms; REST calls: ${this.calls.map((c) => `${c.method} ${c.path} ${c.status}`).join(', ')}`));
      }, timeoutMs);
      const stop = (): void => {
        clearTimeout(timer);
        this.changes.off('change', attempt);
      };
      this.changes.on('change', attempt);
      attempt();
    });
  }

  private changed(): void {
    this.changes.emit('change');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const file = this.cdn.get(url.pathname);
    if (file) return void res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
    // discord.js sends `@original` percent-encoded; Discord reads either.
    const api = /^\/api\/v10(\/.*)$/.exec(decodeURIComponent(url.pathname));
    if (!api) return send(res, { status: 404, body: { code: 0, message: '404: Not Found' } });
    const body = await readBody(req);
    const call: RestCall = {
      method: req.method ?? 'GET', path: api[1]!, query: url.searchParams, body: body.json, files: body.files,
      contentType: body.contentType, authorization: req.headers.authorization, status: 0,
    };
    const answer = this.scripted(call) ?? answerRest(this, call);
    call.status = answer.status;
    this.calls.push(call);
    this.changed();
    send(res, answer);
  }

  private scripted(call: RestCall): RestAnswer | undefined {
    const i = this.failures.findIndex((f) => (f.method === undefined || f.method === call.method) && f.path.test(call.path));
    if (i < 0) return undefined;
    const f = this.failures[i]!;
    if (--f.times <= 0) this.failures.splice(i, 1);
    return { status: f.status, body: f.body ?? { code: 0, message: `${f.status}` }, ...(f.headers ? { headers: f.headers } : {}) };
  }
}

function send(res: ServerResponse, answer: RestAnswer): void {
  if (res.writableEnded || res.destroyed) return;
  if (answer.body === undefined) return void res.writeHead(answer.status, answer.headers ?? {}).end();
  res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
}
