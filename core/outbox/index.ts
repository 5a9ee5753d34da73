import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Adapter, SendResult } from '../adapter/index.js';
import { NekomataError, UnavailableError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey, Segment } from '../message/index.js';
import type { Metrics } from '../metrics/index.js';
import { bullmqErrorListener, claimOnce, connectRedis, type RedisSettings } from '../redis/index.js';

/** What a send through the outbox resolves: the platform's answer, or that the key was sent before. */
export interface Delivery extends SendResult {
  /** A send with this key already went out (or was being sent) on some process: nothing was sent now. */
  duplicate?: true;
}

/**
 * Replies produced where no connection to the platform is held (a worker) travel through an outbox to a
 * process that holds one (a gateway), and the platform's answer (message id or error) comes back. A send
 * with a key (a session's reply, see `replyKey`) goes out at most once across every process, however often
 * it is asked for: a batch run again after an outage or a takeover does not repeat its replies.
 */
export interface Outbox {
  send(adapter: string, chatKey: ChatKey, segments: Segment[], key?: string): Promise<Delivery>;
  /**
   * Runs `send` (a send to an adapter this process holds) unless a send with `key` already ran. Waits for
   * Redis while it is away: a claim given up could still land later and hold the key for nobody.
   */
  sendOnce(key: string, send: () => Promise<SendResult>): Promise<Delivery>;
  /** Serves sends for an adapter this process holds; the returned function stops serving. */
  serve(adapter: Adapter): Disposer;
  close(): Promise<void>;
}

/** The platform refused a send made through the outbox; `message` is the gateway's error. */
export class OutboxSendError extends NekomataError {
  constructor(readonly adapter: string, message: string) {
    super('SEND_FAILED', `sending through ${adapter} failed on the gateway: ${message}`);
  }
}

/** No gateway answered in time (or Redis was away that long): the message may or may not have gone out. */
export class OutboxTimeoutError extends UnavailableError {
  constructor(readonly adapter: string, ms: number) {
    super(`no gateway serving ${adapter} answered within ${ms} ms: delivery unknown (is a gateway with that adapter running, and Redis reachable?)`, { code: 'SEND_UNKNOWN' });
  }
}

interface SendJob {
  chatKey: ChatKey;
  segments: Segment[];
}

/**
 * How long a sent key is remembered: far longer than a batch takes to be run again (a dead worker's lease,
 * an outage), short enough that the keys of a busy bot stay a few megabytes.
 */
const SENT_TTL_MS = 3600_000;

/** How long a gateway's hold on a send job lasts unrenewed (renewed every half while the send runs). */
const OUTBOX_LOCK_MS = 5000;

/**
 * The outbox on BullMQ: one queue per adapter (`outbox-<adapter>`), served by gateways holding it. Each send is
 * a job whose id is its key (a random one when it has none), on a patient connection: an add made while Redis
 * is away waits for it (within the send's time limit), and one sent twice by the client (its reply lost with
 * the connection) adds one job. The gateway sets `outbox:sent:<key>` before it sends: a job run again (stalled,
 * or added again after its first job was removed) finds it set and sends nothing.
 */
export class BullMQOutbox implements Outbox {
  private readonly queues = new Map<string, { queue: Queue<SendJob, Delivery>; events: QueueEvents }>();
  private readonly workers = new Set<Worker>();
  private readonly connection;
  private readonly timeoutMs: number;
  private closing = false;
  /** Sends waiting for their gateway's answer: failed as unavailable when this outbox closes. */
  private readonly waiting = new Set<(err: Error) => void>();

