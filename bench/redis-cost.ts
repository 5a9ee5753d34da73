/**
 * What one chat message costs a shared Redis end to end, for the scale-out model (README, docs/operations.md
 * "Scaling out"): the real app opened on Redis as `ROLE=all` (BullMQ buffer, Redis store for history, the
 * outbox, the control plane, flood limits and the cluster-wide duplicate check on the ingest connection),
 * BENCH_COST_MESSAGES messages (20,000) over BENCH_COST_CHATS private chats (1,000) in bursts of 5, offered at
 * BENCH_COST_RATE msg/s (2,000: below saturation, the cost of steady traffic), each batch answered with one
 * text reply through an in-process adapter that only counts it. BENCH_COST_GROUPS=1: group chats instead
 * (one user each, every message addressed to the bot), whose messages are counted against both flood limits.
 *
 * Printed per message: Redis calls (INFO commandstats, Lua-internal calls included), Redis CPU
 * (used_cpu_sys + used_cpu_user), this process's CPU (all roles in one process), and the split of Redis
 * calls by purpose. Flood limits stay on with limits no bench user reaches, in the defaults' proportion (a chat
 * three times a user), so that their cost is counted as a default deployment pays it.
 * BENCH_COST_SCRIPTS=1 adds Redis's time a message by top-level command and Lua script (SLOWLOG, which itself
 * costs Redis a little: the buffer's scripts by name, others by their first key), to tell the owners apart.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Adapter, SendResult } from '../core/adapter/index.js';
import type { Batch } from '../core/message/index.js';
import { loadConfig, openApp } from '../core/runtime/index.js';
import { startRedisServer } from '../test/support/redis-server.js';
import * as partitionScripts from '../core/buffer/partition-scripts.js';
import * as chatScripts from '../core/buffer/redis-scripts.js';
import { startRedisAccounting } from './buffer-redis.js';
import { profiled } from './profile.js';
import { buildWorkload, drive, Recorder } from './pipeline-workload.js';
import { envInt, fixed, int, summarize, table } from './stats.js';

/** Counts what it is asked to send; the bench's chats are its (`bench-private_…`, `bench-group_…`). */
class CountingAdapter implements Adapter {
  readonly name = 'bench';
  sent = 0;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async send(): Promise<SendResult> {
    this.sent++;
    return {};
  }
}

/** The buffer's scripts by name, for BENCH_COST_SCRIPTS=1. */
function bufferScripts(): Record<string, string> {
  const scripts: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...chatScripts, ...partitionScripts })) if (typeof value === 'string') scripts[name] = value;
  return scripts;
}

export async function run(): Promise<boolean> {
  const messages = envInt('BENCH_COST_MESSAGES', 20_000);
  const chats = envInt('BENCH_COST_CHATS', 1_000);
  const rate = envInt('BENCH_COST_RATE', 2_000);
  const server = await startRedisServer();
  const admin = new Redis(server.url);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-cost-'));
  try {
    const config = loadConfig({
      REDIS_URL: server.url, REDIS_PREFIX: 'cost', ROLE: 'all', DATA_DIR: dir, LOG_LEVEL: 'silent',
      DEBOUNCE_MS: '20', MAX_WAIT_MS: '1000', MAX_BATCH: '10',
      FLOOD_USER_MESSAGES: '1000000', FLOOD_CHAT_MESSAGES: '3000000',
    });
    const log = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'silent' }, pino.destination({ dest: 2, sync: true }));
    const adapter = new CountingAdapter();
    // Warm-up messages under ids of their own: the measured ones would otherwise be dropped as duplicates.
    const chatType = process.env.BENCH_COST_GROUPS === '1' ? 'group' : 'private';
    const warm = buildWorkload(2_000, 400, 5, 'u', chatType);
    warm.bursts = warm.bursts.map((burst) => burst.map((m) => ({ ...m, messageId: `warm-${m.messageId}` })));
    const workload = buildWorkload(messages, chats, 5, 'u', chatType);
    let recorder = new Recorder(warm, config.buffer);
    const reply = [{ type: 'text' as const, text: 'ok' }];
    const app = await openApp(config, {
      log, adapters: [adapter],
      sessionHandler: async (batch: Batch) => {
        recorder.onBatch(batch);
        await app.send(batch.chatKey, reply);
      },
    });
    await app.start();
    await drive(warm, (m) => app.ingest(m), { waveChats: 20, gapMs: 0, rate });
    await recorder.whenComplete(15_000);
    recorder = new Recorder(workload, config.buffer);
    const sentBefore = adapter.sent;
    const accounting = await startRedisAccounting(admin, process.env.BENCH_COST_SCRIPTS === '1' ? bufferScripts() : undefined);
    const cpu = process.cpuUsage();
    const { drove, complete } = await profiled('redis-cost', async () => {
      const drove = await drive(workload, (m) => app.ingest(m), { waveChats: 20, gapMs: 0, rate });
      return { drove, complete: await recorder.whenComplete(15_000) };
    });
    const used = process.cpuUsage(cpu);
    const cost = await accounting.stop();
    await app.stop();
    const check = recorder.check();
    const ok = complete && check.ok && drove.rejected === 0;
    const perMsg = (n: number): string => fixed(n / messages, 2);
    const latency = summarize(recorder.latencies);
    console.log(
      `redis-cost: ${int(messages)} messages, ${int(chats)} ${chatType} chats, bursts of 5, offered at ${int(rate)} msg/s; ROLE=all on a private ` +
        'redis-server: BullMQ buffer, Redis store, outbox, control plane, flood limits and the shared duplicate check; one reply per batch',
    );
    console.log('');
    console.log(table([
      ['redis calls/msg', 'redis cpu µs/msg', 'process cpu µs/msg', 'replies', 'p50 ms', 'p99 ms', 'check'],
      [perMsg(cost.calls), fixed(cost.cpuUs / messages, 1), fixed((used.user + used.system) / messages, 1), int(adapter.sent - sentBefore), fixed(latency.p50), fixed(latency.p99), ok ? 'ok' : 'FAIL'],
    ]));
    console.log('');
    console.log(`redis calls per message: ${cost.commands.filter((c) => c.calls / messages >= 0.01).map((c) => `${c.name} ${perMsg(c.calls)}`).join(', ')}`);
    if (cost.scripts) {
      const top = cost.scripts.filter((c) => c.usec / messages >= 0.1).map((c) => `${c.name} ${fixed(c.calls / messages, 2)} × ${fixed(c.usec / c.calls, 1)} µs = ${fixed(c.usec / messages, 2)}`);
      console.log(`redis µs per message by command and script (SLOWLOG): ${top.join(', ')}`);
    }
    console.log(`check: ${ok ? 'ok' : 'FAILED'}: ${check.detail}${complete ? '' : ' (timed out)'}${drove.rejected ? `, ${drove.rejected} rejected` : ''}`);
    console.log(`redis-cost: ${perMsg(cost.calls)} redis calls/msg, ${fixed(cost.cpuUs / messages, 1)} µs redis cpu/msg, ${fixed((used.user + used.system) / messages, 1)} µs process cpu/msg`);
    return ok;
  } finally {
    await admin.quit();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
