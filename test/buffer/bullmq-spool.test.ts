import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferSpoolFullError, BullMQBufferDriver, type BullMQDriverOptions, type PushResult } from '../../core/buffer/index.js';
import type { Batch } from '../../core/message/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, sleep, until } from '../support/messages.js';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const policy = { debounceMs: 30, maxBatch: 10, maxWaitMs: 300 };

let server: RedisServer | undefined;
let proxy: RedisProxy | undefined;
const drivers: BullMQBufferDriver[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close({ timeoutMs: 1000 })));
  await proxy?.close();
  await server?.stop();
  [server, proxy] = [undefined, undefined];
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function driver(url: string, prefix: string, extra: Partial<BullMQDriverOptions> = {}) {
  const deps = testDeps();
  const d = new BullMQBufferDriver(policy, { redis: { url, prefix }, ...deps, lockMs: 2000, sweepMs: 1000, ...extra });
  drivers.push(d);
  return { driver: d, ...deps };
}

/** Every message handled, in handling order, by chat. */
function consume(d: BullMQBufferDriver): Map<string, string[]> {
  const handled = new Map<string, string[]>();
  d.consume(async (batch: Batch) => void handled.set(batch.chatKey, [...(handled.get(batch.chatKey) ?? []), ...batch.messages.map((m) => m.text)]), { concurrency: 4 });
  return handled;
}

const count = (handled: Map<string, string[]>): number => [...handled.values()].reduce((n, t) => n + t.length, 0);

/** Stops Redis for `downMs` in the background; resolves (with its return) once its port refuses connections. */
async function outage(downMs: number): Promise<Promise<void>> {
  let down!: () => void;
  const exited = new Promise<void>((resolve) => (down = resolve));
  const back = server!.restart({ downMs, onDown: down });
  // Until the process has exited, a client it already had may still be served: wait for that, not the port.
  await Promise.race([exited, back]);
  expect(await answers(server!.port)).toBe(false);
  // ioredis learns of it from the dropped connection, a moment later.
  await sleep(100);
  return back;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('BullMQ driver: pushes while Redis is unreachable', { timeout: 30_000 }, () => {
  it('accepts them into the spool and stores them, in order behind the chat, once Redis is back', async () => {
    server = await startRedisServer({ persistent: true });
    const { driver: d, metrics } = driver(server.url, `test:${randomUUID()}`);
    await d.checkPartitions();
    const handled = consume(d);
    expect((await d.push(makeMessage('a1', { chat: 'a' }))).seq).toBe(1);
    const back = await outage(1000);
    const results: PushResult[] = [];
    for (const [text, chat] of [['a2', 'a'], ['b1', 'b'], ['a3', 'a'], ['b2', 'b']] as const) results.push(await d.push(makeMessage(text, { chat })));
    expect(results).toEqual(Array(4).fill({ seq: 0, pending: 0, spooled: true }));
    expect(d.spooled).toBe(4);
    await back;
    await until(() => count(handled) === 5, 'all five handled after Redis came back');
    expect(Object.fromEntries(handled)).toEqual({ 'test-private_a': ['a1', 'a2', 'a3'], 'test-private_b': ['b1', 'b2'] });
    expect(d.spooled).toBe(0);
    expect(metrics.get('buffer_spooled_total')).toBe(4);
    // Numbered once stored: the chat's next push follows them.
    expect((await d.push(makeMessage('a4', { chat: 'a' }))).seq).toBe(4);
  });

  it('refuses pushes past its limit with BufferSpoolFullError, counted, and keeps the ones it took', async () => {
    server = await startRedisServer({ persistent: true });
    const { driver: d, metrics } = driver(server.url, `test:${randomUUID()}`, { spoolMax: 2 });
    await d.checkPartitions();
    const handled = consume(d);
    const back = await outage(1000);
    await d.push(makeMessage('a1', { chat: 'a' }));
    await d.push(makeMessage('a2', { chat: 'a' }));
    const refused = await d.push(makeMessage('a3', { chat: 'a' })).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(BufferSpoolFullError);
    expect((refused as BufferSpoolFullError).code).toBe('BUFFER_SPOOL_FULL');
    expect(metrics.get('buffer_spool_refused_total')).toBe(1);
    await back;
    await until(() => count(handled) === 2, 'the two spooled messages handled');
    expect(handled.get('test-private_a')).toEqual(['a1', 'a2']);
  });

  it('saves what it still holds at shutdown to its spool directory; the next start stores it', async () => {
    server = await startRedisServer({ persistent: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-spool-'));
    dirs.push(dir);
    const prefix = `test:${randomUUID()}`;
    const first = driver(server.url, prefix, { spoolDir: dir });
    await first.driver.checkPartitions();
    await first.driver.push(makeMessage('a1', { chat: 'a' }));
    const back = await outage(1500);
    expect((await first.driver.push(makeMessage('a2', { chat: 'a' }))).spooled).toBe(true);
    expect((await first.driver.push(makeMessage('b1', { chat: 'b' }))).spooled).toBe(true);
    await first.driver.close({ timeoutMs: 200 });
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('buffer-spool-'))).toHaveLength(1);
    expect(first.metrics.get('buffer_spool_saved_total')).toBe(2);
    await back;
    const next = driver(server.url, prefix, { spoolDir: dir });
    await next.driver.checkPartitions();
    expect(await next.driver.restoreSpool()).toBe(2);
    expect(fs.readdirSync(dir)).toEqual([]);
    const handled = consume(next.driver);
    await until(() => count(handled) === 3, 'the saved messages handled after the restart');
    expect(Object.fromEntries(handled)).toEqual({ 'test-private_a': ['a1', 'a2'], 'test-private_b': ['b1'] });
  });

  it('stores a push once when Redis ran it but its reply was lost, and the client sent it again', async () => {
    server = await startRedisServer();
    proxy = await startRedisProxy(server);
    const prefix = `test:${randomUUID()}`;
    const { driver: d } = driver(proxy.url, prefix);
    await d.checkPartitions();
    await d.push(makeMessage('a1', { chat: 'a' }));
    proxy.swallowReplies();
    const pushed = d.push(makeMessage('a2', { chat: 'a' }));
    const admin = new Redis(server.url);
    try {
      // Redis ran the push (the message is in the chat's list) and its answer went nowhere.
      for (let i = 0; (await admin.llen(`${prefix}:buffer:msgs:test-private_a`)) < 2; i++) {
        if (i > 200) throw new Error('the push never reached Redis');
        await sleep(10);
      }
      proxy.cut();
      await pushed;
      const handled = consume(d);
      await until(() => count(handled) >= 2, 'both messages handled');
      await sleep(policy.maxWaitMs + 200);
      expect(handled.get('test-private_a')).toEqual(['a1', 'a2']);
    } finally {
      admin.disconnect();
    }
  });
});
