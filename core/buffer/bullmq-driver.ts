import { randomUUID } from 'node:crypto';
import { Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ClosedError, toError } from '../errors/index.js';
import type { ChatKey, InboundMessage, ReleaseReason } from '../message/index.js';
import type { Counter, Metrics } from '../metrics/index.js';
import { bullmqErrorListener, connectRedis, redactUrl, type RedisSettings } from '../redis/index.js';
import { DelayWaker } from './bullmq-waker.js';
import type { BatchHandler, BufferDriver, BufferPolicy, CloseOptions, CloseResult, ConsumeOptions, PushMode, PushResult } from './driver.js';
import { AckQueue, type AckRedis } from './ack-queue.js';
import { InHand } from './in-hand.js';
import { ACK_MANY, CLAIM, FINISH, SWEEP } from './partition-scripts.js';
import { PushQueue, type PushRedis } from './push-queue.js';
import { keepSpool, restoreSpools, type SpoolPlace } from './spool.js';
import { checkPartitionCount, LINGER_MS, partitionOf, releaseJobs, renewLease, runPartition, Slots, type PartitionContext, type PartitionRedis } from './partition-job.js';
import { validateBufferPolicy } from './policy.js';
import { CLEAR, PUSH_MANY } from './redis-scripts.js';

type BufferRedis = PartitionRedis & AckRedis & {
  nkClear(buf: string, trig: string, meta: string, due: string, chat: string): Promise<number>;
  nkSweep(prefix: string, holder: string, overdue: number, partitions: number): Promise<[number, ...ChatKey[]][]>;
};

export interface BullMQDriverOptions {
  redis: RedisSettings;
  log: Logger;
  metrics: Metrics;
  /** How long a dead worker's batches wait before another takes them (BullMQ lockDuration). Default 10 s. */
  lockMs?: number;
  /** How often orphaned chats are looked for. Default 5 s. */
  sweepMs?: number;
  /** How long a partition's job keeps looking once it has nothing to do, before it completes. Default 200 ms. */
  lingerMs?: number;
  /**
   * Partitions of the chats, each carried by one BullMQ job at a time (so at most this many processes share
   * the batches). Every process on one Redis prefix must use the same number (`checkPartitions`). Default 8.
   */
  partitions?: number;
  /** Most messages a process holds while Redis is unreachable before it refuses pushes. Default 20,000. */
  spoolMax?: number;
  /** Where messages held at shutdown (Redis away) are saved for `restoreSpool` (DATA_DIR); without it, lost. */
  spoolDir?: string;
}

/** BullMQ writes an event per job step to a stream no one here reads: keep it short. */
const EVENTS_MAX_LEN = 100;

/**
 * The buffer on Redis, for many processes on many machines (DESIGN §4). Messages live in a Redis list per
 * chat, numbered atomically; the pushes of one event-loop turn are stored by one Lua call. Chats fall into
 * a fixed number of partitions, and BullMQ carries one flush job per partition (deduplicated across every
 * process): asked for only when a push makes a chat due and no job is due to look by then, it claims the
 * partition's due chats, runs their batches in parallel, keeps looking while busy, re-delays itself until
 * the next due time, and completes once the partition has stayed empty a while. BullMQ's cost is paid per
 * partition wake-up, not per burst; its lock, stalled recovery, retries and metrics cover the partition. A
 * claimed chat is held by this process under its lease, and trimmed only after its handler finished (a fenced
 * ack): a killed worker's batches are run again once its lease lapses (at-least-once; sessions skip what they
 * applied). A sweeper revives chats whose partition lost its job.
 */
