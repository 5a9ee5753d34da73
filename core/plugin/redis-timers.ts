import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import type { Metrics } from '../metrics/index.js';
import { bullmqErrorListener, claimOnce, connectRedis, redactUrl, type RedisSettings } from '../redis/index.js';
import type { TimerDeclaration, TimerDriver } from './plugin-timer.js';

const QUEUE = 'timers';
type TickJob = { plugin: string; timer: string };

/**
 * Timers on Redis (`REDIS_URL`): each is a BullMQ job scheduler (`upsertJobScheduler`, id `<plugin>:<timer>`),
 * so a tick is one job, taken by one process of the cluster, not one per process. Every process upserts the
 * same scheduler (idempotent); disabling or unloading the plugin removes it, while stopping the app does not,
 * so the other processes keep the schedule. A tick that finds its timer still running elsewhere is skipped and
 * counted (a `SET NX` mark held while it runs, carrying the run's token).
 */
export class RedisTimers implements TimerDriver {
  readonly description: string;
  private readonly queue: Queue<TickJob>;
  private readonly worker: Worker<TickJob>;
  private readonly redis: Redis;
  private readonly connections: Redis[];
  private readonly local = new Map<string, (scheduledAt: number) => Promise<void>>();
  private closing = false;

  constructor(private readonly opts: { redis: RedisSettings; log: Logger; metrics: Metrics; markMs: number }) {
    this.description = `BullMQ job schedulers at ${redactUrl(opts.redis.url)}`;
    const prefix = `${opts.redis.prefix}:bull`;
    this.redis = connectRedis(opts.redis, 'command', opts.log, 'timers');
    const blocking = connectRedis(opts.redis, 'blocking', opts.log, 'timers-worker');
    this.connections = [this.redis, blocking];
    this.queue = new Queue<TickJob>(QUEUE, { connection: this.redis, prefix });
    this.queue.on('error', bullmqErrorListener(opts.log, 'timer queue'));
    this.worker = new Worker<TickJob>(QUEUE, (job) => this.tick(job.data, dueAt(job.id, job.timestamp)), {
      connection: blocking, prefix, concurrency: 16,
    });
    this.worker.on('error', bullmqErrorListener(opts.log, 'timer worker'));
  }

  start(pluginKey: string, timer: TimerDeclaration, fire: (scheduledAt: number) => Promise<void>): Disposer {
    const id = `${pluginKey}:${timer.id}`;
    this.local.set(id, fire);
    this.schedule(id, pluginKey, timer).catch((err: unknown) => this.failed(id, 'could not be scheduled', err));
    return () => {
      if (this.local.get(id) === fire) this.local.delete(id);
      if (this.closing) return;
      this.queue.removeJobScheduler(id).catch((err: unknown) => this.failed(id, 'could not be unscheduled', err));
    };
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.close();
    await this.queue.close();
    for (const c of this.connections) await c.quit().catch(() => c.disconnect());
  }

  /**
   * Every process upserts the same scheduler; BullMQ names each tick's job after its due time
   * (`repeat:<id>:<ms>`), so however many processes upsert, a tick is one job.
   */
  private async schedule(id: string, pluginKey: string, timer: TimerDeclaration): Promise<void> {
    const s = timer.schedule;
    const repeat = 'every' in s ? { every: s.every } : { pattern: s.cron, ...(s.timezone ? { tz: s.timezone } : {}) };
    await this.queue.upsertJobScheduler(id, repeat, { name: 'tick', data: { plugin: pluginKey, timer: timer.id }, opts: { removeOnComplete: true, removeOnFail: true } });
  }

  private async tick(job: TickJob, scheduledAt: number): Promise<void> {
    const id = `${job.plugin}:${job.timer}`;
    const fire = this.local.get(id);
    if (!fire) {
      // The plugin is not enabled in this process (or this process is stopping): the tick is lost, and said so.
      this.opts.metrics.count('plugin_timer_unowned_total', { plugin: job.plugin, timer: job.timer });
      return;
    }
    const mark = `${this.opts.redis.prefix}:timers:running:${id}`;
    const token = randomUUID();
    if (!(await claimOnce(this.redis, mark, token, this.opts.markMs))) {
      this.opts.metrics.count('plugin_timer_skipped_total', { plugin: job.plugin, timer: job.timer });
      return;
    }
    try {
      await fire(scheduledAt);
    } finally {
      if ((await this.redis.get(mark)) === token) await this.redis.del(mark);
    }
  }

  private failed(id: string, what: string, err: unknown): void {
    this.opts.metrics.count('plugin_timer_schedule_errors_total', { timer: id });
    this.opts.log.error({ err: toError(err), timer: id }, `timer ${id} ${what} in Redis`);
  }
}

/** When a scheduler's tick was due: BullMQ names the job `repeat:<scheduler id>:<due ms>`. */
function dueAt(jobId: string | undefined, fallback: number): number {
  const due = Number(jobId?.slice(jobId.lastIndexOf(':') + 1));
  return Number.isFinite(due) && due > 0 ? due : fallback;
}
