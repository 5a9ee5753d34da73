import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Lang } from '../command/i18n.js';
import { toError } from '../errors/index.js';
import { seg, type ChatKey, type InboundMessage, type Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import type { AfterIntercept } from './interceptors.js';

/** At most `messages` per `windowMs`; `messages` 0 turns the limit off. */
export interface FloodLimitSetting {
  messages: number;
  windowMs: number;
}

/** The user limit counts one user's messages in every chat; the chat limit, every user's in one chat. */
export interface FloodSettings {
  user: FloodLimitSetting;
  chat: FloodLimitSetting;
}

export type FloodLimitName = keyof FloodSettings;

/** A message over a limit: which one, and when its window ends. */
export interface FloodVerdict {
  limit: FloodLimitName;
  retryAfterMs: number;
}

export interface FloodLimitDeps {
  log: Logger;
  metrics: Metrics;
  /** Super users: never counted, so they can always reach the bot (and its commands) in a flooded chat. */
  exempt(message: InboundMessage): boolean;
  lang(message: InboundMessage): Lang;
  send(chatKey: ChatKey, segments: Segment[]): Promise<unknown>;
  /** Count in Redis, shared by every process on it; default: in this process's memory. */
  redis?: { client: Redis; prefix: string } | undefined;
}

const NOTICES: Record<FloodLimitName, Record<Lang, string>> = {
  user: {
    en_US: 'You are sending messages too fast; try again in {seconds} s.',
    zh_CN: '你发消息太快了，请 {seconds} 秒后再试。',
  },
  chat: {
    en_US: 'This chat is sending messages too fast; I will read it again in {seconds} s.',
    zh_CN: '本会话消息太多太快，{seconds} 秒后我再继续看。',
  },
};

interface Limit {
  readonly name: FloodLimitName;
  readonly setting: FloodLimitSetting;
  readonly limiter: RateLimiterAbstract;
}

/** One limit's count of a message: charged (within or over the limit), or not counted at all (an error). */
interface LimitOutcome {
  limit: Limit;
  key: string;
  charged: boolean;
  over?: RateLimiterRes;
  error?: unknown;
}

/** A message counted against every limit, waiting for its verdict or its refund. */
export interface FloodCount {
  message: InboundMessage;
  outcomes: LimitOutcome[];
}

/**
 * Flood limits at ingest (issue 14): one user's 20,000 messages must not become thousands of model calls.
 * Counted by rate-limiter-flexible in fixed windows. A message over a limit is dropped before anything else
 * sees it; the one that first crosses it (exactly one, however many processes share the Redis count) is
 * answered with a notice and logged, the rest of the window is silent. A user's dropped messages are not
 * charged to the chat, so one flooder does not silence the others there.
 */
export class FloodLimit {
  private readonly limits: Limit[] = [];
  /** The limits a one-to-one chat's message is counted against (see `chatLimitCannotBind`). */
  private readonly oneToOneLimits: Limit[];
  private failing = false;

  constructor(settings: FloodSettings, private readonly deps: FloodLimitDeps) {
    for (const name of ['user', 'chat'] as const) {
      const setting = settings[name];
      if (setting.messages > 0) this.limits.push({ name, setting, limiter: makeLimiter(name, setting, deps.redis) });
    }
    this.oneToOneLimits = chatLimitCannotBind(settings) ? this.limits.filter((l) => l.name !== 'chat') : this.limits;
  }

  get enabled(): boolean {
    return this.limits.length > 0;
  }

  /**
   * Counts the message; a verdict means it is over a limit and must be dropped. The first message over a
   * limit in its window has the notice sent through `after` (not holding the chat). Never rejects: a limiter
   * that fails (Redis down) lets the message through, logged and counted.
   */
  async check(message: InboundMessage, after: AfterIntercept): Promise<FloodVerdict | undefined> {
    const counted = await this.count(message);
    return counted && this.judge(counted, after);
  }

  /**
   * Counts the message against every limit at once: on Redis, one round trip rather than one per limit. The
   * pipeline starts it as the message arrives, before the chat's earlier messages are through (`screen`).
   * Undefined when nothing counts it (no limits, or an exempt user). Settle it with `judge` or `refund`.
   */
  count(message: InboundMessage): Promise<FloodCount> | undefined {
    if (this.limits.length === 0 || this.deps.exempt(message)) return undefined;
    const limits = message.chatType === 'private' && message.chatId === message.userId ? this.oneToOneLimits : this.limits;
    return Promise.all(
      limits.map((limit): Promise<LimitOutcome> => {
        const key = limit.name === 'user' ? `${message.adapter}:${message.userId}` : message.chatKey;
        return limit.limiter.consume(key).then(
          () => ({ limit, key, charged: true }),
          (rejected: unknown) => (rejected instanceof RateLimiterRes ? { limit, key, charged: true, over: rejected } : { limit, key, charged: false, error: rejected }),
        );
      }),
    ).then((outcomes) => ({ message, outcomes }));
  }

  /**
   * The verdict on a counted message: the first limit over, in order (user, then chat). A limit after it gives
   * its count back, so that a user's dropped messages are not charged to the chat.
   */
  judge(counted: FloodCount, after: AfterIntercept): FloodVerdict | undefined {
    let verdict: FloodVerdict | undefined;
    for (const o of counted.outcomes) {
      if (verdict) {
        if (o.charged) this.giveBack(o);
        continue;
      }
      if (!o.charged) {
        this.failed(o.error, counted.message);
        continue;
      }
      this.recovered();
      if (!o.over) continue;
      verdict = { limit: o.limit.name, retryAfterMs: Math.max(0, o.over.msBeforeNext) };
      // Exactly one consume sees the count one past the limit (Redis INCR is atomic across processes);
      // later ones, and those refused from the in-memory block, see more or 0.
      if (o.over.consumedPoints === o.limit.setting.messages + 1) after.defer(this.firstOver(o.limit, counted.message, verdict.retryAfterMs));
    }
    return verdict;
  }

  /** Gives back everything a message was charged: it was not one after all (a duplicate found meanwhile). */
  refund(counted: FloodCount): void {
    for (const o of counted.outcomes) if (o.charged) this.giveBack(o);
  }

  private giveBack(o: LimitOutcome): void {
    o.limit.limiter.reward(o.key, 1).catch((err: unknown) => this.failed(err, undefined));
  }

  /** How many users and chats the in-memory count holds now (each is forgotten when its window ends). */
  trackedKeys(): number {
    return this.limits.reduce((n, l) => n + (l.limiter instanceof RateLimiterMemory ? l.limiter.dump().storage.length : 0), 0);
  }

  private async firstOver(limit: Limit, message: InboundMessage, retryAfterMs: number): Promise<void> {
    const { messages, windowMs } = limit.setting;
    const who = limit.name === 'user' ? `user ${message.adapter}:${message.userId} sent` : `chat ${message.chatKey} brought`;
    this.deps.log.warn(
      { limit: limit.name, chatKey: message.chatKey, userId: message.userId, messages, windowMs, retryAfterMs },
      `flood limit: ${who} more than ${messages} messages in ${windowMs / 1000} s; dropping its messages for ${(retryAfterMs / 1000).toFixed(1)} s`,
    );
    const text = NOTICES[limit.name][this.deps.lang(message)].replace('{seconds}', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    const toUser = limit.name === 'user' && message.chatType === 'group';
    try {
      await this.deps.send(message.chatKey, toUser ? [seg.at(message.userId, message.userName), seg.text(` ${text}`)] : [seg.text(text)]);
    } catch (err) {
      this.deps.metrics.count('flood_limit_errors_total', { stage: 'notice' });
      this.deps.log.error({ err: toError(err), chatKey: message.chatKey }, 'flood limit notice could not be sent');
    }
  }

  /** Counted every time, logged once per outage: a message would otherwise log a line each. */
  private failed(err: unknown, message: InboundMessage | undefined): void {
    this.deps.metrics.count('flood_limit_errors_total', { stage: 'count' });
    if (this.failing) return;
    this.failing = true;
    this.deps.log.error({ err: toError(err), chatKey: message?.chatKey }, 'flood limit could not count a message; letting messages through until it can');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.deps.log.info('flood limit counts messages again');
  }
}

/**
 * Whether the chat limit can never be the first over in a one-to-one chat (private, its id the user's), so
 * that counting it there would only cost a Redis call a message (half the flood limits' cost on a shared
 * Redis; DESIGN-NOTES, issue 20). Such a chat holds only its user's messages, and only those the user limit let
 * through are charged to it. Windows are fixed and may straddle: a span no longer than the user window meets
 * at most two of its windows, so at most twice the user limit gets through in it. A chat limit of at least
 * that, counted over no longer a window, is never reached there. The defaults (20 a user, 60 a chat, both in
 * 10 s) qualify; a stricter chat limit is counted in every chat, as before.
 */
function chatLimitCannotBind({ user, chat }: FloodSettings): boolean {
  return user.messages > 0 && chat.messages > 0 && chat.messages >= 2 * user.messages && chat.windowMs <= user.windowMs;
}

function makeLimiter(name: FloodLimitName, { messages, windowMs }: FloodLimitSetting, redis: FloodLimitDeps['redis']): RateLimiterAbstract {
  const duration = windowMs / 1000;
  if (!redis) return new RateLimiterMemory({ points: messages, duration });
  return new RateLimiterRedis({
    storeClient: redis.client,
    useRedisPackage: false,
    keyPrefix: `${redis.prefix}:flood:${name}`,
    points: messages,
    duration,
    // Once a key is over, this process refuses it from memory until the window ends: a flood costs one
    // Redis call per process per window, not one per message.
    inMemoryBlockOnConsumed: messages + 1,
    // While Redis is away, fail at once (the message goes through, counted) rather than hold the chat.
    rejectIfRedisNotReady: true,
  });
}
