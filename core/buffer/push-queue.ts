import type { InboundMessage } from '../message/index.js';
import type { BufferPolicy, PushMode, PushResult } from './driver.js';

/** The driver's connection with the push script defined on it. */
export interface PushRedis {
  nkPushMany(pending: string, ...args: (string | number)[]): Promise<(number | string)[]>;
}

/** What the queue needs of its driver besides Redis. */
export interface PushTarget {
  redis: PushRedis;
  /** `<prefix>:buffer:` */
  keyPrefix: string;
  policy: BufferPolicy;
  partitionOf(chat: string): number;
  /** Makes sure the partition's job runs by `at` (ms since the epoch). */
  schedule(part: number, at: number): Promise<void>;
}

interface QueuedPush {
  message: InboundMessage;
  mode: PushMode;
  ts: number;
  result?: PushResult;
  resolve: (r: PushResult) => void;
  reject: (err: unknown) => void;
}

/** Most messages stored by one Lua call (it blocks Redis for its duration: keep it well under a millisecond). */
const PUSHES_PER_CALL = 256;

/**
 * The pushes of one event-loop turn, stored by one Lua call (PUSH_MANY): sequence numbers, push times and
 * due times, atomically. A push that makes its chat due sooner than its partition's job looks settles once
 * the job was asked for; the others settle as soon as the script returned.
 */
export class PushQueue {
  private queued: QueuedPush[] = [];
  private timer: NodeJS.Immediate | undefined;
  private readonly storing = new Set<Promise<void>>();
  private readonly pendingKey: string;

  constructor(private readonly target: PushTarget) {
    this.pendingKey = `${target.keyPrefix}pending`;
  }

  push(message: InboundMessage, mode: PushMode): Promise<PushResult> {
    return new Promise<PushResult>((resolve, reject) => {
      this.queued.push({ message, mode, ts: Date.now(), resolve, reject });
      this.timer ??= setImmediate(() => this.storeQueued());
    });
  }

  /** Stores what is queued now and resolves once every store in progress has settled. */
  async drain(): Promise<void> {
    if (this.timer) {
      clearImmediate(this.timer);
      this.storeQueued();
    }
    await Promise.all(this.storing);
  }

  private storeQueued(): void {
    this.timer = undefined;
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += PUSHES_PER_CALL) {
      const stored = this.store(all.slice(i, i + PUSHES_PER_CALL));
      this.storing.add(stored);
      void stored.finally(() => this.storing.delete(stored));
    }
  }

  /** One Lua call for the messages, then one BullMQ add per partition that needs its job sooner; never rejects. */
  private async store(pushes: QueuedPush[]): Promise<void> {
    const { redis, keyPrefix, policy } = this.target;
    let reply: (number | string)[];
    try {
      const args: (string | number)[] = [keyPrefix, policy.debounceMs, policy.maxBatch];
      for (const { message, mode, ts } of pushes) args.push(message.chatKey, this.target.partitionOf(message.chatKey), mode[0]! + ts, JSON.stringify(message));
      reply = await redis.nkPushMany(this.pendingKey, ...args);
    } catch (err) {
      for (const push of pushes) push.reject(err);
      return;
    }
    // A push that asked for its partition's job settles with the add; the others settle now (a message is
    // stored once the script returned, and the sweeper revives a chat whose add failed).
    const due = new Map<number, { at: number; waiting: QueuedPush[] }>();
    pushes.forEach((push, i) => {
      const [seq, len, at] = [reply[i * 3] as number, reply[i * 3 + 1] as number, reply[i * 3 + 2] as number];
      if (seq < 0) return push.reject(new Error(`buffer push refused by Redis: ${String(len)}`));
      push.result = { seq, pending: push.mode === 'flush' ? 0 : len };
      if (at < 0) return push.resolve(push.result);
      const part = this.target.partitionOf(push.message.chatKey);
      const entry = due.get(part) ?? { at, waiting: [] };
      entry.at = Math.min(entry.at, at);
      entry.waiting.push(push);
      due.set(part, entry);
    });
    await Promise.all(
      [...due].map(([part, { at, waiting }]) =>
        this.target.schedule(part, at).then(
          () => waiting.forEach((push) => push.resolve(push.result!)),
          (err: unknown) => waiting.forEach((push) => push.reject(err)),
        ),
      ),
    );
  }
}
