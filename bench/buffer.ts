/**
 * Buffer benchmark: the memory driver and the BullMQ driver on the same workload, against a floor measured
 * in the same run on the same private redis-server.
 *
 * Workload: BENCH_BUFFER_MESSAGES messages (default 15,000) over BENCH_BUFFER_CHATS private chats (1,000) in
 * bursts of BENCH_BUFFER_BURST (5), built with createInboundMessage before anything is timed (burst `b` goes to
 * chat `b % chats`, as in pipeline-workload.ts). One producer loop calls `driver.push(message)` in burst order
 * with at most BENCH_BUFFER_IN_FLIGHT (256) pushes outstanding; the consumer runs in the same process with
 * concurrency BENCH_BUFFER_CONCURRENCY (50) and a handler that records the batch and yields once
 * (BENCH_BUFFER_HANDLER_MS > 0: sleeps that long instead). Policy: debounce BENCH_BUFFER_DEBOUNCE_MS (50),
 * maxBatch 10, maxWait 1,000 ms.
 *
 * Per driver: ingest msg/s (first push → last push resolved), total time until every message was handled,
 * release latency beyond the window per batch (handler start − due time, as the Recorder of
 * pipeline-workload.ts defines it) p50/p95/p99/max, client CPU per message, and for Redis: commands per message
 * and the top commands (CONFIG RESETSTAT before the first push, INFO commandstats once everything was handled;
 * commands run inside Lua count), and Redis CPU per message (INFO cpu, used_cpu_sys + used_cpu_user delta).
 * Checks (the run fails otherwise): every message exactly once and in per-chat order, sequence numbers of a
 * chat contiguous from 1, never two batches of a chat in flight, no rejected push, no handler error.
 *
 * Floor: `RPUSH buf:<chat> JSON.stringify(message)` for the same messages, on a connection set up as the
 * driver's (connectRedis 'command': ioredis auto-pipelining), with the same in-flight bound: what one process
 * can put into this Redis at all: three passes (before the memory run, between the two drivers, after the
 * BullMQ run), the median reported. Printed as the ratio of each driver's ingest rate to it.
 *
 * Paced run: the BullMQ driver once more, on a fresh workload (chats of its own) of BENCH_BUFFER_PACED_MESSAGES
 * (30,000) messages offered at a fixed BENCH_BUFFER_RATE (30,000 msg/s; 0 skips the run): burst `k` is not pushed before
 * first push + k × burst / rate (same in-flight bound). The saturated run above measures latency while the
 * consumer is falling behind the producer; this one measures it at a load the driver is asked to carry.
 *
 * Gateway + worker run (bench/buffer-split.ts; BENCH_BUFFER_SPLIT=0 skips it): the paced run once more with the
 * roles apart, as `ROLE=gateway` and `ROLE=worker` run them: this process pushes, a forked worker process
 * consumes (bench/buffer-worker.ts) with the same consumer and checks; client CPU is both processes'. On a
 * 2-core host the three busy processes (gateway, worker, Redis) share the cores, so it shows that the split
 * carries the load, not that it is faster than one process there.
 *
 * One driver of each kind serves every run of the process (the paced run on chats of its own), and one floor
 * connection every floor pass, as a bot keeps its driver for its lifetime: BENCH_BUFFER_WARMUP (15,000) messages
 * go through each first, untimed and checked (JIT, Lua script cache); in the gateway + worker run, through both
 * processes' drivers. A fresh driver per run, warmed up on another instance with 2,000 messages, was measured
 * still being optimised: V8 drops code optimised for objects once they are collected and compiles it again, and
 * the first of seven runs on one driver cost ~35–45 µs of CPU a message against ~30 for the others.
 * Per driver run also: the scavenges (young-generation GC pauses) and the event-loop delay of this process over
 * the run (bench/loop-watch.ts); and for the saturated BullMQ run, the push's round trip that the ingest implies
 * (pushes in flight ÷ ingest: with the in-flight bound always reached, the producer goes no faster).
 * BENCH_BUFFER_ALL_COMMANDS=1 lists every Redis command per message with its Redis time (µs, commandstats usec;
 * a script's usec includes the commands it ran) instead of the top 5. BENCH_PROFILE=<dir> records a CPU profile
 * of this process over each measured run, first push to every message handled (bench/profile.ts). BENCH_BUFFER_SLOWLOG=1 adds the Redis time per message of each
 * top-level command and Lua script (bench/buffer-redis.ts).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { BullMQBufferDriver, MemoryBufferDriver, type BufferDriver } from '../core/buffer/index.js';
import { Metrics } from '../core/metrics/index.js';
import { connectRedis, whenReady } from '../core/redis/index.js';
import { profiled } from './profile.js';
import { buildWorkload, type Workload } from './pipeline-workload.js';
// The same private redis-server the test suite starts (persistence off, noeviction, a temp directory).
import { startRedisServer } from '../test/support/redis-server.js';
import { fixed, int, percentile } from './stats.js';
import { startRedisAccounting } from './buffer-redis.js';
import { Consumer, ingestRate, inOrder, KeptDriver, pushAll, readSettings, warmUpWorkload, type RunResult, type Settings } from './buffer-load.js';
import { runSplit } from './buffer-split.js';
import { printResults } from './buffer-print.js';
import { watchLoop } from './loop-watch.js';
import * as partitionScripts from '../core/buffer/partition-scripts.js';
import * as chatScripts from '../core/buffer/redis-scripts.js';

/** The driver's scripts by name, for BENCH_BUFFER_SLOWLOG=1 (per-script Redis time); else nothing. */
function slowlogScripts(): Record<string, string> | undefined {
  if (process.env.BENCH_BUFFER_SLOWLOG !== '1') return undefined;
  const scripts: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...chatScripts, ...partitionScripts })) if (typeof value === 'string') scripts[name] = value;
  return scripts;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One measured run of a kept driver: `workload` pushed (at `rate` msg/s; 0: as fast as the driver takes them),
 * every message handled, then checked. The workload's chats must be new to the driver.
 */
