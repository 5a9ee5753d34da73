/**
 * What the BullMQ driver's scripts cost Redis a message, counted in machine instructions rather than timed: a
 * redis-server run under valgrind's callgrind counts the instructions it executes, the same for the same work
 * on any host, at any load. (Redis CPU time a message, as `buffer` measures it, ranged from 11.1 to 21.6 µs over
 * 12 runs of one build on this project's 2-core host; a change worth 5% could not be told from the noise.)
 *
 * The cycle is the driver's, called directly: BENCH_INSTR_CHATS (1,000) chats get a burst of BENCH_INSTR_BURST (5)
 * messages each, pushed as the push queue sends them (PUSH_MANY, calls of 64); then each partition's due chats are claimed
 * (CLAIM) and their batches acknowledged (ACK_MANY, calls of up to 64) until none is left; three times, so
 * that each chat's keys exist, as in a running bot. The first claim of a partition recovers, as a job's first
 * look does. One round is measured after an unmeasured one, and printed per script and in all. The reference:
 * the same items stored by pipelined `RPUSH`, one list per chat, counted the same way.
 *
 * Needs `valgrind` (Debian package); without it the bench says so and is skipped.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { partitionOf } from '../core/buffer/partition-job.js';
import { ACK_MANY, CLAIM } from '../core/buffer/partition-scripts.js';
import { PUSH_MANY } from '../core/buffer/redis-scripts.js';
import { appendPushArgs } from '../core/buffer/push-queue.js';
import { ITEM_SEPARATOR, toStored } from '../core/buffer/stored-message.js';
import { buildWorkload } from './pipeline-workload.js';
import { envInt, fixed, int, table } from './stats.js';

const PARTITIONS = 8;
const POLICY = { debounceMs: 50, maxBatch: 10, maxWaitMs: 1000 };
const PREFIX = 'bench:buffer:';
const PER_CALL = 64;

type Phase = 'push' | 'claim' | 'ack' | 'floor';

type ScriptRedis = Redis & {
  nkPushMany(...args: (string | number)[]): Promise<unknown>;
  nkClaim(...args: (string | number)[]): Promise<unknown[]>;
  nkAckMany(...args: (string | number)[]): Promise<string[][]>;
};

/** A redis-server under callgrind; `count(phase, work)` adds the instructions `work` made Redis run. */
interface CountedRedis {
  redis: ScriptRedis;
  count(phase: Phase, work: () => Promise<void>): Promise<void>;
  totals: Record<Phase, number>;
  stop(): Promise<void>;
}

