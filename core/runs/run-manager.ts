import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { NekomataError, toError } from '../errors/index.js';
import type { Disposer } from '../hooks/index.js';
import { executeRun, type ActiveRun, type RunDeps } from './run-execution.js';
import { FINAL_STATUSES, isFinal, type RunExport, type RunRecord, type RunRequest, type RunStatus } from './run-types.js';

/** A run id that names no stored run. */
export class RunNotFoundError extends NekomataError {
  constructor(readonly runId: string) {
    super('RUN_NOT_FOUND', `no run ${runId} is stored: it never existed, or it was evicted (RUN_KEEP finished runs are kept)`);
  }
}

/** Where runs wait for a worker: this process (embedded), or a BullMQ queue that any worker takes from. */
export interface RunQueue {
  readonly description: string;
  /** Queued and running runs outlive this process (BullMQ hands them to another worker); else they are lost with it. */
  readonly durable: boolean;
  /** Starts taking runs: `execute` runs one in this process. */
  start(execute: (id: string, signal?: AbortSignal) => Promise<void>): void;
  enqueue(record: RunRecord): Promise<void>;
  /** Takes back a run no worker has started; true when it was taken back. */
  dequeue(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** A queue in this process: a run starts on the next turn of the event loop. */
export class LocalRunQueue implements RunQueue {
  readonly description = 'in process';
  readonly durable = false;
  private readonly waiting = new Set<string>();
  private execute: ((id: string) => Promise<void>) | undefined;

  start(execute: (id: string) => Promise<void>): void {
    this.execute = execute;
  }

  enqueue(record: RunRecord): Promise<void> {
    this.waiting.add(record.id);
    setImmediate(() => {
      if (!this.waiting.delete(record.id)) return;
      void this.execute?.(record.id);
    });
    return Promise.resolve();
  }

  dequeue(id: string): Promise<boolean> {
    return Promise.resolve(this.waiting.delete(id));
  }

  close(): Promise<void> {
    this.waiting.clear();
    return Promise.resolve();
  }
}

/**
 * What `wait` allows beyond a run's own limits by default: its run starts after the call (queued, taken by a
 * worker) and its final state is stored after its limit. Without it a run that timed out was sometimes
 * returned still `running` (the wait's timer and the run's went off together).
 */
const WAIT_SLACK_MS = 5_000;

/**
 * Runs: long tasks started from an entry, through the API, by a command or by another plugin (N.E.K.O's
 * `/runs`). Each is stored (the KV store: SQLite, or Redis in a cluster) through queued → running → a final
 * state, with progress, stage, message, metrics and exports; cancel aborts the entry's signal and abandons it
 * after a grace period.
 */
export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private readonly executing = new Set<Promise<void>>();
  private stopCancelWatch: Disposer | undefined;
  /** The last `createdAt` given here: runs created one after another in one millisecond still get an order. */
  private lastCreatedAt = 0;

  constructor(
    private readonly deps: RunDeps,
    private readonly queue: RunQueue,
  ) {}

  get description(): string {
    return this.queue.description;
  }

  /** Takes runs from the queue; marks runs a stopped process left unfinished (embedded) as failed. */
  async start(): Promise<void> {
    if (!this.queue.durable) await this.recover();
    // A cancel asked in another process reaches the one executing the run through the bus.
    this.stopCancelWatch = this.deps.runsTopic.watch({ type: 'cancel' }, (r) => {
      const { id, reason } = r.payload as { id: string; reason: string };
      this.active.get(id)?.cancel(reason);
    });
    this.queue.start((id, signal) => this.execute(id, signal));
  }

  async close(): Promise<void> {
    this.stopCancelWatch?.();
    for (const run of this.active.values()) run.cancel('the app is stopping');
    // Canceled runs finish within the grace period (abandoned at its end), so their final state is written.
    await Promise.allSettled([...this.executing]);
    await this.queue.close();
  }

  /** Stores a queued run of `request.entry` and hands it to the queue; resolves with the queued record. */
  async create(request: RunRequest): Promise<RunRecord> {
    // Strictly increasing in this process (a millisecond ahead at most per run created in the same one): which
    // runs are the newest (RUN_KEEP) and the listing's order follow it, and ids are random.
    const now = (this.lastCreatedAt = Math.max(Date.now(), this.lastCreatedAt + 1));
    const record: RunRecord = {
      id: randomUUID(), plugin: request.plugin, entry: request.entry, args: request.args ?? {}, status: 'queued', startedBy: request.startedBy,
      createdAt: now, updatedAt: now, progress: 0, stage: '', message: '', metrics: {},
    };
    await this.deps.store.put(record);
    this.deps.runsTopic.publish({ type: 'queued', plugin: record.plugin, payload: { id: record.id, entry: record.entry } });
    await this.queue.enqueue(record);
    return record;
  }

  async get(id: string): Promise<RunRecord> {
    const record = await this.deps.store.get(id);
    if (!record) throw new RunNotFoundError(id);
    return record;
  }

  /** Stored runs, oldest first; `plugin` and `status` narrow the list. */
  async list(q: { plugin?: string; status?: RunStatus } = {}): Promise<RunRecord[]> {
    return (await this.deps.store.list()).filter((r) => (q.plugin === undefined || r.plugin === q.plugin) && (q.status === undefined || r.status === q.status));
  }

  async exports(id: string): Promise<RunExport[]> {
    await this.get(id);
    return this.deps.store.exports(id);
  }

  /**
   * Cancels a run: a queued one at once; a running one gets its signal aborted and is abandoned if it has not
   * stopped after the grace period. A finished run is returned as it is.
   */
  async cancel(id: string, reason = 'canceled'): Promise<RunRecord> {
    const record = await this.get(id);
    if (isFinal(record.status)) return record;
    if (record.status === 'queued' && (await this.queue.dequeue(id))) {
      const now = Date.now();
      const canceled: RunRecord = { ...record, status: 'canceled', cancelRequested: { reason, at: now }, finishedAt: now, updatedAt: now };
      await this.deps.store.put(canceled);
      this.deps.runsTopic.publish({ type: 'canceled', plugin: record.plugin, payload: { id, status: 'canceled' } });
      return canceled;
    }
    const local = this.active.get(id);
    if (local) local.cancel(reason);
    else this.deps.runsTopic.publish({ type: 'cancel', plugin: record.plugin, payload: { id, reason } });
    return this.get(id);
  }

  /**
   * Resolves with the run once it is final, or with it as it is after `timeoutMs`: by default the longest a run
   * may take once started (RUN_TIMEOUT_MS + RUN_CANCEL_GRACE_MS) and WAIT_SLACK_MS for it to start and be stored.
   */
  async wait(id: string, timeoutMs = this.deps.settings.timeoutMs + this.deps.settings.cancelGraceMs + WAIT_SLACK_MS): Promise<RunRecord> {
    let stop: Disposer | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const changed = new Promise<void>((resolve) => {
        stop = this.deps.runsTopic.watch({ type: [...FINAL_STATUSES] }, (r) => {
          if ((r.payload as { id?: string }).id === id) resolve();
        });
        timer = setTimeout(resolve, timeoutMs);
      });
      const now = await this.get(id);
      if (isFinal(now.status)) return now;
      await changed;
      return await this.get(id);
    } finally {
      stop?.();
      clearTimeout(timer);
    }
  }