export async function runDriver(
  name: string,
  workload: Workload,
  s: Settings,
  kept: KeptDriver,
  metrics: Metrics,
  admin: Redis | undefined,
  rate = 0,
): Promise<RunResult> {
  const { driver } = kept;
  const messages = inOrder(workload);
  const errorsBefore = metrics.total('batch_errors_total');
  // No forced collection before the run, as there was: V8 then threw away code optimised around the objects it
  // freed and shrank the young generation, and the run measured the recompiling and the extra scavenges (the V8
  // worker threads' CPU 8-12 µs a message against 3-7 without), not the steady state of a running bot.
  const consumer = new Consumer(workload, s.policy, s.handlerMs);
  kept.consumeWith(consumer);
  const accounting = admin ? await startRedisAccounting(admin, slowlogScripts()) : undefined;
  const cpu = process.cpuUsage();
  const measured = async () => {
    const loop = watchLoop();
    const elu = performance.eventLoopUtilization();
    const pushed = await pushAll(messages, (m) => driver.push(m), s.inFlight, rate, workload.burstSize);
    const pushElu = performance.eventLoopUtilization(elu).utilization;
    const complete = await consumer.recorder.whenComplete(s.policy.maxWaitMs + 30_000);
    return { pushed, pushElu, complete, stall: loop.stop() };
  };
  const { pushed, pushElu, complete, stall } = await profiled(`buffer ${name}`, measured);
  const cpuUsed = process.cpuUsage(cpu);
  const redis = await accounting?.stop();
  const totalMs = consumer.lastHandledAt - pushed.startedAt;
  // Anything delivered twice, late, shows up in the check.
  await sleep(s.settleMs);
  const problems = consumer.problems(complete);
  if (pushed.rejected > 0) problems.push(`${pushed.rejected} pushes rejected, first: ${String(pushed.firstError)}`);
  const errors = metrics.total('batch_errors_total') - errorsBefore;
  if (errors > 0) problems.push(`${errors} handler errors`);
  return {
    name,
    messages: workload.messages,
    pushed,
    pushElu,
    stall,
    totalMs,
    latencies: Float64Array.from(consumer.recorder.latencies).sort(),
    batches: consumer.recorder.batches,
    reasons: consumer.recorder.reasons,
    clientCpuUs: cpuUsed.user + cpuUsed.system,
    redis,
    check: problems.length === 0 ? { ok: true, detail: `${consumer.recorder.check().detail}, ${consumer.recorder.batches} batches, none overlapping` } : { ok: false, detail: problems.join('; ') },
  };
}

/**
 * Starts consuming `driver` for the rest of the bench and runs BENCH_BUFFER_WARMUP messages through it, untimed
 * and checked: JIT and the Lua script cache warm, as in a bot that has been running.
 */
