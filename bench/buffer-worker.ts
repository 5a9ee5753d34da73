/**
 * The worker process of bench/buffer's gateway + worker run (forked by bench/buffer-split.ts): consumes the
 * BullMQ driver on the prefix it is given, as `ROLE=worker` does, with the same consumer and checks as the
 * one-process runs, and reports the batches' figures to its parent over IPC.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { BullMQBufferDriver } from '../core/buffer/index.js';
import { Metrics } from '../core/metrics/index.js';
import { Consumer, warmUpWorkload } from './buffer-load.js';
import { buildWorkload } from './pipeline-workload.js';
import type { WorkerDone, WorkerStart } from './buffer-split.js';

const send = (m: unknown): void => void process.send?.(m);

process.once('message', (start: WorkerStart) => {
  void work(start).catch((err: unknown) => {
    send({ type: 'failed', error: String(err) });
    process.exit(1);
  });
});

async function work(start: WorkerStart): Promise<void> {
  const { url, prefix, messages, chats, burst, warmup, policy, concurrency, handlerMs, settleMs, timeoutMs } = start;
  // The same messages as the gateway's (built the same way), for the order check.
  const workload = buildWorkload(messages, chats, burst);
  const metrics = new Metrics();
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const driver = new BullMQBufferDriver(policy, { redis: { url, prefix }, log, metrics });
  await driver.clear('bench-private_none');
  const measured = new Consumer(workload, policy, handlerMs);
  // A worker runs for long: the gateway's warm-up messages pass through this driver first, untimed.
  let consumer = warmup > 0 ? new Consumer(warmUpWorkload(warmup, chats, burst), policy, handlerMs) : measured;
  driver.consume((batch) => consumer.handle(batch), { concurrency });
  await new Promise((resolve) => setTimeout(resolve, 300));
  if (warmup > 0) {
    send({ type: 'warming' });
    const problems = consumer.problems(await consumer.recorder.whenComplete(timeoutMs));
    if (problems.length > 0) throw new Error(`the warm-up failed its check: ${problems.join('; ')}`);
    consumer = measured;
  }
  const cpu = process.cpuUsage();
  send({ type: 'ready' });
  const complete = await consumer.recorder.whenComplete(timeoutMs);
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const problems = consumer.problems(complete);
  const errors = metrics.total('batch_errors_total');
  if (errors > 0) problems.push(`${errors} handler errors`);
  const done: WorkerDone = {
    type: 'done',
    latencies: consumer.recorder.latencies,
    batches: consumer.recorder.batches,
    reasons: consumer.recorder.reasons,
    lastHandledEpochMs: performance.timeOrigin + consumer.lastHandledAt,
    cpuUs: used.user + used.system,
    problems,
    detail: consumer.recorder.check().detail,
  };
  send(done);
  await driver.close({ timeoutMs: 5_000 });
  process.disconnect();
}
