import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it, onTestFailed } from 'vitest';
import { RedisBus } from '../../core/bus/index.js';
import { BullMQRunQueue, RunManager, RunStore } from '../../core/runs/index.js';
import { openRedisStore, type Store } from '../../core/store/index.js';
import { testDeps } from '../support/logger.js';
import { until } from '../support/messages.js';

const TICK_MS = 150;
const children: ChildProcess[] = [];
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.send({ type: 'stop' });
  })));
  for (const close of closers.splice(0).reverse()) await close();
});

const env = (prefix: string) => ({
  PATH: process.env.PATH ?? '', REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix, TICK_MS: String(TICK_MS), LOG_LEVEL: 'error', LOG_FORMAT: 'json',
  PLUGINS_ENABLED: 'tester.cluster_neko', DATA_DIR: path.join(os.tmpdir(), `nekomata-neko-${prefix.replace(/[^a-z0-9]/gi, '')}`), RUN_CANCEL_GRACE_MS: '5000',
});

/** Starts one app process; resolves with its pid once it runs. */
function spawnNode(prefix: string, events: { hanging: number[] }, output: string[]): Promise<number> {
  const child = fork(path.join(import.meta.dirname, 'neko-node.ts'), [], { execArgv: ['--import', 'tsx'], env: env(prefix), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  children.push(child);
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return new Promise((resolve, reject) => {
    child.on('message', (m: { type: string; pid: number }) => {
      if (m.type === 'ready') resolve(m.pid);
      if (m.type === 'hanging') events.hanging.push(m.pid);
    });
    child.once('exit', (code) => reject(new Error(`a node exited with ${code} before it was ready:\n${output.join('')}`)));
  });
}

describe('N.E.K.O plugins in two processes on one Redis', { timeout: 60_000 }, () => {
  it('fire a timer once per interval across the cluster, and run entries on any worker with progress, exports and cancel', async () => {
    const prefix = `test:${randomUUID()}`;
    const output: string[] = [];
    onTestFailed(() => console.error(output.join('')));
    const events = { hanging: [] as number[] };
    const pids = await Promise.all([spawnNode(prefix, events, output), spawnNode(prefix, events, output)]);
    const probe = new Redis(inject('redisUrl'));
    closers.push(() => probe.quit());

    // An API process with no worker of its own: every run is executed by one of the two nodes.
    const deps = testDeps();
    const redis = { url: inject('redisUrl'), prefix };
    const store: Store = await openRedisStore({ settings: redis, log: deps.log });
    closers.push(() => store.close());
    const bus = new RedisBus({ redis, history: 1000, ...deps });
    closers.push(() => bus.close());
    const queue = new BullMQRunQueue({ redis, log: deps.log, concurrency: 1 });
    closers.push(() => queue.close());
    const runs = new RunManager(
      {
        store: new RunStore(store.kv), runsTopic: bus.topic('runs'), exportsTopic: bus.topic('exports'), ...deps,
        settings: { timeoutMs: 30_000, cancelGraceMs: 5000, keep: 100 },
        invoke: () => Promise.reject(new Error('the API process executes no run')),
        blobDir: () => os.tmpdir(),
      },
      queue,
    );
    const progress: number[] = [];
    bus.topic('runs').watch({ type: 'progress' }, (r) => void progress.push((r.payload as { progress: number }).progress));

    const started = await Promise.all([1, 2, 3, 4].map(() => runs.create({ plugin: 'tester.cluster_neko', entry: 'work', args: { steps: 3 }, startedBy: 'api' })));
    const finished = await Promise.all(started.map((r) => runs.wait(r.id, 20_000)));
    for (const r of finished) {
      expect(r).toMatchObject({ status: 'succeeded', progress: 1, stage: 'step 3' });
      expect(pids).toContain((r.result as { pid: number }).pid);
      expect((await runs.exports(r.id)).map((e) => (e.type === 'text' ? e.text : ''))).toEqual([`done by ${(r.result as { pid: number }).pid}`]);
    }
    await until(() => progress.length >= 12, 'every progress step on the bus');
    expect(progress.every((p) => p > 0 && p < 1)).toBe(true);

    // A cancel asked here reaches the node executing the run, through the bus and BullMQ's job cancellation.
    const hung = await runs.create({ plugin: 'tester.cluster_neko', entry: 'hang', startedBy: 'api' });
    await until(() => events.hanging.length === 1, 'a node to start the run');
    await runs.cancel(hung.id, 'from the API process');
    expect(await runs.wait(hung.id, 20_000)).toMatchObject({ status: 'canceled', cancelRequested: { reason: 'from the API process' } });

    // The timer: ticks from both processes, each interval's tick fired by exactly one of them.
    const key = `${prefix}:test:ticks`;
    const startLen = await probe.llen(key);
    for (let i = 0; i < 300 && (await probe.llen(key)) < startLen + 8; i++) await new Promise((r) => setTimeout(r, 20));
    const ticks = (await probe.lrange(key, 0, -1)).map((t) => Number(t.split(':')[0]));
    expect(ticks.length).toBeGreaterThanOrEqual(8);
    expect(new Set(ticks).size).toBe(ticks.length);
    const sorted = [...ticks].sort((a, b) => a - b);
    // BullMQ places a scheduler's ticks on whole intervals: a second tick in one interval (two processes each
    // firing, or two upserts each firing at once) would show as a gap that is not a multiple of the interval.
    for (let i = 1; i < sorted.length; i++) expect((sorted[i]! - sorted[i - 1]!) % TICK_MS).toBe(0);
    const firedBy = new Set((await probe.lrange(key, 0, -1)).map((t) => Number(t.split(':')[1])));
    expect([...firedBy].every((pid) => pids.includes(pid))).toBe(true);
  });
});
