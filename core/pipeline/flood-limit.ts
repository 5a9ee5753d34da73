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

/**
 * Flood limits at ingest (issue 14): one user's 20,000 messages must not become thousands of model calls.
 * Counted by rate-limiter-flexible in fixed windows. A message over a limit is dropped before anything else
 * sees it; the one that first crosses it (exactly one, however many processes share the Redis count) is
 * answered with a notice and logged, the rest of the window is silent. A user's dropped messages are not
 * charged to the chat, so one flooder does not silence the others there.
 */
export class FloodLimit {
  private readonly limits: Limit[] = [];
  private failing = false;

  constructor(settings: FloodSettings, private readonly deps: FloodLimitDeps) {
    for (const name of ['user', 'chat'] as const) {
      const setting = settings[name];
      if (setting.messages > 0) this.limits.push({ name, setting, limiter: makeLimiter(name, setting, deps.redis) });
    }
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
    if (this.limits.length === 0 || this.deps.exempt(message)) return undefined;
    for (const limit of this.limits) {
      const key = limit.name === 'user' ? `${message.adapter}:${message.userId}` : message.chatKey;
      try {
        await limit.limiter.consume(key);
        this.recovered();
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) {
          this.failed(rejected, message);
          continue;
        }
        const verdict = { limit: limit.name, retryAfterMs: Math.max(0, rejected.msBeforeNext) };
        // Exactly one consume sees the count one past the limit (Redis INCR is atomic across processes);
        // later ones, and those refused from the in-memory block, see more or 0.
        if (rejected.consumedPoints === limit.setting.messages + 1) after.defer(this.firstOver(limit, message, verdict.retryAfterMs));
        return verdict;
      }
    }
    return undefined;
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
  private failed(err: unknown, message: InboundMessage): void {
    this.deps.metrics.count('flood_limit_errors_total', { stage: 'count' });
    if (this.failing) return;
    this.failing = true;
    this.deps.log.error({ err: toError(err), chatKey: message.chatKey }, 'flood limit could not count a message; letting messages through until it can');
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.deps.log.info('flood limit counts messages again');
  }
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