export class BullMQBufferDriver implements BufferDriver {
  readonly policy: BufferPolicy;
  readonly durable = true;
  readonly description: string;
  private readonly redis: BufferRedis;
  /** Pushes only: `patient`, so that they wait out an outage in order (see PushQueue). */
  private readonly pushConnection: PushRedis;
  /** This process as the sender of push calls (their numbers are its own, see PUSH_MANY). */
  private readonly caller = randomUUID();
  private readonly queueConnection: Redis;
  private readonly queue: Queue;
  private readonly waker: DelayWaker;
  private worker: Worker | undefined;
  private workerConnection: Redis | undefined;
  private readonly p: string;
  private readonly keyPrefix: string;
  private readonly partitions: number;
  private closed = false;
  private closing: Promise<CloseResult> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly jobsInHand = new Map<string, { job: Job; token: string }>();
  /** This process as a holder of chats (see CLAIM); `leaseKey` lives while it does. */
  private readonly holder = randomUUID();
  private readonly leaseKey: string;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly chatsInHand = new InHand();
  private readonly released: Record<ReleaseReason, Counter>;
  private readonly pushes: PushQueue;

  constructor(policy: BufferPolicy, private readonly opts: BullMQDriverOptions) {
    this.policy = validateBufferPolicy(policy);
    this.p = opts.redis.prefix;
    this.keyPrefix = `${this.p}:buffer:`;
    this.leaseKey = `${this.keyPrefix}lease:${this.holder}`;
    this.partitions = Math.max(1, Math.floor(opts.partitions ?? 8));
    this.description = `BullMQ on ${redactUrl(opts.redis.url)} (${this.partitions} partitions)`;
    this.redis = connectRedis(opts.redis, 'command', opts.log, 'buffer') as BufferRedis;
    this.pushConnection = connectRedis(opts.redis, 'patient', opts.log, 'buffer-push') as PushRedis;
    this.pushConnection.defineCommand('nkPushMany', { numberOfKeys: 0, lua: PUSH_MANY });
    this.redis.defineCommand('nkClear', { numberOfKeys: 4, lua: CLEAR });
    this.redis.defineCommand('nkClaim', { numberOfKeys: 0, lua: CLAIM });
    this.redis.defineCommand('nkAckMany', { numberOfKeys: 0, lua: ACK_MANY });
    this.redis.defineCommand('nkFinish', { numberOfKeys: 0, lua: FINISH });
    this.redis.defineCommand('nkSweep', { numberOfKeys: 0, lua: SWEEP });
    this.queueConnection = connectRedis(opts.redis, 'command', opts.log, 'buffer-queue');
    this.queue = new Queue('flush', { connection: this.queueConnection, prefix: `${this.p}:bull`, streams: { events: { maxLen: EVENTS_MAX_LEN } } });
    this.queue.on('error', bullmqErrorListener(opts.log, 'buffer queue'));
    this.waker = new DelayWaker(this.queueConnection, this.queue.keys.marker!, (err) => opts.log.warn({ err }, 'could not wake the buffer workers; a delayed flush may start late'));
    const reasons: ReleaseReason[] = ['idle', 'maxBatch', 'maxWait', 'flush', 'trigger', 'shutdown'];
    this.released = Object.fromEntries(reasons.map((r) => [r, opts.metrics.counter('buffer_released_total', { reason: r })])) as Record<ReleaseReason, Counter>;
    this.pushes = new PushQueue({
      redis: this.pushConnection, keyPrefix: this.keyPrefix, policy: this.policy, caller: this.caller, spoolMax: opts.spoolMax ?? 20_000,
      log: opts.log, metrics: opts.metrics, partitionOf: (chat) => this.partitionOf(chat), schedule: (part, at) => this.schedule(part, at),
    });
  }

  /** Messages accepted while Redis was unreachable and not stored yet. */
  get spooled(): number {
    return this.pushes.spooled;
  }

  /**
   * Stores the messages an earlier process on this `spoolDir` saved at its shutdown because Redis was away
   * (each call once, even if it had run after all), then deletes their files. Resolves how many were restored.
   */
  restoreSpool(): Promise<number> {
    return restoreSpools(this.spoolPlace(), (calls) => this.pushes.restore(calls));
  }

  /** Refuses to run beside processes that split chats into another number of partitions (see `checkPartitionCount`). */
  checkPartitions(): Promise<void> {
    return checkPartitionCount(this.redis, this.keyPrefix, this.p, this.partitions);
  }