export async function keepDriver(name: string, driver: BufferDriver, s: Settings): Promise<KeptDriver> {
  const kept = new KeptDriver(driver, s.concurrency);
  if (s.warmup === 0) return kept;
  const warm = warmUpWorkload(s.warmup, s.chats, s.burst);
  const consumer = new Consumer(warm, s.policy, s.handlerMs);
  kept.consumeWith(consumer);
  const pushed = await pushAll(inOrder(warm), (m) => driver.push(m), s.inFlight);
  const problems = consumer.problems(await consumer.recorder.whenComplete(s.policy.maxWaitMs + 30_000));
  if (pushed.rejected > 0) problems.push(`${pushed.rejected} pushes rejected, first: ${String(pushed.firstError)}`);
  if (problems.length > 0) throw new Error(`the warm-up of the ${name} driver failed its check: ${problems.join('; ')}`);
  return kept;
}

/** The floor's connection (set up as the driver's: connectRedis 'command', auto-pipelining), kept for every pass. */
export async function connectFloor(url: string, log: Logger): Promise<Redis> {
  const redis = connectRedis({ url, prefix: 'floor' }, 'command', log, 'bench-floor');
  await whenReady(redis);
  return redis;
}

/** The floor: plain auto-pipelined RPUSH of each message's JSON to its chat's list, under a `prefix` of its own. */
export async function runFloor(workload: Workload, s: Settings, redis: Redis, prefix: string, admin: Redis): Promise<RunResult> {
  const messages = inOrder(workload);
  const accounting = await startRedisAccounting(admin);
  const cpu = process.cpuUsage();
  const pushed = await pushAll(messages, (m) => redis.rpush(`${prefix}:buf:${m.chatKey}`, JSON.stringify(m)), s.inFlight);
  const cpuUsed = process.cpuUsage(cpu);
  const cost = await accounting.stop();
  let stored = 0;
  for (const key of workload.chatKeys) stored += await redis.llen(`${prefix}:buf:${key}`);
  const ok = stored === workload.messages && pushed.rejected === 0;
  return {
    name: 'floor',
    messages: workload.messages,
    pushed,
    totalMs: Number.NaN,
    latencies: new Float64Array(),
    batches: 0,
    reasons: {},
    clientCpuUs: cpuUsed.user + cpuUsed.system,
    redis: cost,
    check: ok ? { ok, detail: `${stored} list items` } : { ok, detail: `${stored} list items (expected ${workload.messages}), ${pushed.rejected} rejected` },
  };
}

// ---------------------------------------------------------------------------------------------------------

/** Makes a BullMQ driver on its own key prefix, connected before anything is timed. */
export function connectedBullMQ(s: Settings, url: string, prefix: string, log: Logger, metrics: Metrics): () => Promise<BufferDriver> {
  return async () => {
    const driver = new BullMQBufferDriver(s.policy, { redis: { url, prefix }, log, metrics });
    // One command through the driver's connection, then time for the queue's and worker's connections to come
    // up, so that connecting is not timed.
    await driver.clear('bench-private_none');
    await sleep(300);
    return driver;
  };
}