  private execute(id: string, signal?: AbortSignal): Promise<void> {
    const run = this.executeOne(id, signal);
    this.executing.add(run);
    return run.finally(() => this.executing.delete(run));
  }

  private async executeOne(id: string, signal?: AbortSignal): Promise<void> {
    try {
      await executeRun(this.deps, id, this.active, signal);
    } catch (err) {
      this.deps.metrics.count('run_errors_total');
      this.deps.log.error({ err: toError(err), run: id }, `run ${id} could not be executed`);
    }
    await this.evict().catch((err: unknown) => this.deps.log.warn({ err: toError(err) }, 'evicting old runs failed; it is tried again after the next run'));
  }

  private async evict(): Promise<void> {
    for (const old of await this.deps.store.surplus(this.deps.settings.keep)) {
      await this.deps.store.delete(old.id);
      fs.rmSync(this.deps.blobDir(old.plugin, old.id), { recursive: true, force: true });
    }
  }

  private async recover(): Promise<void> {
    for (const r of await this.deps.store.list()) {
      if (isFinal(r.status)) continue;
      const now = Date.now();
      await this.deps.store.put({
        ...r, status: 'failed', finishedAt: now, updatedAt: now,
        error: { code: 'INTERRUPTED', message: `the process stopped while the run was ${r.status}; start it again` },
      });
    }
  }
}
