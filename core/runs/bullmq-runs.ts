import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { NekomataError } from '../errors/index.js';
import { bullmqErrorListener, connectRedis, redactUrl, type RedisSettings } from '../redis/index.js';
import type { RunQueue } from './run-manager.js';
import type { RunRecord } from './run-types.js';

const QUEUE = 'runs';

/**
 * Runs as BullMQ jobs (`REDIS_URL`): any process's worker takes a run, BullMQ's stalled-job recovery hands a
 * run whose worker died to another, and cancel reaches the worker through BullMQ's own job cancellation
 * (`worker.cancelJob`, which aborts the processor's signal). The job id is the run id.
 */
export class BullMQRunQueue implements RunQueue {
  readonly description: string;
  readonly durable = true;
  private readonly queue: Queue<{ id: string }>;
  private worker: Worker<{ id: string }> | undefined;
  // BullMQ leaves connections it was given open at close: these are quit here.
  private readonly connections: Redis[] = [];

  constructor(private readonly opts: { redis: RedisSettings; log: Logger; concurrency: number }) {
    this.description = `BullMQ at ${redactUrl(opts.redis.url)}`;
    const connection = connectRedis(opts.redis, 'patient', opts.log, 'runs');
    this.connections.push(connection);
    this.queue = new Queue(QUEUE, { connection, prefix: `${opts.redis.prefix}:bull` });
    this.queue.on('error', bullmqErrorListener(opts.log, 'run queue'));
  }

  start(execute: (id: string, signal?: AbortSignal) => Promise<void>): void {
    const connection = connectRedis(this.opts.redis, 'blocking', this.opts.log, 'runs-worker');
    this.connections.push(connection);
    this.worker = new Worker<{ id: string }>(QUEUE, (job, _token, signal) => execute(job.data.id, signal), {
      connection,
      prefix: `${this.opts.redis.prefix}:bull`,
      concurrency: this.opts.concurrency,
    });
    this.worker.on('error', bullmqErrorListener(this.opts.log, 'run worker'));
  }

  async enqueue(record: RunRecord): Promise<void> {
    try {
      // The store keeps the record; the job only says which run to execute.
      await this.queue.add('run', { id: record.id }, { jobId: record.id, removeOnComplete: true, removeOnFail: true });
    } catch (err) {
      throw new NekomataError('PLUGIN_COMMUNICATION', `run ${record.id} could not be queued in Redis: ${String(err)}; start it again once Redis is back`, { cause: err });
    }
  }

  async dequeue(id: string): Promise<boolean> {
    const job = await this.queue.getJob(id);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
    // remove() refuses a job a worker has just locked, so a run is never both started and canceled as queued.
    return job.remove().then(() => true, () => false);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    for (const c of this.connections) await c.quit().catch(() => c.disconnect());
  }
}
