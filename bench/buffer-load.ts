/**
 * What both processes of the buffer benchmark share: its settings, the producer, the consumer and the shape
 * of a run's result (bench/buffer.ts describes the benchmark; bench/buffer-worker.ts is the worker process
 * of its gateway + worker run).
 */
import { performance } from 'node:perf_hooks';
import type { BufferDriver, BufferPolicy } from '../core/buffer/index.js';
import type { Batch, ChatKey, InboundMessage } from '../core/message/index.js';
import type { RedisCost } from './buffer-redis.js';
import type { LoopStall } from './loop-watch.js';
import { buildWorkload, Recorder, type Workload } from './pipeline-workload.js';
import { envInt } from './stats.js';

export interface Settings {
  messages: number;
  chats: number;
  burst: number;
  warmup: number;
  inFlight: number;
  concurrency: number;
  handlerMs: number;
  settleMs: number;
  /** Offered load of the paced run, msg/s (0: no paced run), and its message count. */
  rate: number;
  pacedMessages: number;
  policy: BufferPolicy;
}

export function readSettings(): Settings {
  const debounceMs = envInt('BENCH_BUFFER_DEBOUNCE_MS', 50, 0);
  return {
    messages: envInt('BENCH_BUFFER_MESSAGES', 15_000),
    chats: envInt('BENCH_BUFFER_CHATS', 1_000),
    burst: envInt('BENCH_BUFFER_BURST', 5),
    warmup: envInt('BENCH_BUFFER_WARMUP', 15_000, 0),
    inFlight: envInt('BENCH_BUFFER_IN_FLIGHT', 256),
    concurrency: envInt('BENCH_BUFFER_CONCURRENCY', 50),
    handlerMs: envInt('BENCH_BUFFER_HANDLER_MS', 0, 0),
    settleMs: envInt('BENCH_BUFFER_SETTLE_MS', 500, 0),
    rate: envInt('BENCH_BUFFER_RATE', 30_000, 0),
    pacedMessages: envInt('BENCH_BUFFER_PACED_MESSAGES', 30_000),
    policy: { debounceMs, maxBatch: envInt('BENCH_BUFFER_MAX_BATCH', 10), maxWaitMs: envInt('BENCH_BUFFER_MAX_WAIT_MS', 1000, debounceMs) },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Producer

export interface Pushed {
  /** performance.now() before the first push and when the last push resolved. */
  startedAt: number;
  endedAt: number;
  rejected: number;
  firstError: unknown;
}

/**
 * Calls `push` for every message in order, with at most `limit` calls unresolved at any time; with `rate`
 * > 0, a burst (`burst` messages) is not started before first push + its first message's index / rate.
 */
export async function pushAll(messages: readonly InboundMessage[], push: (m: InboundMessage) => Promise<unknown>, limit: number, rate = 0, burst = 1): Promise<Pushed> {
  let outstanding = 0;
  let rejected = 0;
  let firstError: unknown;
  let endedAt = 0;
  let wake: (() => void) | undefined;
  const settled = (): void => {
    outstanding--;
    endedAt = performance.now();
    const w = wake;
    wake = undefined;
    w?.();
  };
  const failed = (err: unknown): void => {
    rejected++;
    firstError ??= err;
    settled();
  };
  const startedAt = performance.now();
  for (let i = 0; i < messages.length; i++) {
    if (rate > 0 && i % burst === 0) {
      const wait = startedAt + (i * 1000) / rate - performance.now();
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    while (outstanding >= limit) await new Promise<void>((resolve) => (wake = resolve));
    outstanding++;
    push(messages[i]!).then(settled, failed);
  }
  while (outstanding > 0) await new Promise<void>((resolve) => (wake = resolve));
  return { startedAt, endedAt, rejected, firstError };
}

export const inOrder = (w: Workload): InboundMessage[] => w.bursts.flat();

/** The warm-up's messages (BENCH_BUFFER_WARMUP), on chats of their own (`warm<n>`). */
export const warmUpWorkload = (warmup: number, chats: number, burst: number): Workload => buildWorkload(warmup, Math.min(chats, Math.ceil(warmup / burst)), burst, 'warm');

// ---------------------------------------------------------------------------------------------------------
// Runs

export interface RunResult {
  name: string;
  messages: number;
  pushed: Pushed;
  /** Event-loop utilisation over the push phase (first push → last push resolved); the driver runs only. */
  pushElu?: number;
  /** This process's event loop over the run (first push → last batch handled); the driver runs only. */
  stall?: LoopStall;
  /** first push → last handler settled, ms (NaN for the floor). */
  totalMs: number;
  /** Sorted, ms beyond the window, one per batch. */
  latencies: Float64Array;
  batches: number;
  reasons: Record<string, number>;
  clientCpuUs: number;
  redis: RedisCost | undefined;
  check: { ok: boolean; detail: string };
}

export const ingestRate = (r: RunResult): number => r.messages / ((r.pushed.endedAt - r.pushed.startedAt) / 1000);

/** The consumer: records every batch and watches per-chat overlap and sequence numbers. */
export class Consumer {
  readonly recorder: Recorder;
  overlaps = 0;
  seqErrors: string[] = [];
  lastHandledAt = 0;
  private readonly inFlight = new Map<ChatKey, number>();
  private readonly nextSeq = new Map<ChatKey, number>();

  constructor(
    workload: Workload,
    policy: BufferPolicy,
    private readonly handlerMs: number,
  ) {
    this.recorder = new Recorder(workload, policy);
  }

  /** What the recorder, the overlap watch and the sequence check found wrong; empty when all is well. */
  problems(complete: boolean): string[] {
    const problems: string[] = [];
    const check = this.recorder.check();
    if (!check.ok) problems.push(check.detail);
    if (!complete) problems.push('timed out waiting for the last batches');
    if (this.overlaps > 0) problems.push(`${this.overlaps} batches started while the same chat had one in flight`);
    if (this.seqErrors.length > 0) problems.push(`${this.seqErrors.length} sequence errors: ${this.seqErrors.filter(Boolean).join('; ')}`);
    return problems;
  }

  /** A method, not a closure per consumer: a kept driver's code stays optimised from one run's consumer to the next. */
  async handle(batch: Batch): Promise<void> {
    this.recorder.onBatch(batch);
    const key = batch.chatKey;
    const running = this.inFlight.get(key) ?? 0;
    if (running > 0) this.overlaps++;
    this.inFlight.set(key, running + 1);
    const want = this.nextSeq.get(key) ?? 1;
    if (batch.lane !== 'buffered' || batch.firstSeq !== want || batch.lastSeq - batch.firstSeq + 1 !== batch.messages.length) {
      if (this.seqErrors.length < 3) this.seqErrors.push(`${key}: ${batch.lane} batch ${batch.firstSeq}..${batch.lastSeq} of ${batch.messages.length}, expected to start at ${want}`);
      else this.seqErrors.push('');
    }
    this.nextSeq.set(key, Math.max(want, batch.lastSeq + 1));
    try {
      if (this.handlerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.handlerMs));
      else await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.inFlight.set(key, this.inFlight.get(key)! - 1);
      this.lastHandledAt = performance.now();
    }
  }
}

/**
 * A driver kept for every run of a bench process, as a bot keeps its driver for its lifetime: each run hands it
 * a consumer of its own (with a workload of its own chats). A fresh driver per run was measured with its code
 * still being optimised: V8 throws away code optimised for objects that were collected, and recompiles.
 */
export class KeptDriver {
  private consumer: Consumer | undefined;

  constructor(
    readonly driver: BufferDriver,
    concurrency: number,
  ) {
    driver.consume((batch) => this.consumer!.handle(batch), { concurrency });
  }

  consumeWith(consumer: Consumer): void {
    this.consumer = consumer;
  }
}

