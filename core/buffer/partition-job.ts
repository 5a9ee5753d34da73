import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, toError } from '../errors/index.js';
import type { BatchLane, ChatKey, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import type { BatchHandler, BufferPolicy } from './driver.js';
import { toBatch } from './redis-scripts.js';

/** The driver's Redis connection with the partition scripts defined on it. */
export type PartitionRedis = Redis & {
  nkClaim(prefix: string, part: number, now: number, limit: number, token: string, recover: string, debounce: number, maxWait: number, maxBatch: number, lookMs: number): Promise<unknown[]>;
  nkAck(prefix: string, part: number, chat: string, token: string, headSeq: number, count: number, lane: string, now: number, debounce: number, maxWait: number, maxBatch: number): Promise<string[]>;
  nkFinish(prefix: string, part: number, now: number, lookMs: number): Promise<number>;
};

/**
 * While a partition's job is active it looks at the partition's due chats at least this often; with nothing
 * in flight and nothing due sooner it waits in BullMQ (delayed) instead. Pushes that must go at once (maxBatch,
 * flush, trigger) wait at most this long for an active job.
 */
export const LOOK_MS = 20;
/** Least time between two looks: each look claims every chat due by then, in one call. */
const LOOK_GAP_MS = 2;

/** What the partition loop needs from its driver. */
export interface PartitionContext {
  redis: PartitionRedis;
  keyPrefix: string;
  policy: BufferPolicy;
  log: Logger;
  metrics: Metrics;
  released: Record<ReleaseReason, Counter>;
  slots: Slots;
  isClosed(): boolean;
  /** Re-delays the job to `due` (ms since the epoch) and wakes the workers then. */
  delayJob(job: Job, token: string, due: number): Promise<void>;
}

/**
 * Batches in flight in this process, across partitions (ConsumeOptions.concurrency). A claim asks for as
 * many chats as there are free slots without reserving them (partitions claim at the same time, and a
 * reservation would make them take turns); a chat claimed beyond the limit waits here for a slot.
 */
export class Slots {
  private waiters: (() => void)[] = [];
  private watchers: (() => void)[] = [];
  constructor(private available: number) {}
  get free(): number {
    return Math.max(0, this.available - this.waiters.length);
  }
  async acquire(): Promise<void> {
    if (this.available > 0 && this.waiters.length === 0) {
      this.available--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
    for (const w of this.watchers.splice(0)) w();
  }
  /** Resolves when a slot is released (or after `ms`). */
  whenReleased(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.watchers.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * Runs one partition's job: claims due chats (each held until its ack), hands their batches to `handler`
 * in parallel (one batch per chat at a time, within the process's slots), and keeps looking while anything
 * is in flight or due within LOOK_MS; then waits in BullMQ until the next due time, or completes when the
 * partition is empty. Only one job per partition is active across all processes (BullMQ deduplication).
 */
export async function runPartition(ctx: PartitionContext, job: Job<{ part: number }>, token: string, handler: BatchHandler): Promise<void> {
  const run = new PartitionRun(ctx, job, token, handler);
  try {
    await run.loop();
  } finally {
    // Never leave a chat's batch running behind a finished job: the next run would claim it again.
    await Promise.all(run.running);
  }
}

class PartitionRun {
  readonly running = new Set<Promise<void>>();
  private failure: unknown;
  /** The first look of a run takes back what a dead holder left (see CLAIM). */
  private recover = '1';

  constructor(
    private readonly ctx: PartitionContext,
    private readonly job: Job<{ part: number }>,
    private readonly token: string,
    private readonly handler: BatchHandler,
  ) {}

  async loop(): Promise<void> {
    const { ctx, job, token } = this;
    for (;;) {
      // An ack that failed leaves its chat held: fail the job, so BullMQ runs it again and recovers the chat.
      if (this.failure) throw this.failure;
      if (ctx.isClosed()) {
        // Shutting down: finish what is in hand (close may cut it short), then hand the partition on.
        await Promise.all(this.running);
        await ctx.delayJob(job, token, Date.now());
        throw new DelayedError();
      }
      const lookedAt = Date.now();
      const nextDue = await this.look(lookedAt);
      const now = Date.now();
      if (this.running.size === 0 && (nextDue < 0 || nextDue - now > LOOK_MS)) {
        const next = await ctx.redis.nkFinish(ctx.keyPrefix, job.data.part, now, LOOK_MS);
        if (next < 0) return;
        if (next > 0) {
          await ctx.delayJob(job, token, next);
          throw new DelayedError();
        }
      }
      const until = Math.max(lookedAt + LOOK_GAP_MS, Math.min(nextDue < 0 ? Infinity : nextDue, now + LOOK_MS));
      // A finished batch frees a slot and may leave its chat due: look again then, not later.
      await ctx.slots.whenReleased(Math.max(0, until - Date.now()));
      const gap = lookedAt + LOOK_GAP_MS - Date.now();
      if (gap > 0) await new Promise((res) => setTimeout(res, gap));
    }
  }

  /** Claims the due chats and starts their batches; → the partition's next due time, or -1. */
  private async look(now: number): Promise<number> {
    const { ctx, token } = this;
    const { debounceMs, maxWaitMs, maxBatch } = ctx.policy;
    const part = this.job.data.part;
    const r = await ctx.redis.nkClaim(ctx.keyPrefix, part, now, ctx.slots.free, token, this.recover, debounceMs, maxWaitMs, maxBatch, LOOK_MS);
    this.recover = '0';
    for (let i = 1; i < r.length; i += 2) {
      const chat = r[i] as ChatKey;
      const first = r[i + 1] as string[];
      const run = ctx.slots
        .acquire()
        .then(() => runChat(ctx, part, chat, token, first, this.handler).finally(() => ctx.slots.release()))
        .catch((err: unknown) => void (this.failure ??= err))
        .finally(() => this.running.delete(run));
      this.running.add(run);
    }
    return r[0] as number;
  }
}

/** A claimed chat's batches, one after the other, until its ack releases the chat. */
async function runChat(ctx: PartitionContext, part: number, chat: ChatKey, token: string, first: string[], handler: BatchHandler): Promise<void> {
  const { debounceMs, maxWaitMs, maxBatch } = ctx.policy;
  let r = first;
  while (r[0] === 'b' || r[0] === 't') {
    const lane: BatchLane = r[0] === 't' ? 'triggered' : 'buffered';
    const items = lane === 'triggered' ? [r[1]!] : r.slice(2);
    const batch = toBatch(chat, lane, lane === 'triggered' ? 'trigger' : (r[1] as ReleaseReason), items);
    ctx.released[batch.reason].inc();
    await handler(batch).catch((thrown: unknown) => {
      ctx.metrics.count('batch_errors_total', {});
      ctx.log.error({ err: toError(thrown), chatKey: chat }, 'batch handler failed; the batch is dropped');
    });
    r = await ctx.redis.nkAck(ctx.keyPrefix, part, chat, token, batch.firstSeq, items.length, lane[0]!, Date.now(), debounceMs, maxWaitMs, maxBatch);
  }
}

/**
 * A chat belongs to the partition its key hashes to among `partitions`: two processes counting differently
 * would put one chat in two partitions, and two jobs could run its batches at once. The first process on a
 * prefix fixes the number; a process with another one refuses to start.
 */
export async function checkPartitionCount(redis: Redis, keyPrefix: string, prefix: string, partitions: number): Promise<void> {
  const key = `${keyPrefix}partitions`;
  await redis.set(key, String(partitions), 'NX');
  const stored = Number(await redis.get(key));
  if (stored === partitions) return;
  throw new ConfigError(
    ['BUFFER_PARTITIONS'],
    `BUFFER_PARTITIONS is ${partitions}, but the processes on Redis prefix "${prefix}" split chats into ${stored} partitions: use ${stored} everywhere, or stop every process, let the buffer empty and delete the key ${key}`,
  );
}