  /** Queued for the end of this event-loop turn, then stored with every other push of the turn in one call. */
  push(message: InboundMessage, mode: PushMode = 'buffer'): Promise<PushResult> {
    if (this.closed) return Promise.reject(new ClosedError('redis buffer'));
    return this.pushes.push(message, mode);
  }

  consume(handler: BatchHandler, opts: ConsumeOptions): void {
    if (this.worker) throw new Error('BullMQBufferDriver.consume was already called');
    const lockMs = this.opts.lockMs ?? 10_000;
    const ctx: PartitionContext = {
      redis: this.redis,
      keyPrefix: this.keyPrefix,
      policy: this.policy,
      log: this.opts.log,
      metrics: this.opts.metrics,
      released: this.released,
      slots: new Slots(Math.max(1, Math.floor(opts.concurrency))),
      acks: new AckQueue(this.redis, this.keyPrefix, this.holder, this.policy),
      holder: this.holder,
      leaseMs: lockMs,
      lingerMs: this.opts.lingerMs ?? LINGER_MS,
      inHand: this.chatsInHand,
      isClosed: () => this.closed,
      schedule: (part, at) => this.schedule(part, at),
      delayJob: async (job, token, at) => {
        await job.moveToDelayed(at, token);
        this.waker.at(at);
        // A push that needed the partition sooner while this job was still active left its request with
        // BullMQ as a follower, which runs only once this job completes: ask again now that it is delayed.
        const wake = Number(await this.redis.get(`${this.keyPrefix}wake:${job.data.part}`));
        if (wake > 0 && wake < at) await this.schedule(job.data.part, wake);
      },
    };
    this.workerConnection = connectRedis(this.opts.redis, 'blocking', this.opts.log, 'buffer-worker');
    this.worker = new Worker('flush', (job: Job<{ part: number }>, token) => this.process(ctx, job, token ?? '', handler), {
      connection: this.workerConnection,
      prefix: `${this.p}:bull`,
      // Partition jobs only wait for their chats' batches: the batch limit is the slots', not BullMQ's.
      concurrency: this.partitions,
      lockDuration: lockMs,
      stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
      // A flush job must never fail for having stalled: the lists, not the job, hold the messages.
      maxStalledCount: 1_000_000,
    });
    this.leaseTimer = renewLease(this.redis, this.leaseKey, lockMs, this.opts.log);
    this.worker.on('error', bullmqErrorListener(this.opts.log, 'buffer worker'));
    this.worker.on('failed', (job, err) => this.opts.log.error({ err, partition: job?.data?.part }, 'flush job failed; it is retried, then the sweeper revives its chats'));
    const sweepMs = this.opts.sweepMs ?? 5000;
    const sweepFailed = bullmqErrorListener(this.opts.log, 'buffer sweep');
    this.sweeper = setInterval(() => void this.sweep().catch((err: unknown) => sweepFailed(toError(err))), sweepMs);
    this.sweeper.unref();
  }

  async clear(chatKey: ChatKey): Promise<number> {
    await this.pushes.settledSoFar(); // the clear goes on another connection than the pushes made before it
    const k = this.keyPrefix;
    return this.redis.nkClear(`${k}msgs:${chatKey}`, `${k}trig:${chatKey}`, `${k}meta:${chatKey}`, `${k}due:${this.partitionOf(chatKey)}`, chatKey);
  }

  /**
   * Stops taking batches; the batches in hand may finish within the time limit, else their partitions' jobs
   * are released for another worker. Messages stay in Redis: nothing is returned to persist (`unhandled` is
   * always empty).
   */
  close(opts: CloseOptions): Promise<CloseResult> {
    this.closing ??= this.shutdown(opts);
    return this.closing;
  }