  constructor(private readonly opts: { redis: RedisSettings; log: Logger; metrics: Metrics; timeoutMs?: number; concurrency?: number }) {
    this.connection = connectRedis(opts.redis, 'patient', opts.log, 'outbox');
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  async send(adapter: string, chatKey: ChatKey, segments: Segment[], key?: string): Promise<Delivery> {
    const { queue, events } = this.channel(adapter);
    const deadline = Date.now() + this.timeoutMs;
    const timedOut = (): OutboxTimeoutError => new OutboxTimeoutError(adapter, this.timeoutMs);
    const jobId = key ?? `s${randomUUID()}`;
    const job = await beforeDeadline(
      events.waitUntilReady().then(() => queue.add('send', { chatKey, segments }, { jobId, removeOnComplete: { age: 300 }, removeOnFail: { age: 3600 }, attempts: 1 })),
      deadline,
      timedOut,
    );
    let stop!: (err: Error) => void;
    const stopped = new Promise<never>((_, reject) => this.waiting.add((stop = reject)));
    try {
      return (await Promise.race([job.waitUntilFinished(events, Math.max(1, deadline - Date.now())), stopped])) ?? {};
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/timed out/i.test(message)) throw timedOut();
      // This process is stopping: the gateway did not refuse the reply, it is still to be sent (or was).
      if (this.closing) throw new UnavailableError(`the outbox closed while a reply through ${adapter} waited for its gateway: delivery unknown`, { code: 'SEND_UNKNOWN', cause: err });
      throw new OutboxSendError(adapter, message);
    } finally {
      this.waiting.delete(stop);
    }
  }

  sendOnce(key: string, send: () => Promise<SendResult>): Promise<Delivery> {
    return this.guarded(key, send);
  }

  serve(adapter: Adapter): Disposer {
    // While Redis is away the job waits in its claim; its sender times out on its side and runs its batch again.
    const worker = new Worker<SendJob, Delivery>(`outbox-${adapter.name}`, (job) => this.guarded(job.id!, () => adapter.send(job.data.chatKey, job.data.segments)), {
      connection: connectRedis(this.opts.redis, 'blocking', this.opts.log, `outbox-worker-${adapter.name}`),
      prefix: `${this.opts.redis.prefix}:bull`,
      concurrency: this.opts.concurrency ?? 16,
      // A job taken while Redis went away (its reply to the taker lost) sits active under a lock nobody renews
      // until the lock lapses and the stalled check puts it back: seconds, not BullMQ's default 30 + 30 s, since
      // a reply waits on it. Running a send again is harmless (the claim above refuses a key already sent).
      lockDuration: OUTBOX_LOCK_MS,
      stalledInterval: OUTBOX_LOCK_MS / 2,
      maxStalledCount: 1_000_000,
    });
    worker.on('error', bullmqErrorListener(this.opts.log, 'outbox worker', { adapter: adapter.name }));
    this.workers.add(worker);
    return () => {
      this.workers.delete(worker);
      void worker.close();
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const stop of this.waiting) stop(new Error('the outbox closed'));
    this.waiting.clear();
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    for (const { queue, events } of this.queues.values()) await Promise.all([queue.close(), events.close()]);
    this.queues.clear();
    if (this.connection.status === 'ready') await this.connection.quit().catch(() => undefined);
    else this.connection.disconnect();
  }

  /**
   * Sends unless `key` was claimed by another send: the claim (SET NX, with GET) carries a token of this call,
   * so the same claim sent twice by ioredis (its first reply lost) still finds itself the owner. Never given
   * up on while Redis is away (patient connection): a claim abandoned could land later and block the key.
   */
  private async guarded(key: string, send: () => Promise<SendResult>): Promise<Delivery> {
    const token = randomUUID();
    if (!(await claimOnce(this.connection, `${this.opts.redis.prefix}:outbox:sent:${key}`, token, SENT_TTL_MS))) {
      this.opts.metrics.count('outbox_duplicates_total', {});
      return { duplicate: true };
    }
    return send();
  }

  private channel(adapter: string) {
    let c = this.queues.get(adapter);
    if (!c) {
      const name = `outbox-${adapter}`;
      const prefix = `${this.opts.redis.prefix}:bull`;
      c = {
        queue: new Queue<SendJob, Delivery>(name, { connection: this.connection, prefix }),
        events: new QueueEvents(name, { connection: connectRedis(this.opts.redis, 'blocking', this.opts.log, `outbox-events-${adapter}`), prefix }),
      };
      // Every reply waiting for its result listens on these: many at once is normal, not a leak.
      c.queue.setMaxListeners(0);
      c.events.setMaxListeners(0);
      c.queue.on('error', bullmqErrorListener(this.opts.log, 'outbox queue', { adapter }));
      c.events.on('error', bullmqErrorListener(this.opts.log, 'outbox events', { adapter }));
      this.queues.set(adapter, c);
    }
    return c;
  }
}

/** `work`, or the error `late()` makes once `deadline` (ms since the epoch) has passed; `work` itself goes on. */
function beforeDeadline<T>(work: Promise<T>, deadline: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()))));
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
