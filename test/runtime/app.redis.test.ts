import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createInboundMessage, type Batch } from '../../core/message/index.js';
import { loadConfig, openApp } from '../../core/runtime/index.js';
import { captureLogger } from '../support/logger.js';
import { until } from '../support/messages.js';
import { keysUnder, testRedisSettings } from '../support/redis.js';
import { RecordingAdapter } from '../support/chat.js';

const settings = testRedisSettings();
const probe = new Redis(settings.url);
afterAll(() => probe.quit());

async function start(batches: Batch[]) {
  const adapter = new RecordingAdapter();
  // Three ingests in a row must fall in one debounce window; each is several Redis round trips (flood counts,
  // history, buffer), which on a loaded machine took over 40 ms now and then: 300 ms leaves room.
  const config = loadConfig({ REDIS_URL: settings.url, REDIS_PREFIX: settings.prefix, DEBOUNCE_MS: '300', DATA_DIR: '/tmp/nekomata-unused' });
  const app = await openApp(config, { log: captureLogger().log, adapters: [adapter], sessionHandler: async (b, ctx) => {
    batches.push(b);
    await ctx.reply(`got ${b.messages.length}`);
  } });
  await app.start();
  return { app, adapter };
}

const message = (text: string, id: string) =>
  createInboundMessage({ adapter: 'test', botId: 'bot', chatType: 'private', chatId: 'c1', userId: 'u1', segments: [{ type: 'text', text }], messageId: id });

describe('the app on Redis (ROLE=all)', () => {
  it('buffers, answers commands, stores history and restarts on the same Redis, keeping every key under the prefix', async () => {
    const batches: Batch[] = [];
    const first = await start(batches);
    for (const [i, t] of ['a', 'b', 'c'].entries()) await first.app.ingest(message(t, `m${i}`));
    await first.app.ingest(message('/echo hello', 'm3'));
    await until(() => batches.length === 1, 'the batch');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['a', 'b', 'c']);
    await until(() => first.adapter.sent.length === 2, 'both replies');
    expect(first.adapter.sent.map((s) => s.text).sort()).toEqual(['got 3', 'hello']);
    // Three user messages and the two replies; the command line itself is not recorded (RECORD_COMMAND_INPUT=0).
    expect(await first.app.store.history.count('test-private_c1')).toBe(5);
    await first.app.stop();

    const second = await start([]);
    expect(await second.app.store.history.count('test-private_c1')).toBe(5);
    await second.app.stop();

    const keys = await keysUnder(probe, settings.prefix);
    expect(keys.every((k) => k.startsWith(`${settings.prefix}:`))).toBe(true);
    const kinds = new Set(keys.map((k) => k.slice(settings.prefix.length + 1).split(':')[0]));
    for (const kind of kinds) expect(['buffer', 'bull', 'kv', 'history', 'history-writes', 'pending', 'flood', 'outbox', 'seen', 'control', 'waits', 'bus']).toContain(kind);
  });
});