export async function run(): Promise<boolean> {
  const s = readSettings();
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const server = await startRedisServer();
  const admin = new Redis(server.url, { connectionName: 'bench-admin', maxRetriesPerRequest: 1 });
  let floorRedis: Redis | undefined;
  const memMetrics = new Metrics();
  const bullMetrics = new Metrics();
  const kept: KeptDriver[] = [];
  try {
    await whenReady(admin);
    floorRedis = await connectFloor(server.url, log);
    const workload = buildWorkload(s.messages, s.chats, s.burst);
    console.log(
      `buffer: ${int(workload.messages)} messages, ${int(workload.chats)} private chats, bursts of ${s.burst}; debounce ${s.policy.debounceMs} ms, ` +
        `max batch ${s.policy.maxBatch}, max wait ${s.policy.maxWaitMs} ms; one producer with ≤ ${s.inFlight} pushes in flight, ` +
        `consumer concurrency ${s.concurrency} in the same process, handler ${s.handlerMs > 0 ? `sleeps ${s.handlerMs} ms` : 'yields once'}` +
        (s.rate > 0 ? `; then bullmq paced: ${int(s.pacedMessages)} messages offered at ${int(s.rate)} msg/s` : ''),
    );
    console.log(
      `redis-server ${server.url} (private, no persistence, noeviction); producer, consumer and Redis share ${os.availableParallelism()} cores; ` +
        `messages built beforehand in ${fixed(workload.buildMs, 0)} ms; one driver of each kind for every run, ${int(s.warmup)} warm-up messages through each first (not timed)`,
    );
    if (s.warmup > 0) await runFloor(warmUpWorkload(s.warmup, s.chats, s.burst), s, floorRedis, 'benchwarm', admin);
    const memory = await keepDriver('memory', new MemoryBufferDriver(s.policy, { log, metrics: memMetrics }), s);
    kept.push(memory);
    const bullmq = await keepDriver('bullmq', await connectedBullMQ(s, server.url, 'bench1', log, bullMetrics)(), s);
    kept.push(bullmq);
    // The floor is short (~0.1 s) and this host's speed drifts: three passes spread around the driver runs,
    // the median one reported.
    const floors: RunResult[] = [];
    floors.push(await runFloor(workload, s, floorRedis, 'benchfloor1', admin));
    const mem = await runDriver('memory', workload, s, memory, memMetrics, undefined);
    floors.push(await runFloor(workload, s, floorRedis, 'benchfloor2', admin));
    const bull = await runDriver('bullmq', workload, s, bullmq, bullMetrics, admin);
    floors.push(await runFloor(workload, s, floorRedis, 'benchfloor3', admin));
    const floor = [...floors].sort((a, b) => ingestRate(a) - ingestRate(b))[1]!;
    floor.name = 'floor (pipelined RPUSH)';
    if (!floors.every((f) => f.check.ok)) floor.check = floors.find((f) => !f.check.ok)!.check;
    let paced: RunResult | undefined;
    if (s.rate > 0) {
      // The same driver, on chats of its own.
      paced = await runDriver(`bullmq @ ${int(s.rate)}/s`, buildWorkload(s.pacedMessages, s.chats, s.burst, 'p'), s, bullmq, bullMetrics, admin, s.rate);
    }
    let split: RunResult | undefined;
    if (s.rate > 0 && process.env.BENCH_BUFFER_SPLIT !== '0') {
      split = await runSplit(`gateway + worker @ ${int(s.rate)}/s`, buildWorkload(s.pacedMessages, s.chats, s.burst), s, server.url, 'bench2', log, admin, s.rate);
    }
    const results = [mem, bull, ...(paced ? [paced] : []), ...(split ? [split] : []), floor];
    printResults(results, floor);
    console.log(`floor passes (before memory, between, after bullmq): ${floors.map((f) => int(ingestRate(f))).join(' / ')} msg/s; the median is used`);
    const p = (q: number): string => fixed(percentile(bull.latencies, q));
    console.log(
      `buffer: memory ${int(ingestRate(mem))} msg/s; bullmq ${int(ingestRate(bull))} msg/s, p50/p95/p99 ${p(50)}/${p(95)}/${p(99)} ms beyond window, ` +
        `${fixed(bull.redis!.calls / bull.messages, 1)} redis cmds/msg, push round trip ${fixed((s.inFlight / ingestRate(bull)) * 1000, 1)} ms (${s.inFlight} in flight ÷ ingest); floor ${int(ingestRate(floor))} msg/s; ratio ${fixed(ingestRate(bull) / ingestRate(floor), 3)} ` +
        `(memory ${fixed(ingestRate(mem) / ingestRate(floor), 2)})`,
    );
    if (paced) {
      const q = (x: number): string => fixed(percentile(paced.latencies, x));
      console.log(
        `buffer paced: ${int(paced.messages)} messages offered at ${int(s.rate)} msg/s: bullmq ingested ${int(ingestRate(paced))} msg/s, ` +
          `p50/p95/p99 ${q(50)}/${q(95)}/${q(99)} ms beyond window, ${fixed(paced.redis!.calls / paced.messages, 1)} redis cmds/msg, ` +
          `${paced.batches} batches`,
      );
    }
    if (split) {
      const q = (x: number): string => fixed(percentile(split.latencies, x));
      console.log(
        `buffer gateway + worker: the same offer with the consumer in a worker process: ingested ${int(ingestRate(split))} msg/s, ` +
          `p50/p95/p99 ${q(50)}/${q(95)}/${q(99)} ms beyond window, ${fixed(split.clientCpuUs / split.messages, 1)} µs/msg client CPU (both processes)`,
      );
    }
    return results.every((r) => r.check.ok);
  } finally {
    for (const k of kept) await k.driver.close({ timeoutMs: 5_000 });
    floorRedis?.disconnect();
    admin.disconnect();
    await server.stop();
  }
}