async function startCounted(): Promise<CountedRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-callgrind-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${dir}/cg.out`, 'redis-server', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  // Refused until valgrind has started the server: ioredis tries again every 200 ms.
  const redis = new Redis({ port, retryStrategy: () => 200 }) as ScriptRedis;
  redis.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server under valgrind did not answer within 30 s')), 30_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const control = (...args: string[]): void => void execFileSync('callgrind_control', [...args, String(child.pid)], { stdio: 'ignore' });
  const totals: Record<Phase, number> = { push: 0, claim: 0, ack: 0, floor: 0 };
  let dumps = 0;
  return {
    redis,
    totals,
    async count(phase, work) {
      control('-i', 'on');
      await work();
      control('-i', 'off');
      // A dump writes what was counted since the last one and starts again from zero.
      control('-d');
      const file = `${dir}/cg.out.${++dumps}`;
      totals[phase] += Number(/^totals: (\d+)/m.exec(fs.readFileSync(file, 'utf8'))?.[1] ?? Number.NaN);
    },
    async stop() {
      redis.disconnect();
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      if (process.env.BENCH_INSTR_KEEP === '1') console.log(`callgrind files kept in ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function hasValgrind(): boolean {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One round of the cycle; `measure` false runs it without counting. */
async function cycle(r: CountedRedis, chats: number, burst: number, measure: boolean, caller: string): Promise<number> {
  const { redis } = r;
  const count = (phase: Phase, work: () => Promise<void>): Promise<void> => (measure ? r.count(phase, work) : work());
  const workload = buildWorkload(chats * burst * 3, chats, burst, measure ? 'm' : 'w');
  let call = 0;
  for (let rep = 0; rep < 3; rep++) {
    const messages = workload.bursts.slice(rep * chats, (rep + 1) * chats).flat();
    const calls: (string | number)[][] = [];
    for (let i = 0; i < messages.length; i += PER_CALL) {
      const args: (string | number)[] = [];
      for (const m of messages.slice(i, i + PER_CALL)) appendPushArgs(args, { message: m, mode: 'buffer', ts: m.time, part: partitionOf(m.chatKey, PARTITIONS) });
      calls.push(args);
    }
    await count('push', async () => {
      for (const args of calls) await redis.nkPushMany(PREFIX, POLICY.debounceMs, POLICY.maxBatch, caller, ++call, ...args);
    });
    // Every push is due by then.
    const now = Date.now() + 10 * POLICY.maxWaitMs;
    const claimed: [number, string, string[]][] = [];
    await count('claim', async () => {
      for (let part = 0; part < PARTITIONS; part++) {
        const reply = await redis.nkClaim(PREFIX, part, now, 1000, 'holder', rep === 0 ? '1' : '0', POLICY.debounceMs, POLICY.maxWaitMs, POLICY.maxBatch, 20, 10_000);
        for (let i = 1; i < reply.length; i += 2) claimed.push([part, reply[i] as string, ((reply[i + 1] as string[])[2] as string).split(ITEM_SEPARATOR)]);
      }
    });
    await count('ack', async () => {
      let batches = claimed;
      while (batches.length > 0) {
        const next: typeof batches = [];
        for (let i = 0; i < batches.length; i += PER_CALL) {
          const some = batches.slice(i, i + PER_CALL);
          const args = some.flatMap(([part, chat, items]) => [part, chat, items[0]!.slice(0, items[0]!.indexOf('|')), items.length, 'b']);
          const replies = await redis.nkAckMany(PREFIX, 'holder', now, POLICY.debounceMs, POLICY.maxWaitMs, POLICY.maxBatch, 1000, ...args);
          replies.forEach((r, j) => {
            if (r[0] === 'b') next.push([some[j]![0], some[j]![1], r[2]!.split(ITEM_SEPARATOR)]);
          });
        }
        batches = next;
      }
    });
  }
  // The reference: the same payloads, as items, stored by plain pipelined RPUSH.
  await count('floor', async () => {
    const pipeline = redis.pipeline();
    workload.bursts.flat().forEach((m, i) => pipeline.rpush(`${PREFIX}floor:${m.chatKey}`, `${i}|${m.time}|${toStored(m)}`));
    await pipeline.exec();
  });
  return workload.messages;
}

export async function run(): Promise<boolean> {
  if (!hasValgrind()) {
    console.log('buffer-instructions: skipped, valgrind is not installed (apt-get install valgrind)');
    return true;
  }
  const chats = envInt('BENCH_INSTR_CHATS', 1000);
  const burst = envInt('BENCH_INSTR_BURST', 5);
  const r = await startCounted();
  try {
    r.redis.defineCommand('nkPushMany', { numberOfKeys: 0, lua: PUSH_MANY });
    r.redis.defineCommand('nkClaim', { numberOfKeys: 0, lua: CLAIM });
    r.redis.defineCommand('nkAckMany', { numberOfKeys: 0, lua: ACK_MANY });
    await cycle(r, chats, burst, false, 'warm-up');
    const messages = await cycle(r, chats, burst, true, 'measured');
    const left = await r.redis.dbsize();
    const per = (phase: Phase): number => r.totals[phase] / messages;
    const scripts = per('push') + per('claim') + per('ack');
    console.log(
      `buffer-instructions: ${int(messages)} messages, ${int(chats)} chats in bursts of ${burst}, ${PARTITIONS} partitions; Redis instructions a message (valgrind callgrind), ` +
        `after one unmeasured round\n`,
    );
    console.log(table([
      ['', 'push', 'claim', 'ack', 'all', 'floor (RPUSH)', '÷ floor'],
      ['instructions a message', int(per('push')), int(per('claim')), int(per('ack')), int(scripts), int(per('floor')), fixed(scripts / per('floor'), 2)],
    ]));
    console.log(`\nbuffer-instructions: ${int(scripts)} Redis instructions a message (push ${int(per('push'))}, claim ${int(per('claim'))}, ack ${int(per('ack'))}); floor ${int(per('floor'))}; ratio ${fixed(scripts / per('floor'), 2)}; ${left} keys left`);
    return Number.isFinite(scripts);
  } finally {
    await r.stop();
  }
}
