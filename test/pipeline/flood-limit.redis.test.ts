import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createInboundMessage } from '../../core/message/index.js';
import { Metrics } from '../../core/metrics/index.js';
import { FloodLimit, type IngestResult } from '../../core/pipeline/index.js';
import { loadConfig, openApp, type App } from '../../core/runtime/index.js';
import { whenReady } from '../../core/redis/index.js';
import { RecordingAdapter } from '../support/chat.js';
import { captureLogger } from '../support/logger.js';
import { startRedisServer } from '../support/redis-server.js';
import { keysUnder, testRedisSettings } from '../support/redis.js';

const settings = testRedisSettings();
const probe = new Redis(settings.url);
afterAll(() => probe.quit());

const apps: App[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

let n = 0;
const message = (user: string, chat: string) =>
  createInboundMessage({
    adapter: 'test', botId: 'bot', chatType: 'group', chatId: chat, userId: user, userName: user, toMe: true,
    segments: [{ type: 'text', text: 'hi' }], messageId: `r${++n}`,
  });

/** A gateway on the shared Redis: it ingests and buffers; no worker is needed to see what the limit let in. */
async function gateway(env: Record<string, string>) {
  const adapter = new RecordingAdapter();
  const { log, lines } = captureLogger();
  const config = loadConfig({ REDIS_URL: settings.url, REDIS_PREFIX: settings.prefix, ROLE: 'gateway', DATA_DIR: '/tmp/nekomata-unused', ...env });
  const app = await openApp(config, { log, adapters: [adapter] });
  apps.push(app);
  await app.start();
  return { app, adapter, lines };
}

const outcomes = (results: IngestResult[]) => results.reduce<Record<string, number>>((o, r) => ({ ...o, [r.outcome]: (o[r.outcome] ?? 0) + 1 }), {});

describe('flood limits on Redis', () => {
  it('share one count between two gateways: the limit holds across both, and the user is told once', async () => {
    const env = { FLOOD_USER_MESSAGES: '5', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '0' };
    const a = await gateway(env);
    const b = await gateway(env);
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).app.ingest(message('u1', 'g1'))));
    expect(outcomes(flood)).toEqual({ buffer: 5, rate_limited: 35 });
    // Each gateway alone would have let 5 through.
    expect(a.app.metrics.get('messages_total', { outcome: 'buffer' }) + b.app.metrics.get('messages_total', { outcome: 'buffer' })).toBe(5);
    const notices = [...a.adapter.sent, ...b.adapter.sent];
    expect(notices.map((s) => s.text)).toEqual([expect.stringMatching(/^@u1 You are sending messages too fast; try again in (59|60) s\.$/)]);
    expect([...a.lines, ...b.lines].filter((l) => String(l.msg).startsWith('flood limit:'))).toHaveLength(1);
    // Another user, through either gateway, is not affected.
    expect((await b.app.ingest(message('u2', 'g1'))).outcome).toBe('buffer');
    expect((await a.app.ingest(message('u2', 'g2'))).outcome).toBe('buffer');

    // The count lives under the prefix and expires with its window.
    const key = `${settings.prefix}:flood:user:test:u1`;
    expect(await keysUnder(probe, `${settings.prefix}:flood`)).toContain(key);
    const ttl = await probe.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('lets messages through, logged once and counted, while Redis is away', async () => {
    const server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      await whenReady(client);
      const { log, lines } = captureLogger();
      const metrics = new Metrics();
      const flood = new FloodLimit(
        { user: { messages: 1, windowMs: 60_000 }, chat: { messages: 0, windowMs: 1000 } },
        { log, metrics, exempt: () => false, lang: () => 'en_US', send: async () => undefined, redis: { client, prefix: 'down' } },
      );
      const after = { defer: () => {} };
      expect(await flood.check(message('u1', 'g1'), after)).toBeUndefined();
      expect(await flood.check(message('u1', 'g1'), after)).toMatchObject({ limit: 'user' });
      await server.stop();
      // u1 stays refused from this process's memory for the rest of its window; u2 cannot be counted.
      expect(await flood.check(message('u1', 'g1'), after)).toMatchObject({ limit: 'user' });
      for (let i = 0; i < 5; i++) expect(await flood.check(message('u2', 'g1'), after)).toBeUndefined();
      expect(metrics.get('flood_limit_errors_total', { stage: 'count' })).toBe(5);
      expect(lines.filter((l) => l.level === 50 && String(l.msg).startsWith('flood limit could not count'))).toHaveLength(1);
    } finally {
      client.disconnect();
      await server.stop();
    }
  });

  it('does not charge a message that another gateway already took: a redelivery costs the flood count nothing', async () => {
    const env = { FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '0' };
    const a = await gateway(env);
    const b = await gateway(env);
    const first = message('u3', 'g3');
    expect((await a.app.ingest(first)).outcome).toBe('buffer');
    // The platform delivers it again, to the other gateway: dropped there, and its count given back.
    expect((await b.app.ingest({ ...first })).outcome).toBe('duplicate');
    const key = `${settings.prefix}:flood:user:test:u3`;
    for (let i = 0; i < 200 && (await probe.get(key)) !== '1'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await probe.get(key)).toBe('1');
    for (let i = 0; i < 2; i++) expect((await b.app.ingest(message('u3', 'g3'))).outcome).toBe('buffer');
    expect((await a.app.ingest(message('u3', 'g3'))).outcome).toBe('rate_limited');
  });

  it('counts a message and claims its id in one round trip, not one after the other', async () => {
    // The claim of the id (SET NX) is held until the flood count has been sent: one after the other, they never finish.
    const real = new Redis(settings.url);
    let countSent!: () => void;
    const sent = new Promise<void>((resolve) => (countSent = resolve));
    const ingestRedis = new Proxy(real, {
      get(target, name) {
        const value: unknown = Reflect.get(target, name, target);
        if (typeof value !== 'function') return value;
        if (name === 'set') return async (...args: unknown[]) => sent.then(() => (value as (...a: unknown[]) => unknown).apply(target, args));
        if (name === 'rlflxIncr') return (...args: unknown[]) => (countSent(), (value as (...a: unknown[]) => unknown).apply(target, args));
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
    try {
      await whenReady(real);
      const adapter = new RecordingAdapter();
      const config = loadConfig({ REDIS_URL: settings.url, REDIS_PREFIX: settings.prefix, ROLE: 'gateway', DATA_DIR: '/tmp/nekomata-unused', FLOOD_CHAT_MESSAGES: '0' });
      const app = await openApp(config, { log: captureLogger().log, adapters: [adapter], ingestRedis });
      apps.push(app);
      await app.start();
      expect((await app.ingest(message('u4', 'g4'))).outcome).toBe('buffer');
    } finally {
      real.disconnect();
    }
  });
});
