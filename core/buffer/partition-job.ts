import { DelayedError, Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError, isUnavailable, toError } from '../errors/index.js';
import type { BatchLane, ChatKey, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import { RETRY_MS, type AckQueue, type AckReply } from './ack-queue.js';
import type { BatchHandler, BufferPolicy } from './driver.js';
import type { InHand } from './in-hand.js';
import { toBatch } from './redis-scripts.js';
import { ITEM_SEPARATOR } from './stored-message.js';

/** The driver's Redis connection with the partition scripts defined on it. */
export type PartitionRedis = Redis & {
  nkClaim(prefix: string, part: number, now: number, limit: number, holder: string, recover: string, debounce: number, maxWait: number, maxBatch: number, lookMs: number, leaseMs: number, ...inHand: string[]): Promise<unknown[]>;
  nkFinish(prefix: string, part: number, now: number, lookMs: number): Promise<number>;
};

/**
 * While a partition's job is active it looks at the partition's due chats at least this often; with nothing
 * in flight and nothing due sooner it waits in BullMQ (delayed) instead. Pushes that must go at once (maxBatch,
 * flush, trigger) wait at most this long for an active job.
 */
export const LOOK_MS = 20;
/** How long due chats wait for a slot in a full process before its partition is handed to another worker. */
export const HAND_ON_AFTER_MS = 100;
/**
 * Least time between two looks: each look claims every chat due by then, in one call. Under load a look is a
 * claim call, its timers and its reply: at 30,000 msg/s in batches of 5, 5 ms rather than 2 cost the process
 * ~2 µs of CPU a message less and gave a lower paced p95 in 8 of 10 alternating runs (DESIGN-NOTES, issue 20);
 * a chat due in a gap waits for its end, so at most this much later than it would.
 */
const LOOK_GAP_MS = 5;

/**
 * How long a partition's job stays active by default (PartitionContext.lingerMs), looking every LOOK_MS, once it
 * has nothing due and nothing in flight, before it completes. A job completed while its chats' traffic only
 * paused costs a job added again by the next push, and the BullMQ scripts of both: at 2,000 msg/s over 1,000
 * chats, ~10% more Redis calls a message and ~20% more Redis CPU (DESIGN-NOTES, issue 20). The looks it costs
 * instead find nothing (three commands each).
 */
export const LINGER_MS = 200;

/** What the partition loop needs from its driver. */
export interface PartitionContext {
  redis: PartitionRedis;
  keyPrefix: string;
  policy: BufferPolicy;
  log: Logger;
  metrics: Metrics;
  released: Record<ReleaseReason, Counter>;
  slots: Slots;
  acks: AckQueue;
  /** This process as a holder of chats; its lease (`lease:<holder>`, `leaseMs`) says it is alive. */
  holder: string;
  leaseMs: number;
  /** How long the job keeps looking once the partition has nothing to do (LINGER_MS). */
  lingerMs: number;
  /** Every chat's batches running in this process, whichever job claimed them, and its unanswered claims. */
  inHand: InHand;
  isClosed(): boolean;
  /** Re-delays the job to `due` (ms since the epoch) and wakes the workers then. */
  delayJob(job: Job, token: string, due: number): Promise<void>;
  /** Makes sure the partition's job runs by `at` (ms since the epoch). */
  schedule(part: number, at: number): Promise<void>;
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
 * Runs one partition's job: claims due chats (each held by this process until its ack), hands their
 * batches to `handler` in parallel (one batch per chat at a time, within the process's slots), and keeps
 * looking while any is in flight or due within LOOK_MS; then waits in BullMQ until the next due time, or
 * completes when the partition is empty. A process with no free slot hands the partition on while due chats
 * wait, so that an idle worker serves them; the batches it has in hand go on under its lease. Only one job per
 * partition is active across all processes (BullMQ deduplication).
 */
export async function runPartition(ctx: PartitionContext, job: Job<{ part: number }>, token: string, handler: BatchHandler): Promise<void> {
  await new PartitionRun(ctx, job, token, handler).loop();
}

class PartitionRun {
  /** This run's chats in flight (the process's are in `ctx.inHand`). */
  private readonly running = new Set<Promise<void>>();
  /**
   * When a look last took back what dead holders left and what a claim of this process whose reply was lost
   * left held for nobody (see CLAIM): the first look of a run does, then one every lease period.
   */
  private recoveredAt = 0;
  /** Since when due chats have waited for a slot here. */
  private fullSince: number | undefined;
  /** Since when the partition has had no chat due or in flight here (see LINGER_MS). */
  private emptySince: number | undefined;

  constructor(
    private readonly ctx: PartitionContext,
    private readonly job: Job<{ part: number }>,
    private readonly token: string,
    private readonly handler: BatchHandler,
  ) {}

  async loop(): Promise<void> {
    const { ctx, job } = this;
    for (;;) {
      if (ctx.isClosed()) return this.handOn(Date.now());
      const lookedAt = Date.now();
      const nextDue = await this.look(lookedAt);
      const now = Date.now();
      // Due chats and no slot here for a while (slow batches: LLM answers): another worker may have one.
      // Short batches free a slot sooner than a hand-on would take, so a full moment alone does not count.
      if (ctx.slots.free === 0 && nextDue >= 0 && nextDue <= now) {
        this.fullSince ??= now;
        if (now - this.fullSince >= HAND_ON_AFTER_MS) return this.handOn(now);
      } else this.fullSince = undefined;
      if (nextDue >= 0 || this.running.size > 0) this.emptySince = undefined;
      else this.emptySince ??= now;
      const lingering = this.emptySince !== undefined && now - this.emptySince < ctx.lingerMs;
      if (this.running.size === 0 && !lingering && (nextDue < 0 || nextDue - now > LOOK_MS)) {
        const next = await ctx.redis.nkFinish(ctx.keyPrefix, job.data.part, now, LOOK_MS);
        if (next < 0) return;
        if (next > 0) return this.handOn(next);
      }
      const until = Math.max(lookedAt + LOOK_GAP_MS, Math.min(nextDue < 0 ? Infinity : nextDue, now + LOOK_MS));
      // A finished batch frees a slot and may leave its chat due: look again then, not later.
      await ctx.slots.whenReleased(Math.max(0, until - Date.now()));
      const gap = lookedAt + LOOK_GAP_MS - Date.now();
      if (gap > 0) await new Promise((res) => setTimeout(res, gap));
    }
  }

  /** Delays the job to `at` and ends this run; chats in flight go on (their acks ask for a job if needed). */
  private async handOn(at: number): Promise<never> {
    await this.ctx.delayJob(this.job, this.token, at);
    throw new DelayedError();
  }

  /** Claims the due chats and starts their batches; → the partition's next due time, or -1. */
  private async look(now: number): Promise<number> {
    const { ctx } = this;
    const { debounceMs, maxWaitMs, maxBatch } = ctx.policy;
    const part = this.job.data.part;
    const recover = now - this.recoveredAt >= ctx.leaseMs ? (ctx.inHand.claimsUnanswered(part) === 0 ? '2' : '1') : '0';
    const inHand = recover === '2' ? ctx.inHand.chatsOf(part) : [];
    const answered = ctx.inHand.claimStarted(part);
    let r: unknown[];
    try {
      r = await ctx.redis.nkClaim(ctx.keyPrefix, part, now, ctx.slots.free, ctx.holder, recover, debounceMs, maxWaitMs, maxBatch, LOOK_MS, ctx.leaseMs, ...inHand);
    } finally {
      answered();
    }
    if (recover === '2') this.recoveredAt = now;
    for (let i = 1; i < r.length; i += 2) {
      const chat = r[i] as ChatKey;
      const first = r[i + 1] as AckReply;
      const run: Promise<void> = runChat(ctx, part, chat, first, this.handler)
        .catch((err: unknown) => {
          ctx.metrics.count('buffer_ack_failures_total', {});
          ctx.log.error({ err: toError(err), chatKey: chat }, 'a batch was left unacknowledged; the chat is taken back once this process is gone');
        })
        .finally(() => this.running.delete(run));
      this.running.add(run);
      ctx.inHand.add(part, chat, run);
    }
    return r[0] as number;
  }
}

/**
 * A claimed chat's batches, one after the other, until its ack releases the chat. A slot is held while a
 * handler runs, not during the ack: the slots bound the batches being handled, and holding one for a Redis
 * round trip made the acks' latency the limit of a busy process (50 slots cycled through ~6,000 batches/s
 * only while acks took under 8 ms; a push burst in Redis's queue made them take longer, and releases fell
 * 100+ ms behind). A handler that failed for want of Redis or a gateway (`isUnavailable`) did not finish: its
 * batch is not trimmed but released, to run again (here or on another worker) in RETRY_MS.
 */
async function runChat(ctx: PartitionContext, part: number, chat: ChatKey, first: AckReply, handler: BatchHandler): Promise<void> {
  let r = first;
  while (r[0] === 'b' || r[0] === 't') {
    const lane: BatchLane = r[0] === 't' ? 'triggered' : 'buffered';
    const items = lane === 'triggered' ? [r[1] as string] : (r[2] as string).split(ITEM_SEPARATOR);
    await ctx.slots.acquire();
    const batch = toBatch(chat, lane, lane === 'triggered' ? 'trigger' : (r[1] as ReleaseReason), items);
    ctx.released[batch.reason].inc();
    let handled = true;
    try {
      await handler(batch);
    } catch (thrown) {
      if (isUnavailable(thrown)) {
        handled = false;
        ctx.metrics.count('batch_retries_total', {});
        ctx.log.warn({ err: toError(thrown), chatKey: chat }, `a batch's handler could not reach Redis or a gateway; the batch runs again in ${RETRY_MS} ms`);
      } else {
        ctx.metrics.count('batch_errors_total', {});
        ctx.log.error({ err: toError(thrown), chatKey: chat }, 'batch handler failed; the batch is dropped');
      }
    } finally {
      ctx.slots.release();
    }
    const count = handled ? items.length : 0;
    r = await acknowledged(ctx, () => ctx.acks.ack({ part, chat, firstSeq: batch.firstSeq, count, lane }));
  }
  // More came for the chat, not due yet, and no job is due to look by then: ask for one, as a push would.
  if (r[0] === 'w' && r[2] === 'wake') await ctx.schedule(part, Number(r[1]));
}

/**
 * The ack of a handled batch, retried while Redis is away: the chat stays held by this (live) process
 * meanwhile, so nobody runs the batch again. Gives up only at shutdown; the lease then lapses and another
 * worker takes the chat back (the session skips what it already applied).
 */
async function acknowledged(ctx: PartitionContext, ack: () => Promise<AckReply>): Promise<AckReply> {
  for (let delay = 100; ; delay = Math.min(delay * 2, 5000)) {
    try {
      return await ack();
    } catch (err) {
      if (ctx.isClosed()) throw err;
      ctx.metrics.count('buffer_ack_retries_total', {});
      ctx.log.warn({ err: toError(err) }, 'could not acknowledge a batch; retrying');
      await new Promise((res) => setTimeout(res, delay));
    }
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

/** FNV-1a of the chat key: the same partition in every process. */
export function partitionOf(chat: ChatKey, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < chat.length; i++) h = Math.imul(h ^ chat.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

/** Keeps `key` alive (it says this process holds chats) until the timer is cleared; it lapses `lockMs` after. */
export function renewLease(redis: Redis, key: string, lockMs: number, log: Logger): NodeJS.Timeout {
  const timer = setInterval(() => void redis.set(key, '1', 'PX', lockMs).catch((err: unknown) => log.warn({ err }, 'could not renew the buffer lease')), Math.max(100, Math.floor(lockMs / 3)));
  timer.unref();
  return timer;
}

/** Hands jobs in hand back to BullMQ at a forced stop, through the queue's connection (the worker's is closing). */
export async function releaseJobs(queue: Queue, inHand: readonly { job: Job; token: string }[], log: Logger): Promise<void> {
  for (const { job, token } of inHand) {
    const held = await Job.fromId(queue, job.id!);
    await held?.moveToDelayed(Date.now(), token).catch((err: unknown) => log.warn({ err, partition: (job.data as { part?: number } | undefined)?.part }, 'could not release a flush job; it will be retried when its lock expires'));
  }
}
