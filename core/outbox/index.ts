import { Queue, QueueEvents, Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Adapter, SendResult } from '../adapter/index.js';
import { NekomataError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { ChatKey, Segment } from '../message/index.js';
import { connectRedis, type RedisSettings } from '../redis/index.js';

/**
 * Replies produced where no connection to the platform is held (a worker) travel through an outbox to a
 * process that holds one (a gateway), and the platform's answer (message id or error) comes back.
 */
export interface Outbox {
  send(adapter: string, chatKey: ChatKey, segments: Segment[]): Promise<SendResult>;
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

/** No gateway answered in time: the message may or may not have reached the platform. */
export class OutboxTimeoutError extends NekomataError {
  constructor(readonly adapter: string, ms: number) {
    super('SEND_UNKNOWN', `no gateway serving ${adapter} answered within ${ms} ms: delivery unknown (is a gateway with that adapter running?)`);
  }
}

interface SendJob {
  chatKey: ChatKey;
  segments: Segment[];
}

/** The outbox on BullMQ: one queue per adapter (`outbox-<adapter>`), served by gateways holding it. */
export class BullMQOutbox implements Outbox {
  private readonly queues = new Map<string, { queue: Queue<SendJob, SendResult>; events: QueueEvents }>();
  private readonly workers = new Set<Worker>();
  private readonly connection;

  constructor(private readonly opts: { redis: RedisSettings; log: Logger; timeoutMs?: number; concurrency?: number }) {
    this.connection = connectRedis(opts.redis, 'command', opts.log, 'outbox');
  }

  async send(adapter: string, chatKey: ChatKey, segments: Segment[]): Promise<SendResult> {
    const { queue, events } = this.channel(adapter);
    await events.waitUntilReady();
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const job = await queue.add('send', { chatKey, segments }, { removeOnComplete: { age: 300 }, removeOnFail: { age: 3600 }, attempts: 1 });
    try {
      return (await job.waitUntilFinished(events, timeoutMs)) ?? {};
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/timed out|timeout/i.test(message)) throw new OutboxTimeoutError(adapter, timeoutMs);
      throw new OutboxSendError(adapter, message);
    }
  }

  serve(adapter: Adapter): Disposer {
    const worker = new Worker<SendJob, SendResult>(`outbox-${adapter.name}`, (job) => adapter.send(job.data.chatKey, job.data.segments), {
      connection: connectRedis(this.opts.redis, 'blocking', this.opts.log, `outbox-worker-${adapter.name}`),
      prefix: `${this.opts.redis.prefix}:bull`,
      concurrency: this.opts.concurrency ?? 16,
    });
    worker.on('error', (err) => this.opts.log.error({ err, adapter: adapter.name }, 'outbox worker error'));
    this.workers.add(worker);
    return () => {
      this.workers.delete(worker);
      void worker.close();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    for (const { queue, events } of this.queues.values()) await Promise.all([queue.close(), events.close()]);
    this.queues.clear();
    await this.connection.quit().catch(() => undefined);
  }

  private channel(adapter: string) {
    let c = this.queues.get(adapter);
    if (!c) {
      const name = `outbox-${adapter}`;
      const prefix = `${this.opts.redis.prefix}:bull`;
      c = {
        queue: new Queue<SendJob, SendResult>(name, { connection: this.connection, prefix }),
        events: new QueueEvents(name, { connection: connectRedis(this.opts.redis, 'blocking', this.opts.log, `outbox-events-${adapter}`), prefix }),
      };
      // Every reply waiting for its result listens on these: many at once is normal, not a leak.
      c.queue.setMaxListeners(0);
      c.events.setMaxListeners(0);
      c.queue.on('error', (err) => this.opts.log.error({ err, adapter }, 'outbox queue error'));
      c.events.on('error', (err) => this.opts.log.error({ err, adapter }, 'outbox events error'));
      this.queues.set(adapter, c);
    }
    return c;
  }
}
