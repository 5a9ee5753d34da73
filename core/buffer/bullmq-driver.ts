import { DelayedError, Job, Queue, Worker, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClosedError, toError } from '../errors/index.js';
import type { BatchLane, ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import { connectRedis, type RedisSettings } from '../redis/index.js';
import { DelayWaker } from './bullmq-waker.js';
import type { BatchHandler, BufferDriver, BufferPolicy, CloseOptions, CloseResult, ConsumeOptions, PushMode, PushResult } from './driver.js';
import { validateBufferPolicy } from './policy.js';
import { ACK_TAKE, CLEAR, PUSH_MANY, TAKE, toBatch } from './redis-scripts.js';

type BufferRedis = Redis & {
  nkPushMany(pending: string, ...args: string[]): Promise<(number | string)[]>;
  nkTake(buf: string, trig: string, meta: string, pending: string, now: number, debounce: number, maxWait: number, maxBatch: number, chat: string): Promise<string[]>;
  nkAckTake(buf: string, trig: string, meta: string, pending: string, headSeq: number, count: number, lane: string, now: number, debounce: number, maxWait: number, maxBatch: number, chat: string): Promise<string[]>;
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

interface QueuedPush {
  message: InboundMessage;
  mode: PushMode;
  ts: number;
  result?: PushResult;
  resolve: (r: PushResult) => void;
  reject: (err: unknown) => void;
}

/** A wait this short is slept in-process instead of re-delaying the job through Redis. */
const INLINE_WAIT_MS = 30;
/** Most messages stored by one Lua call (it blocks Redis for its duration: keep it well under a millisecond). */
const PUSHES_PER_CALL = 256;
/** BullMQ writes an event per job step to a stream no one here reads: keep it short. */
const EVENTS_MAX_LEN = 100;

/**
 * The buffer on Redis, for many processes on many machines (DESIGN §4). Messages live in a Redis list per
 * chat, numbered atomically; the pushes of one event-loop turn are stored by one Lua call. BullMQ carries
 * one flush job per chat burst: it is added only when a push finds the chat's list empty (or something must
 * go out at once), re-delays itself while the chat is still busy, releases batches when due, and completes
 * when the chat is empty; BullMQ's deduplication keeps it to one job per chat across every process. A batch
 * is trimmed from Redis only after its handler finished (a fenced ack, merged with taking the next batch), so
 * a killed worker's batch is run again by another (at-least-once; sessions skip what they applied). A sweeper
 * re-triggers chats whose job was lost.
 */
export class BullMQBufferDriver implements BufferDriver {
  readonly policy: BufferPolicy;
  readonly durable = true;
  private readonly redis: BufferRedis;
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private readonly waker: DelayWaker;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private readonly p: string;
  private readonly pendingKey: string;
  private closed = false;
  private closing: Promise<CloseResult> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly inHand = new Map<string, { job: Job; token: string }>();
  private readonly released: Record<ReleaseReason, Counter>;
  private queued: QueuedPush[] = [];
  private flushTimer: NodeJS.Immediate | undefined;
  private readonly storing = new Set<Promise<void>>();

  constructor(policy: BufferPolicy, private readonly opts: BullMQDriverOptions) {
    this.policy = validateBufferPolicy(policy);
    this.p = opts.redis.prefix;
    this.pendingKey = `${this.p}:buffer:pending`;
    this.redis = connectRedis(opts.redis, 'command', opts.log, 'buffer') as BufferRedis;
    this.redis.defineCommand('nkPushMany', { numberOfKeys: 1, lua: PUSH_MANY });
    this.redis.defineCommand('nkTake', { numberOfKeys: 4, lua: TAKE });
    this.redis.defineCommand('nkAckTake', { numberOfKeys: 4, lua: ACK_TAKE });
    this.redis.defineCommand('nkClear', { numberOfKeys: 4, lua: CLEAR });
    this.queueConnection = connectRedis(opts.redis, 'command', opts.log, 'buffer-queue');
    this.queue = new Queue('flush', { connection: this.queueConnection, prefix: `${this.p}:bull`, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
    this.queue.on('error', (err) => opts.log.error({ err }, 'buffer queue error'));
    this.waker = new DelayWaker(this.queueConnection, this.queue.keys.marker!, (err) => opts.log.warn({ err }, 'could not wake the buffer workers; a delayed flush may start late'));
    const reasons: ReleaseReason[] = ['idle', 'maxBatch', 'maxWait', 'flush', 'trigger', 'shutdown'];
    this.released = Object.fromEntries(reasons.map((r) => [r, opts.metrics.counter('buffer_released_total', { reason: r })])) as Record<ReleaseReason, Counter>;
  }

  /** Queued for the end of this event-loop turn, then stored with every other push of the turn in one call. */
  push(message: InboundMessage, mode: PushMode = 'buffer'): Promise<PushResult> {
    if (this.closed) return Promise.reject(new ClosedError('redis buffer'));
    return new Promise<PushResult>((resolve, reject) => {
      this.queued.push({ message, mode, ts: Date.now(), resolve, reject });
      this.flushTimer ??= setImmediate(() => this.storeQueued());
    });
  }

  private storeQueued(): void {
    this.flushTimer = undefined;
    const all = this.queued;
    this.queued = [];
    for (let i = 0; i < all.length; i += PUSHES_PER_CALL) {
      const stored = this.store(all.slice(i, i + PUSHES_PER_CALL));
      this.storing.add(stored);
      void stored.finally(() => this.storing.delete(stored));
    }
  }

  /** One Lua call for the messages, then one BullMQ add per chat that needs a job; never rejects. */
  private async store(pushes: QueuedPush[]): Promise<void> {
    let reply: (number | string)[];
    try {
      const args: string[] = [`${this.p}:buffer:`];
      for (const { message, mode, ts } of pushes) args.push(message.chatKey, mode[0]! + ts, JSON.stringify(message));
      reply = await this.redis.nkPushMany(this.pendingKey, ...args);
    } catch (err) {
      for (const push of pushes) push.reject(err);
      return;
    }
    // A chat needs a job when its list was empty (a new burst: due after the window), and at once when it
    // reaches maxBatch or a push asks for it; otherwise its job exists and will see the message. A push that
    // asked for a job settles with its add; the others settle now (as they did one call per push: a message
    // is stored once the script returned, and the sweeper schedules a chat whose add failed).
    const due = new Map<ChatKey, { delay: number; waiting: QueuedPush[] }>();
    const { maxBatch, debounceMs } = this.policy;
    pushes.forEach((push, i) => {
      const seq = reply[i * 2] as number;
      const len = reply[i * 2 + 1] as number;
      if (seq < 0) return push.reject(new Error(`buffer push refused by Redis: ${String(len)}`));
      push.result = { seq, pending: push.mode === 'flush' ? 0 : len };
      const delay = push.mode !== 'buffer' || len === maxBatch ? 0 : len === 1 ? debounceMs : -1;
      if (delay < 0) return push.resolve(push.result);
      const entry = due.get(push.message.chatKey) ?? { delay, waiting: [] };
      entry.delay = Math.min(entry.delay, delay);
      entry.waiting.push(push);
      due.set(push.message.chatKey, entry);
    });
    await Promise.all(
      [...due].map(([chat, { delay, waiting }]) =>
        this.schedule(chat, delay).then(
          () => waiting.forEach((push) => push.resolve(push.result!)),
          (err: unknown) => waiting.forEach((push) => push.reject(err)),
        ),
      ),
    );
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
    // Pushes accepted before close are stored and scheduled before the queue goes.
    if (this.flushTimer) {
      clearImmediate(this.flushTimer);
      this.storeQueued();
    }
    await Promise.all(this.storing);
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
      } else {
        // BullMQ closes only the connections it made itself (the blocking one), not the one passed in.
        await this.workerConnection?.quit().catch(() => undefined);
      }
    }
    this.waker.close();
    await this.queue.close();
    await this.queueConnection.quit().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
    return { unhandled: [] };
  }

  private async process(job: Job<{ chat: ChatKey }>, token: string, handler: BatchHandler): Promise<void> {
    const chat = job.data.chat;
    const k = this.keys(chat);
    const { debounceMs, maxWaitMs, maxBatch } = this.policy;
    this.inHand.set(job.id!, { job, token });
    try {
      let r = await this.redis.nkTake(k.buf, k.trig, k.meta, k.pending, Date.now(), debounceMs, maxWaitMs, maxBatch, chat);
      for (;;) {
        if (r[0] === 'e') return;
        if (this.closed) {
          // Shutting down: hand the chat to another worker rather than start another batch here.
          await job.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        if (r[0] === 'w') {
          const due = Number(r[1]);
          const wait = due - Date.now();
          if (wait > INLINE_WAIT_MS) {
            await job.moveToDelayed(due, token);
            this.waker.at(due);
            throw new DelayedError();
          }
          if (wait > 0) await new Promise((res) => setTimeout(res, wait));
          r = await this.redis.nkTake(k.buf, k.trig, k.meta, k.pending, Date.now(), debounceMs, maxWaitMs, maxBatch, chat);
          continue;
        }
        const lane: BatchLane = r[0] === 't' ? 'triggered' : 'buffered';
        const items = lane === 'triggered' ? [r[1]!] : r.slice(2);
        const batch = toBatch(chat, lane, lane === 'triggered' ? 'trigger' : (r[1] as ReleaseReason), items);
        this.released[batch.reason].inc();
        await handler(batch).catch((thrown: unknown) => {
          this.opts.metrics.count('batch_errors_total', {});
          this.opts.log.error({ err: toError(thrown), chatKey: chat }, 'batch handler failed; the batch is dropped');
        });
        r = await this.redis.nkAckTake(k.buf, k.trig, k.meta, k.pending, batch.firstSeq, items.length, lane[0]!, Date.now(), debounceMs, maxWaitMs, maxBatch, chat);
      }
    } finally {
      this.inHand.delete(job.id!);
    }
  }

  private async schedule(chat: ChatKey, delay: number): Promise<void> {
    const timestamp = Date.now();
    await this.queue.add('flush', { chat }, { ...JOB_OPTIONS, timestamp, delay, deduplication: { id: chat, reschedule: true, keepLastIfActive: true } });
    if (delay > 0) this.waker.at(timestamp + delay);
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

/**
 * One job per chat across every process (deduplication keyed by chat): a delayed one is rescheduled, an
 * active one gets one follower. Removed once complete; a failed one is retried, then left for the sweeper.
 */
const JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 200 } };