  private async shutdown(opts: CloseOptions): Promise<CloseResult> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const started = Date.now();
    // Pushes accepted before close are stored and scheduled before the queue goes; what Redis, still away,
    // could not take is saved for the next start.
    await this.pushes.drain(opts.timeoutMs);
    this.keepSpooled();
    opts = { timeoutMs: Math.max(0, opts.timeoutMs - (Date.now() - started)) };
    if (this.worker) {
      const worker = this.worker;
      let timer: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        Promise.all([worker.close(), this.chatsInHand.settled()]).then(() => true),
        new Promise<false>((r) => (timer = setTimeout(() => r(false), opts.timeoutMs))),
      ]);
      clearTimeout(timer);
      if (!finished) {
        await releaseJobs(this.queue, [...this.jobsInHand.values()], this.opts.log);
        this.jobsInHand.clear();
        // A forced close still waits for the stuck processor in BullMQ 6; cut the worker's connection
        // instead, so nothing of it (lock renewals and acks included) reaches Redis any more.
        worker.removeAllListeners('error');
        worker.on('error', () => undefined);
        void worker.close(true).catch(() => undefined);
        this.workerConnection?.disconnect();
        this.redis.disconnect();
      } else {
        // BullMQ closes only the connections it made itself (the blocking one), not the one passed in.
        await this.workerConnection?.quit().catch(() => undefined);
      }
    }
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    // Whatever is still held here (a batch cut short) is taken back by the next worker that looks.
    await this.queueConnection.del(this.leaseKey).catch(() => undefined);
    this.waker.close();
    await this.queue.close();
    await this.queueConnection.quit().catch(() => undefined);
    await this.redis.quit().catch(() => undefined);
    return { unhandled: [] };
  }

  /** Saves (or, with no spoolDir, reports as lost) the pushes Redis did not answer before close, and cuts their connection. */
  private keepSpooled(): void {
    const left = this.pushes.abandon();
    if (left.length > 0) keepSpool(this.spoolPlace(), left);
    // Cut rather than quit: a call still queued must not reach Redis after it was saved.
    if (left.length > 0 || this.pushConnection.status !== 'ready') this.pushConnection.disconnect();
    else void this.pushConnection.quit().catch(() => undefined);
  }

  private spoolPlace(): SpoolPlace {
    return { dir: this.opts.spoolDir, prefix: this.p, caller: this.caller, log: this.opts.log, metrics: this.opts.metrics };
  }

  private async process(ctx: PartitionContext, job: Job<{ part: number }>, token: string, handler: BatchHandler): Promise<void> {
    this.jobsInHand.set(job.id!, { job, token });
    try {
      await runPartition(ctx, job, token, handler);
    } finally {
      this.jobsInHand.delete(job.id!);
    }
  }

  /** Makes sure the partition's job runs by `at` (ms since the epoch). */
  private async schedule(part: number, at: number): Promise<void> {
    const timestamp = Date.now();
    const delay = Math.max(0, at - timestamp);
    await this.queue.add('flush', { part }, { ...JOB_OPTIONS, timestamp, delay, deduplication: { id: `p${part}`, reschedule: true, keepLastIfActive: true } });
    if (delay > 0) this.waker.at(timestamp + delay);
  }

  /**
   * Asks for the job of every partition that lost it (SWEEP), or that holds a chat in this process's name
   * with no batch here (a claim's lost reply; judged only while no claim of this process there awaits its
   * reply). The job's first look puts held chats back (CLAIM, recover).
   */
  private async sweep(): Promise<void> {
    const rows = await this.redis.nkSweep(this.keyPrefix, this.holder, Date.now() - (this.opts.sweepMs ?? 5000), this.partitions);
    const inHand = this.chatsInHand;
    const lost = rows.flatMap(([needs, ...own], part) =>
      needs === 1 || (inHand.claimsUnanswered(part) === 0 && own.some((chat) => !inHand.has(part, chat))) ? [part] : [],
    );
    for (const part of lost) await this.schedule(part, 0);
    if (lost.length > 0) this.opts.metrics.count('buffer_swept_total', {}, lost.length);
  }

  private partitionOf(chat: ChatKey): number {
    return partitionOf(chat, this.partitions);
  }
}

/**
 * One job per partition across every process (deduplication keyed by partition): a delayed one is
 * rescheduled, an active one gets one follower. Removed once complete; a failed one is retried, then left
 * for the sweeper.
 */
const JOB_OPTIONS: JobsOptions = { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: 'exponential', delay: 200 } };
