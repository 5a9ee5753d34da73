/**
 * The saturated BullMQ run of bench/buffer.ts in interleaved rounds, for comparing two versions of the driver on a
 * host whose speed drifts: one full `buffer` run measures the saturated ingest once, and on this 2-core host the
 * pipelined-RPUSH floor moved between 57,000 and 96,000 msg/s within an hour. Each of BENCH_BUFFER_ROUNDS (7)
 * rounds runs the floor, then the BullMQ driver, on the same workload (bench/buffer.ts's settings and
 * BENCH_BUFFER_* variables; one driver and one floor connection kept for every round, each round on chats of its
 * own). Printed per round: both rates, their ratio, client CPU per message and the event-loop utilisation of the
 * push phase (how much of it this process spent working rather than waiting on Redis); then the medians. The
 * checks are bench/buffer.ts's: every message exactly once, in per-chat order, no overlapping batches.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Metrics } from '../core/metrics/index.js';
import { whenReady } from '../core/redis/index.js';
import { startRedisServer } from '../test/support/redis-server.js';
import { connectedBullMQ, connectFloor, keepDriver, runDriver, runFloor } from './buffer.js';
import { ingestRate, readSettings, warmUpWorkload, type KeptDriver } from './buffer-load.js';
import { buildWorkload } from './pipeline-workload.js';
import { envInt, fixed, int, median, table } from './stats.js';

export async function run(): Promise<boolean> {
  const s = readSettings();
  const rounds = envInt('BENCH_BUFFER_ROUNDS', 7);
  const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
  const server = await startRedisServer();
  const admin = new Redis(server.url, { connectionName: 'bench-admin', maxRetriesPerRequest: 1 });
  const metrics = new Metrics();
  let floorRedis: Redis | undefined;
  let bullmq: KeptDriver | undefined;
  try {
    await whenReady(admin);
    floorRedis = await connectFloor(server.url, log);
    console.log(
      `buffer-rounds: ${rounds} rounds of the pipelined-RPUSH floor then the BullMQ driver saturated, ${int(s.messages)} messages over ` +
        `${int(s.chats)} chats in bursts of ${s.burst}, ≤ ${s.inFlight} pushes in flight, consumer concurrency ${s.concurrency} in the same process; ` +
        `one driver and one floor connection for every round`,
    );
    if (s.warmup > 0) await runFloor(warmUpWorkload(s.warmup, s.chats, s.burst), s, floorRedis, 'roundswarm', admin);
    bullmq = await keepDriver('bullmq', await connectedBullMQ(s, server.url, 'rounds', log, metrics)(), s);
    const rows: string[][] = [['round', 'floor msg/s', 'bullmq msg/s', '÷ floor', 'client cpu µs/msg', 'push-phase ELU', 'check']];
    const rates: number[] = [];
    const ratios: number[] = [];
    let ok = true;
    for (let i = 1; i <= rounds; i++) {
      // Chats of its own each round: the driver has seen the earlier rounds' chats.
      const workload = buildWorkload(s.messages, s.chats, s.burst, `r${i}u`);
      const floor = await runFloor(workload, s, floorRedis, `roundsfloor${i}`, admin);
      const bull = await runDriver('bullmq', workload, s, bullmq, metrics, undefined);
      const rate = ingestRate(bull);
      rates.push(rate);
      ratios.push(rate / ingestRate(floor));
      ok &&= bull.check.ok && floor.check.ok;
      rows.push([String(i), int(ingestRate(floor)), int(rate), fixed(rate / ingestRate(floor), 3), fixed(bull.clientCpuUs / bull.messages, 1), fixed(bull.pushElu ?? Number.NaN, 2), bull.check.ok && floor.check.ok ? 'ok' : `FAILED: ${bull.check.detail}`]);
    }
    console.log(table(rows));
    console.log(`buffer-rounds: bullmq saturated ingest median ${int(median(rates))} msg/s; ratio to the floor median ${fixed(median(ratios), 3)} (per round ${ratios.map((r) => fixed(r, 3)).join(', ')})`);
    return ok;
  } finally {
    await bullmq?.driver.close({ timeoutMs: 5_000 });
    floorRedis?.disconnect();
    admin.disconnect();
    await server.stop();
  }
}
