import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import { connectRedis, type RedisSettings } from '../redis/index.js';
import {
  ControlHandlers, ControlIncompleteError, describeMessage, processName,
  type ControlHandler, type ControlKind, type ControlMessage, type ControlPlane, type ControlReply,
} from './control-plane.js';

/** Stored in the log and carried by the signal: the message, and the token replies name when one is wanted. */
interface Envelope {
  m: ControlMessage;
  rid?: string;
}

/** Messages kept in the log for processes catching up: far more than a cut-off of seconds produces. */
const LOG_MAX = 10_000;

/** How long a publish is remembered as done: far longer than ioredis takes to send it again after a lost reply. */
const SENT_TTL_MS = 3_600_000;

/**
 * The message goes into the log and out on the channel in one step, so a listener never sees one without the
 * other. KEYS[3] (`<prefix>:control:sent:<token>`, one per publish) remembers it was done: ioredis sends a
 * command again when the connection dropped before its reply, and Redis may have run it the first time; the
 * second run answers as the first did instead of appending the message twice (every process would apply it
 * twice: a second reset of a chat would clear what arrived in between).
 */
const PUBLISH = `
local done = redis.call('GET', KEYS[3])
if done then
  local sep = string.find(done, ' ', 1, true)
  return {string.sub(done, 1, sep - 1), tonumber(string.sub(done, sep + 1))}
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'm', ARGV[1])
local n = redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[1])
redis.call('SET', KEYS[3], id .. ' ' .. n, 'PX', ${SENT_TTL_MS})
return {id, n}
`;

type ControlRedis = Redis & { nkControlPublish(log: string, channel: string, sent: string, envelope: string, max: number): Promise<[string, number]> };

interface Waiting {
  replies: ControlReply[];
  expected: number | undefined;
  done: () => void;
}

/**
 * The control plane on Redis. Every message is appended to the stream `<prefix>:control:log` (the last ~10,000)
 * and signalled on the channel `<prefix>:control` in one Lua call; every process subscribes. A process applies
 * messages in log order, each once (by stream id). While its subscriber connection is down it may miss signals:
 * from the moment it reconnects, it reads the log from the last id it applied, and when the log was trimmed past
 * that point it asks its parts to read everything again (`resync`). Replies to a `request` go back on
 * `<prefix>:control:reply`; the requester expects one from each subscriber PUBLISH reached.
 */
