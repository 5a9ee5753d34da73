import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { until } from '../support/messages.js';
import { chatMessage, Cluster } from './cluster.js';

let cluster: Cluster | undefined;
let server: RedisServer | undefined;
afterEach(async () => {
  await cluster?.stop();
  await server?.stop();
  cluster = undefined;
  server = undefined;
});

const settings = (url: string) => ({ REDIS_URL: url, REDIS_PREFIX: `test:${randomUUID()}`, DEBOUNCE_MS: '50', MAX_WAIT_MS: '400', BUFFER_LOCK_MS: '1500' });

/** Sends `rounds` messages to each of `chats` chats, a round at a time, `gapMs` apart; each must be taken. */
async function converse(c: Cluster, chats: number, rounds: number, gapMs: number): Promise<Map<string, string[]>> {
  const expected = new Map<string, string[]>();
  for (let n = 0; n < rounds; n++) {
    await Promise.all(
      Array.from({ length: chats }, async (_, chat) => {
        const m = chatMessage(chat, n);
        expected.set(`test-private_chat${chat}`, [...(expected.get(`test-private_chat${chat}`) ?? []), `c${chat}m${n}`]);
        const taken = await c.ingest(m);
        expect(taken.ok).toBe(true);
        // Each message is sent once: a duplicate here is the gateway mistaking its own claim for another's.
        expect(taken.outcome).not.toBe('duplicate');
      }),
    );
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return expected;
}

describe('one gateway and two workers on one Redis', { timeout: 120_000 }, () => {
  it('delivers every message once and in order, one batch per chat at a time, replies through the gateway', async () => {
    cluster = new Cluster({ ...settings(inject('redisUrl')), HANDLE_MS: '5' });
    await cluster.spawn('gateway');
    const workers = [await cluster.spawn('worker'), await cluster.spawn('worker')];
    const expected = await converse(cluster, 200, 5, 30);
    await until(() => cluster!.doneCount() >= 1000, 'all 1,000 messages to be handled', 60_000);
    expect(cluster.doneTexts()).toEqual(expected);
    expect(cluster.doneCount()).toBe(1000);
    expect(cluster.overlaps).toEqual([]);
    const pids = new Set(cluster.done.map((b) => b.pid));
    expect(pids).toEqual(new Set(workers.map((w) => w.pid)));
    await until(() => cluster!.sent.length >= cluster!.done.length, 'every reply to reach the gateway', 30_000);
    expect(cluster.sent.length).toBe(cluster.done.length);
  });

  it('finishes the batch of a worker killed with SIGKILL on the other worker, losing nothing', async () => {
    // 8 slots a worker for 40 chats: neither worker can take every chat, so the victim surely gets batches
    // (with 32, the other worker could win every partition job and serve all 40 alone).
    cluster = new Cluster({ ...settings(inject('redisUrl')), HANDLE_MS: '300', MAX_CONCURRENT_CHATS: '8' });
    await cluster.spawn('gateway');
    const victim = await cluster.spawn('worker');
    await cluster.spawn('worker');
    const sending = converse(cluster, 40, 3, 100);
    await until(() => cluster!.started.some((b) => b.pid === victim.pid), 'the victim to start a batch', 30_000);
    const inHand = cluster.started.filter((b) => b.pid === victim.pid && !cluster!.done.some((d) => d.pid === victim.pid && d.chatKey === b.chatKey && d.texts.join() === b.texts.join()));
    victim.kill('SIGKILL');
    const expected = await sending;
    await until(() => cluster!.doneCount() >= 120, 'all 120 messages to be handled', 60_000);
    expect(cluster.doneTexts()).toEqual(expected);
    expect(inHand.length).toBeGreaterThan(0);
    for (const b of inHand) expect(cluster.done.some((d) => d.pid !== victim.pid && d.chatKey === b.chatKey && b.texts.every((t) => d.texts.includes(t)))).toBe(true);
    expect(cluster.overlaps).toEqual([]);
  });

  it('completes the run when Redis restarts in the middle, taking every message meanwhile', async () => {
    server = await startRedisServer({ persistent: true });
    cluster = new Cluster({ ...settings(server.url), HANDLE_MS: '5' });
    await cluster.spawn('gateway');
    await cluster.spawn('worker');
    // No message is sent twice (OneBot cannot): the gateway holds what arrives while Redis is away.
    const first = converse(cluster, 30, 6, 60);
    await until(() => cluster!.doneCount() >= 30, 'the first messages to be handled', 30_000);
    await server.restart();
    const expected = await first;
    // Count each text once: a batch run twice across the restart must not stand in for one not run yet.
    const distinct = (): number => [...cluster!.doneTexts().values()].reduce((n, texts) => n + new Set(texts).size, 0);
    await until(() => distinct() >= 180, 'all 180 messages to be handled after the restart', 90_000).catch((err: Error) => {
      const missing = [...expected].flatMap(([chat, texts]) => texts.filter((t) => !cluster!.doneTexts().get(chat)?.includes(t)).map((t) => `${chat} ${t}`));
      throw new Error(`${err.message}; not handled: ${missing.join(', ')}`);
    });
    // At-least-once across a restart: a batch may run twice, but nothing is lost and each chat stays in order.
    for (const [chat, texts] of expected) {
      const got = cluster.doneTexts().get(chat) ?? [];
      expect([...new Set(got)]).toEqual(texts);
    }
  });
});
