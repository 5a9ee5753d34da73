import net from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isUnavailable } from '../../core/errors/index.js';
import { BullMQOutbox, OutboxTimeoutError } from '../../core/outbox/index.js';
import { RecordingAdapter } from '../support/chat.js';
import { testDeps } from '../support/logger.js';
import { sleep } from '../support/messages.js';
import { testRedisSettings } from '../support/redis.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const text = (t: string) => [{ type: 'text' as const, text: t }];

let server: RedisServer | undefined;
const outboxes: BullMQOutbox[] = [];
const stops: (() => void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await Promise.all(outboxes.splice(0).map((o) => o.close()));
  await server?.stop();
  server = undefined;
});

function outbox(redis = testRedisSettings(), timeoutMs?: number) {
  const deps = testDeps();
  const o = new BullMQOutbox({ redis, ...deps, ...(timeoutMs ? { timeoutMs } : {}) });
  outboxes.push(o);
  return { outbox: o, ...deps, redis };
}

describe('the outbox: a reply with a key goes out at most once', () => {
  it('sends a key once through the gateway, however often the key is sent', async () => {
    const { outbox: worker, redis } = outbox();
    const { outbox: gateway } = outbox(redis);
    const adapter = new RecordingAdapter();
    stops.push(gateway.serve(adapter));
    const first = await worker.send('test', 'test-private_c1', text('hello'), 'rkey1');
    const again = await worker.send('test', 'test-private_c1', text('hello'), 'rkey1');
    expect(adapter.sent.map((s) => s.text)).toEqual(['hello']);
    expect(first).toEqual({ messageId: 'out1' });
    // The job of that key is still there: the second send gets its answer.
    expect(again).toEqual({ messageId: 'out1' });
  });

  it('refuses on the gateway a key already sent, when its job runs again (removed and added anew)', async () => {
    const { outbox: worker, redis, metrics } = outbox();
    const adapter = new RecordingAdapter();
    stops.push(worker.serve(adapter));
    await worker.send('test', 'test-private_c1', text('hello'), 'rkey2');
    const admin = new Redis(redis.url);
    try {
      await admin.del(`${redis.prefix}:bull:outbox-test:rkey2`);
      await admin.zrem(`${redis.prefix}:bull:outbox-test:completed`, 'rkey2');
    } finally {
      admin.disconnect();
    }
    expect(await worker.send('test', 'test-private_c1', text('hello'), 'rkey2')).toEqual({ duplicate: true });
    expect(adapter.sent).toHaveLength(1);
    expect(metrics.get('outbox_duplicates_total')).toBe(1);
  });

  it('guards sends made straight to an adapter this process holds (ROLE=all) the same way', async () => {
    const { outbox: o } = outbox();
    const adapter = new RecordingAdapter();
    const send = () => adapter.send('test-private_c1', text('hi'));
    expect(await o.sendOnce('rkey3', send)).toEqual({ messageId: 'out1' });
    expect(await o.sendOnce('rkey3', send)).toEqual({ duplicate: true });
    expect(adapter.sent).toHaveLength(1);
  });
});

describe('the outbox while Redis is away', { timeout: 20_000 }, () => {
  it('keeps a send made during the outage and delivers it once Redis is back, within the time limit', async () => {
    server = await startRedisServer({ persistent: true });
    const redis = { url: server.url, prefix: 'test:outage' };
    const { outbox: worker } = outbox(redis);
    const { outbox: gateway } = outbox(redis);
    const adapter = new RecordingAdapter();
    stops.push(gateway.serve(adapter));
    await worker.send('test', 'test-private_c1', text('before'), 'k-before');
    const back = server.restart({ downMs: 1000 });
    while (await answers(server.port)) await sleep(5);
    await sleep(100);
    const during = worker.send('test', 'test-private_c1', text('during'), 'k-during');
    await back;
    expect(await during).toEqual({ messageId: 'out2' });
    expect(adapter.sent.map((s) => s.text)).toEqual(['before', 'during']);
  });

  it('gives up after its time limit with OutboxTimeoutError, an UnavailableError: delivery unknown, to retry', async () => {
    const { outbox: worker } = outbox(testRedisSettings(), 300);
    const err = await worker.send('nobody', 'nobody-private_c1', text('hello'), 'rkey4').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OutboxTimeoutError);
    expect(isUnavailable(err)).toBe(true);
  });
});

describe('the outbox at shutdown', () => {
  it('fails a send still waiting for its gateway as unavailable (to run again elsewhere), not as refused', async () => {
    const { outbox: worker } = outbox();
    const waiting = worker.send('test', 'test-private_c1', text('hello'), 'rkey5').then(() => undefined, (e: unknown) => e);
    await sleep(200);
    await worker.close();
    const err = await waiting;
    expect(isUnavailable(err)).toBe(true);
    expect((err as { code?: string }).code).toBe('SEND_UNKNOWN');
  });
});

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
