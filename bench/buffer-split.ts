import { fork } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { BullMQBufferDriver, type BufferPolicy } from '../core/buffer/index.js';
import { Metrics } from '../core/metrics/index.js';
import type { Logger } from 'pino';
import { startRedisAccounting } from './buffer-redis.js';
import { inOrder, pushAll, warmUpWorkload, type RunResult, type Settings } from './buffer-load.js';
import type { Workload } from './pipeline-workload.js';

/** Parent → worker: what to consume and how. */
export interface WorkerStart {
  url: string;
  prefix: string;
  messages: number;
  chats: number;
  burst: number;
  /** Messages the gateway pushes first, untimed, for the worker to consume before the measured run. */
  warmup: number;
  policy: BufferPolicy;
  concurrency: number;
  handlerMs: number;
  settleMs: number;
  timeoutMs: number;
}

/** Worker → parent, once every message was handled (or the time ran out) and the settle time passed. */
export interface WorkerDone {
  type: 'done';
  latencies: number[];
  batches: number;
  reasons: Record<string, number>;
  lastHandledEpochMs: number;
  cpuUs: number;
  problems: string[];
  detail: string;
}

type WorkerReport = { type: 'warming' } | { type: 'ready' } | WorkerDone | { type: 'failed'; error: string };

const workerEntry = path.resolve(import.meta.dirname, 'buffer-worker.ts');

/**
 * The paced run with the roles apart, as `ROLE=gateway` and `ROLE=worker` run them: this process pushes
 * (the gateway's part) and a forked worker process consumes, both on the BullMQ driver and one prefix. The
 * same workload and checks as the one-process runs; client CPU is both processes'.
 */
export async function runSplit(name: string, workload: Workload, s: Settings, url: string, prefix: string, log: Logger, admin: Redis, rate: number): Promise<RunResult> {
  const child = fork(workerEntry, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reports: WorkerReport[] = [];
  let notify: (() => void) | undefined;
  child.on('message', (m: WorkerReport) => {
    reports.push(m);
    notify?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = async (type: WorkerReport['type']): Promise<WorkerReport> => {
    for (;;) {
      const found = reports.find((r) => r.type === type || r.type === 'failed');
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the bench worker process exited (${child.exitCode}) before "${type}"`);
      await Promise.race([new Promise<void>((resolve) => (notify = resolve)), exited]);
    }
  };
  const driver = new BullMQBufferDriver(s.policy, { redis: { url, prefix }, log, metrics: new Metrics() });
  try {
    await driver.clear('bench-private_none');
    const start: WorkerStart = {
      url, prefix, messages: workload.messages, chats: workload.chats, burst: workload.burstSize, warmup: s.warmup, policy: s.policy,
      concurrency: s.concurrency, handlerMs: s.handlerMs, settleMs: s.settleMs, timeoutMs: s.policy.maxWaitMs + 30_000,
    };
    child.send(start);
    if (s.warmup > 0) {
      // Both processes run long in production: the warm-up goes through this driver and the worker's, untimed.
      const warming = await next('warming');
      if (warming.type === 'failed') throw new Error(`the bench worker process failed: ${warming.error}`);
      const warm = warmUpWorkload(s.warmup, s.chats, s.burst);
      const pushed = await pushAll(inOrder(warm), (m) => driver.push(m), s.inFlight, rate, warm.burstSize);
      if (pushed.rejected > 0) throw new Error(`${pushed.rejected} warm-up pushes rejected, first: ${String(pushed.firstError)}`);
    }
    const ready = await next('ready');
    if (ready.type === 'failed') throw new Error(`the bench worker process failed: ${ready.error}`);
    const accounting = await startRedisAccounting(admin);
    const cpu = process.cpuUsage();
    const pushed = await pushAll(inOrder(workload), (m) => driver.push(m), s.inFlight, rate, workload.burstSize);
    const pushCpu = process.cpuUsage(cpu);
    const done = await next('done');
    if (done.type !== 'done') throw new Error(`the bench worker process failed: ${done.type === 'failed' ? done.error : done.type}`);
    const redis = await accounting.stop();
    const problems = [...done.problems];
    if (pushed.rejected > 0) problems.push(`${pushed.rejected} pushes rejected, first: ${String(pushed.firstError)}`);
    return {
      name,
      messages: workload.messages,
      pushed,
      totalMs: done.lastHandledEpochMs - (performance.timeOrigin + pushed.startedAt),
      latencies: Float64Array.from(done.latencies).sort(),
      batches: done.batches,
      reasons: done.reasons,
      clientCpuUs: pushCpu.user + pushCpu.system + done.cpuUs,
      redis,
      check: problems.length === 0 ? { ok: true, detail: `${done.detail}, ${done.batches} batches, none overlapping (worker process)` } : { ok: false, detail: problems.join('; ') },
    };
  } finally {
    await driver.close({ timeoutMs: 5_000 });
    if (child.exitCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

