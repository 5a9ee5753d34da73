import type { BatchLane, ChatKey } from '../message/index.js';
import type { BufferPolicy } from './driver.js';

/** A handled batch to acknowledge (see ACK_MANY in partition-scripts.ts). */
export interface HandledBatch {
  part: number;
  chat: ChatKey;
  firstSeq: number;
  /** Its messages; 0: not handled after all, to run again in RETRY_MS. */
  count: number;
  lane: BatchLane;
}

/**
 * How long a batch whose handler could not reach Redis or a gateway waits before it runs again: long enough
 * not to spin on an outage, short enough that the chat's answer is not much later than Redis's return.
 */
export const RETRY_MS = 1000;

/** What an ack answers: the chat's next batch (a take-reply), or why there is none (`w`, `e`, `x`). */
export type AckReply = (string | number)[];

/** The driver's connection with the ack script defined on it. */
export interface AckRedis {
  nkAckMany(prefix: string, holder: string, now: number, debounce: number, maxWait: number, maxBatch: number, retryMs: number, ...batches: (string | number)[]): Promise<AckReply[]>;
}

/**
 * Most acks in one call: each is a few list and hash commands plus a take, ~20 µs of Redis time, and a
 * script blocks Redis for its whole run.
 */
const ACKS_PER_CALL = 64;

interface QueuedAck {
  batch: HandledBatch;
  resolve: (reply: AckReply) => void;
  reject: (err: unknown) => void;
}

/**
 * Acks of one event-loop turn, sent in one call. A busy process finishes several batches a turn, and one
 * call per batch was most of the buffer's Redis calls (6,000 a second at 30,000 msg/s in bursts of 5): each
 * costs the client a command and a reply to encode and decode, and Redis a script run.
 */
export class AckQueue {
  private queued: QueuedAck[] = [];
  private timer: NodeJS.Immediate | undefined;

  constructor(
    private readonly redis: AckRedis,
    private readonly keyPrefix: string,
    private readonly holder: string,
    private readonly policy: BufferPolicy,
  ) {}

  /** Resolves with the chat's ack reply; rejects when the call failed (nothing of this ack was applied). */
  ack(batch: HandledBatch): Promise<AckReply> {
    return new Promise<AckReply>((resolve, reject) => {
      this.queued.push({ batch, resolve, reject });
      this.timer ??= setImmediate(() => this.sendQueued());
    });
  }

  private sendQueued(): void {
    this.timer = undefined;
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += ACKS_PER_CALL) void this.send(all.slice(i, i + ACKS_PER_CALL));
  }

  private async send(acks: QueuedAck[]): Promise<void> {
    const { debounceMs, maxWaitMs, maxBatch } = this.policy;
    const args: (string | number)[] = [];
    for (const { batch } of acks) args.push(batch.part, batch.chat, batch.firstSeq, batch.count, batch.lane === 'triggered' ? 't' : 'b');
    try {
      const replies = await this.redis.nkAckMany(this.keyPrefix, this.holder, Date.now(), debounceMs, maxWaitMs, maxBatch, RETRY_MS, ...args);
      acks.forEach((a, i) => a.resolve(replies[i]!));
    } catch (err) {
      for (const a of acks) a.reject(err);
    }
  }
}
