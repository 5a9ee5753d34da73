import { DelayedError, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClosedError, toError } from '../errors/index.js';
import type { Batch, BatchLane, ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import { connectRedis, type RedisSettings } from '../redis/index.js';
import type { BatchHandler, BufferDriver, BufferPolicy, CloseOptions, CloseResult, ConsumeOptions, PushMode, PushResult } from './driver.js';
import { validateBufferPolicy } from './policy.js';
import { ACK, CLEAR, PUSH, TAKE } from './redis-scripts.js';

type BufferRedis = Redis & {
  nkPush(buf: string, trig: string, meta: string, pending: string, mode: string, ts: number, payload: string, chat: string): Promise<[number, number, number]>;
  nkTake(buf: string, trig: string, meta: string, pending: string, now: number, debounce: number, maxWait: number, maxBatch: number, chat: string): Promise<string[]>;
  nkAck(list: string, meta: string, pending: string, headSeq: number, count: number, chat: string, lane: string): Promise<number>;
  nkClear(buf: string, trig: string, meta: string, pending: string, chat: string): Promise<number>;
};

export interface BullMQDriverOptions {
  redis: RedisSettings;
  log: Logger;
  metrics: Metrics;
  /** How long a dead worker's batch waits before another takes it (BullMQ lockDuration). Default 10 s. */
  lockMs?: number;
  /** How often orphaned chats are looked for. Default 5 s. */
  sweepMs?: number;
}

/** A wait this short is slept in-process instead of re-delaying the job through Redis. */
const INLINE_WAIT_MS = 30;

/**
 * The buffer on Redis, for many processes on many machines (DESIGN §4). Messages live in a Redis list per
 * chat, numbered atomically, one Lua call per message. BullMQ carries one flush job per chat, added once
 * per burst (not per message): the job re-delays itself while the chat is still busy, releases batches
 * when due, and completes when the chat is empty. A batch is trimmed from Redis only after its handler
 * finished (a fenced ack), so a killed worker's batch is run again by another (at-least-once; sessions
 * skip what they applied). A sweeper re-triggers chats whose job was lost.
 */
export class BullMQBufferDriver implements BufferDriver {
  readonly policy: BufferPolicy;
  readonly durable = true;
  private readonly redis: BufferRedis;
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private readonly p: string;
  private readonly pendingKey: string;
  private closed = false;
  private closing: Promise<CloseResult> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly inHand = new Map<string, { job: Job; token: string }>();
  private readonly released: Record<ReleaseReason, Counter>;

  constructor(policy: BufferPolicy, private readonly opts: BullMQDriverOptions) {
    this.policy = validateBufferPolicy(policy);
    this.p = opts.redis.prefix;
    this.pendingKey = `${this.p}:buffer:pending`;
    this.redis = connectRedis(opts.redis, 'command', opts.log, 'buffer') as BufferRedis;
    this.redis.defineCommand('nkPush', { numberOfKeys: 4, lua: PUSH });
    this.redis.defineCommand('nkTake', { numberOfKeys: 4, lua: TAKE });
    this.redis.defineCommand('nkAck', { numberOfKeys: 3, lua: ACK });
    this.redis.defineCommand('nkClear', { numberOfKeys: 4, lua: CLEAR });
    this.queue = new Queue('flush', { connection: connectRedis(opts.redis, 'command', opts.log, 'buffer-queue'), prefix: `${this.p}:bull` });
    this.queue.on('error', (err) => opts.log.error({ err }, 'buffer queue error'));
    const reasons: ReleaseReason[] = ['idle', 'maxBatch', 'maxWait', 'flush', 'trigger', 'shutdown'];
    this.released = Object.fromEntries(reasons.map((r) => [r, opts.metrics.counter('buffer_released_total', { reason: r })])) as Record<ReleaseReason, Counter>;
  }

  async push(message: InboundMessage, mode: PushMode = 'buffer'): Promise<PushResult> {
    if (this.closed) throw new ClosedError('redis buffer');
    const chat = message.chatKey;
    const k = this.keys(chat);
    const [seq, len, newly] = await this.redis.nkPush(k.buf, k.trig, k.meta, k.pending, mode[0]!, Date.now(), JSON.stringify(message), chat);
    const now = mode !== 'buffer' || len >= this.policy.maxBatch;
    // One BullMQ call per burst: when the chat had no job, and when something must go out at once.
    if (newly === 1 || now) await this.schedule(chat, now ? 0 : this.policy.debounceMs);
    return { seq, pending: mode === 'flush' ? 0 : len };
  }

  consume(handler: BatchHandler, opts: ConsumeOptions): void {
    if (this.worker) throw new Error('BullMQBufferDriver.consume was already called');
    const lockMs = this.opts.lockMs ?? 10_000;
    this.workerConnection = connectRedis(this.opts.redis, 'blocking', this.opts.log, 'buffer-worker');
    this.worker = new Worker('flush', (job, token) => this.process(job, token ?? '', handler), {
      connection: this.workerConnection,
      prefix: `${this.p}:bull`,
      concurrency: Math.max(1, Math.floor(opts.concurrency)),
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      // A flush job must never fail for having stalled: the list, not the job, holds the messages.
      maxStalledCount: 1_000_000,
    });
    this.worker.on('error', (err) => this.opts.log.error({ err }, 'buffer worker error'));
    this.worker.on('failed', (job, err) => this.opts.log.error({ err, chatKey: job?.data?.chat }, 'flush job failed; the sweeper will retry the chat'));
    const sweepMs = this.opts.sweepMs ?? 5000;
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => this.opts.log.warn({ err }, 'buffer sweep failed')), sweepMs);
    this.sweeper.unref();
  }

  async clear(chatKey: ChatKey): Promise<number> {
    const k = this.keys(chatKey);
    return this.redis.nkClear(k.buf, k.trig, k.meta, k.pending, chatKey);
  }

  /**
   * Stops taking batches; the batch in hand may finish within the time limit, else its job is released for
   * another worker. Messages stay in Redis: nothing is returned to persist (`unhandled` is always empty).
   */
  close(opts: CloseOptions): Promise<CloseResult> {
    this.closing ??= this.shutdown(opts);
    return this.closing;
  }

  private async shutdown(opts: CloseOptions): Promise<CloseResult> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.worker) {
      const worker = this.worker;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        worker.close().then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), opts.timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        // Released through the queue's connection: the worker's own is already shutting down.
        for (const { job, token } of this.inHand.values()) {
          const held = await Job.fromId(this.queue, job.id!);
          await held?.moveToDelayed(Date.now(), token).catch((err: unknown) => this.opts.log.warn({ err, chatKey: job.data?.chat }, 'could not release a flush job; it will be retried when its lock expires'));
        }
        this.inHand.clear();
        // A forced close still waits for the stuck processor in BullMQ 6; cut the worker's connection
        // instead, so nothing of it (lock renewals included) reaches Redis any more.
        worker.removeAllListeners('error');
        worker.on('error', () => undefined);
        void worker.close(true).catch(() => undefined);
        this.workerConnection?.disconnect();
      }
    }
    await this.queue.close();
    await this.redis.quit().catch(() => undefined);
    return { unhandled: [] };
  }

  private async process(job: Job<{ chat: ChatKey }>, token: string, handler: BatchHandler): Promise<void> {
    const chat = job.data.chat;
    const k = this.keys(chat);
    this.inHand.set(job.id!, { job, token });
    try {
      for (;;) {
        if (this.closed) {
          // Shutting down: hand the chat to another worker rather than start another batch here.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        const { debounceMs, maxWaitMs, maxBatch } = this.policy;
        const r = await this.redis.nkTake(k.buf, k.trig, k.meta, k.pending, Date.now(), debounceMs, maxWaitMs, maxBatch, chat);
        if (r[0] === 'e') return;
        if (r[0] === 'w') {
          const due = Number(r[1]);
          const wait = due - Date.now();
          if (wait <= INLINE_WAIT_MS) {
            if (wait > 0) await new Promise((res) => setTimeout(res, wait));
            continue;
          }
          await job.moveToDelayed(due, token);
          throw new DelayedError();
        }
        const lane: BatchLane = r[0] === 't' ? 'triggered' : 'buffered';
        const items = lane === 'triggered' ? [r[1]!] : r.slice(2);
        const batch = toBatch(chat, lane, lane === 'triggered' ? 'trigger' : (r[1] as ReleaseReason), items);
        this.released[batch.reason].inc();
        await handler(batch).catch((thrown: unknown) => {
          this.opts.metrics.count('batch_errors_total', {});
          this.opts.log.error({ err: toError(thrown), chatKey: chat }, 'batch handler failed; the batch is dropped');
        });
        await this.redis.nkAck(lane === 'triggered' ? k.trig : k.buf, k.meta, k.pending, batch.firstSeq, items.length, chat, lane === 'triggered' ? 't' : 'b');
      }
    } finally {
      this.inHand.delete(job.id!);
    }
  }

  private schedule(chat: ChatKey, delay: number): Promise<unknown> {
    return this.queue.add('flush', { chat }, {
      delay,
      // One job per chat across every process: a delayed one is rescheduled, an active one gets one follower.
      deduplication: { id: chat, reschedule: true, keepLastIfActive: true },
      removeOnComplete: true,
      removeOnFail: 1000,
      attempts: 5,
      backoff: { type: 'exponential', delay: 200 },
    });
  }

  /** Chats whose oldest message has waited well past maxWait have lost their job: schedule them again. */
  private async sweep(): Promise<void> {
    const overdue = Date.now() - this.policy.maxWaitMs - (this.opts.sweepMs ?? 5000);
    const chats = await this.redis.zrangebyscore(this.pendingKey, '-inf', overdue, 'LIMIT', 0, 500);
    for (const chat of chats) await this.schedule(chat, 0);
    if (chats.length > 0) this.opts.metrics.count('buffer_swept_total', {}, chats.length);
  }

  private keys(chat: ChatKey) {
    return { buf: `${this.p}:buffer:msgs:${chat}`, trig: `${this.p}:buffer:trig:${chat}`, meta: `${this.p}:buffer:meta:${chat}`, pending: this.pendingKey };
  }
}

function toBatch(chatKey: ChatKey, lane: BatchLane, reason: ReleaseReason, items: readonly string[]): Batch {
  const messages: InboundMessage[] = [];
  const pushedAt: number[] = [];
  let firstSeq = 0;
  let lastSeq = 0;
  items.forEach((item, i) => {
    const a = item.indexOf('|');
    const b = item.indexOf('|', a + 1);
    const seq = Number(item.slice(0, a));
    if (i === 0) firstSeq = seq;
    lastSeq = seq;
    pushedAt.push(Number(item.slice(a + 1, b)));
    messages.push(JSON.parse(item.slice(b + 1)) as InboundMessage);
  });
  return { chatKey, lane, firstSeq, lastSeq, messages, reason, releasedAt: Date.now(), pushedAt };
}