export class RedisControlPlane implements ControlPlane {
  private readonly handlers: ControlHandlers;
  private readonly pub: ControlRedis;
  private readonly sub: Redis;
  private readonly channel: string;
  private readonly replyChannel: string;
  private readonly logKey: string;
  private readonly waiting = new Map<string, Waiting>();
  /** The stream id of the last message applied; undefined until started. */
  private lastSeen: string | undefined;
  /** Signals may have been missed (not started yet, or the subscriber reconnected): read the log instead. */
  private gap = true;
  private catching: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    settings: RedisSettings,
    private readonly log: Logger,
    role = 'all',
  ) {
    this.handlers = new ControlHandlers(processName(role), log);
    this.channel = `${settings.prefix}:control`;
    this.replyChannel = `${settings.prefix}:control:reply`;
    this.logKey = `${settings.prefix}:control:log`;
    // Patient: a message published or a log read while Redis is away waits for it rather than being lost.
    this.pub = connectRedis(settings, 'patient', log, 'control') as ControlRedis;
    this.pub.defineCommand('nkControlPublish', { numberOfKeys: 3, lua: PUBLISH });
    this.sub = connectRedis(settings, 'patient', log, 'control-sub');
    this.sub.on('message', (channel: string, text: string) => this.onSignal(channel, text));
    this.sub.on('close', () => (this.gap = true));
    this.sub.on('ready', () => {
      if (this.lastSeen !== undefined) this.catchUp();
    });
  }

  get process(): string {
    return this.handlers.process;
  }

  on<K extends ControlKind>(kind: K, handler: ControlHandler<K>): Disposer {
    return this.handlers.on(kind, handler);
  }

  async start(): Promise<void> {
    await this.sub.subscribe(this.channel, this.replyChannel);
    const last = await this.pub.xrevrange(this.logKey, '+', '-', 'COUNT', 1);
    this.lastSeen = last[0]?.[0] ?? '0-0';
    // Signals that crossed the read above are in the log: read it once more before trusting the signals.
    this.catchUp();
    await this.catching;
  }

  async publish(message: ControlMessage): Promise<void> {
    await this.send({ m: message });
  }

  async request(message: ControlMessage, timeoutMs: number): Promise<ControlReply[]> {
    const rid = randomUUID();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const entry: Waiting = { replies: [], expected: undefined, done };
    this.waiting.set(rid, entry);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      entry.expected = await Promise.race([this.send({ m: message, rid }), timedOut.then(() => undefined)]);
      if (entry.expected !== undefined && entry.replies.length >= entry.expected) done();
      await Promise.race([finished, timedOut]);
    } finally {
      clearTimeout(timer);
      this.waiting.delete(rid);
    }
    const expected = entry.expected ?? Math.max(1, entry.replies.length + 1);
    if (entry.replies.length < expected || entry.replies.some((r) => r.error !== undefined)) {
      throw new ControlIncompleteError(describeMessage(message), entry.replies, expected, timeoutMs);
    }
    return entry.replies;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of [this.sub, this.pub]) {
      await connection.quit().catch(() => connection.disconnect());
    }
  }

  /** Resolves how many processes heard the signal. */
  private async send(envelope: Envelope): Promise<number> {
    const [, receivers] = await this.pub.nkControlPublish(this.logKey, this.channel, `${this.channel}:sent:${randomUUID()}`, JSON.stringify(envelope), LOG_MAX);
    return receivers;
  }

  private onSignal(channel: string, text: string): void {
    if (channel === this.replyChannel) return this.onReply(text);
    if (this.gap) return this.catchUp();
    const space = text.indexOf(' ');
    this.apply(text.slice(0, space), text.slice(space + 1), true);
  }

  private onReply(text: string): void {
    const { rid, reply } = JSON.parse(text) as { rid: string; reply: ControlReply };
    const entry = this.waiting.get(rid);
    if (!entry) return;
    entry.replies.push(reply);
    if (entry.expected !== undefined && entry.replies.length >= entry.expected) entry.done();
  }

  /** Applies a message once, in log order; handlers run without holding the next message back. */
  private apply(id: string, body: string, live: boolean): void {
    if (this.lastSeen === undefined || compareIds(id, this.lastSeen) <= 0) return;
    this.lastSeen = id;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(body) as Envelope;
    } catch (err) {
      this.log.error({ err: toError(err), id }, 'a control message is not JSON; skipped');
      return;
    }
    void this.handlers.run(envelope.m, { live }).then((reply) => {
      if (envelope.rid === undefined || this.closed) return;
      return this.pub.publish(this.replyChannel, JSON.stringify({ rid: envelope.rid, reply })).then(() => undefined);
    }).catch((err: unknown) => this.log.warn({ err: toError(err) }, 'could not answer a control message'));
  }

  /** Reads the log from the last message applied (one reader at a time; asked again while it runs, it reads again). */
  private catchUp(): void {
    if (this.closed || this.lastSeen === undefined) return;
    if (this.catching) {
      this.again = true;
      return;
    }
    this.catching = this.readLog()
      .catch((err: unknown) => this.log.warn({ err: toError(err) }, 'could not read the control log; it is read again at the next signal or reconnection'))
      .finally(() => (this.catching = undefined));
  }

  private async readLog(): Promise<void> {
    do {
      this.again = false;
      const from = this.lastSeen!;
      if (from !== '0-0' && (await this.trimmedPast(from))) {
        this.log.warn({ lastSeen: from }, 'this process was cut off longer than the control log reaches: it reads every chat-wide state again');
        await this.handlers.run({ kind: 'resync' }, { live: false });
      }
      const entries = await this.pub.xrange(this.logKey, `(${from}`, '+');
      for (const [id, fields] of entries) this.apply(id, fields[1] ?? '', false);
    } while (this.again && !this.closed);
    if (this.sub.status === 'ready') this.gap = false;
  }

  /** Whether messages after `id` were trimmed from the log (Redis 7 reports the highest id it deleted). */
  private async trimmedPast(id: string): Promise<boolean> {
    const info = (await this.pub.xinfo('STREAM', this.logKey).catch(() => [])) as unknown[];
    const at = info.indexOf('max-deleted-entry-id');
    const deleted = at >= 0 ? String(info[at + 1]) : '0-0';
    return compareIds(deleted, id) > 0;
  }
}

/** Orders stream ids (`<ms>-<seq>`). */
function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
}
