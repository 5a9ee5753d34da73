import { afterEach, describe, expect, it } from 'vitest';
import { ControlIncompleteError, RedisControlPlane, type ControlMessage } from '../../core/control/index.js';
import { until } from '../support/messages.js';
import { captureLogger } from '../support/logger.js';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy.js';
import { testRedisSettings } from '../support/redis.js';

const planes: RedisControlPlane[] = [];
let proxy: RedisProxy | undefined;
afterEach(async () => {
  for (const plane of planes.splice(0)) await plane.close();
  await proxy?.close();
  proxy = undefined;
});

/** A started plane that records every message it applies, and whether it came live or from the log. */
async function plane(settings: { url: string; prefix: string }, role: string): Promise<{ plane: RedisControlPlane; seen: { m: ControlMessage; live: boolean }[] }> {
  const p = new RedisControlPlane(settings, captureLogger().log, role);
  planes.push(p);
  const seen: { m: ControlMessage; live: boolean }[] = [];
  p.on('plugin', (m, d) => void seen.push({ m, live: d.live }));
  p.on('reset', (m, d) => {
    seen.push({ m, live: d.live });
    return { here: role };
  });
  await p.start();
  return { plane: p, seen };
}

/** Process a on Redis directly, process b through a proxy the test can cut or silence. */
async function twoPlanesOneBehindProxy(): Promise<{ a: Awaited<ReturnType<typeof plane>>; b: Awaited<ReturnType<typeof plane>>; link: RedisProxy }> {
  const settings = testRedisSettings();
  const started = await startRedisProxy({ port: Number(new URL(settings.url).port) });
  proxy = started;
  return { a: await plane(settings, 'a'), b: await plane({ ...settings, url: started.url }, 'b'), link: started };
}

describe('the control plane on Redis', () => {
  it('tells every process, this one included, each message once and in order', async () => {
    const settings = testRedisSettings();
    const a = await plane(settings, 'a');
    const b = await plane(settings, 'b');
    for (const key of ['p1', 'p2', 'p3']) await a.plane.publish({ kind: 'plugin', pluginKey: key });
    await until(() => a.seen.length === 3 && b.seen.length === 3, 'both to apply three messages');
    for (const { seen } of [a, b]) expect(seen.map((s) => (s.m as { pluginKey: string }).pluginKey)).toEqual(['p1', 'p2', 'p3']);
  });

  it('request resolves once every subscribed process has run its handlers, with their results', async () => {
    const settings = testRedisSettings();
    const a = await plane(settings, 'a');
    const b = await plane(settings, 'b');
    const replies = await b.plane.request({ kind: 'reset', chatKey: 'test-private_c1', by: 'test' }, 5000);
    expect(replies.map((r) => (r.results as { here: string }[]).map((x) => x.here).join()).sort()).toEqual(['a', 'b']);
    expect(replies.map((r) => r.process).sort()).toEqual([a.plane.process, b.plane.process].sort());
  });

  it('request fails naming who confirmed when a process does not answer in time', async () => {
    const settings = testRedisSettings();
    const a = await plane(settings, 'a');
    const slow = await plane(settings, 'slow');
    slow.plane.on('reset', () => new Promise((r) => setTimeout(r, 2000)));
    const asked = a.plane.request({ kind: 'reset', chatKey: 'test-private_c1', by: 'test' }, 300);
    await expect(asked).rejects.toThrow(ControlIncompleteError);
    await expect(asked).rejects.toThrow(/1 of 2 processes did not confirm within 300 ms \(confirmed: a@/);
  });

  it('applies a message once when Redis ran its publish but the reply was lost, and ioredis sent it again', async () => {
    const { a, b, link } = await twoPlanesOneBehindProxy();
    link.swallowReplies();
    const published = b.plane.publish({ kind: 'plugin', pluginKey: 'once' });
    // Redis ran it (a, not behind the proxy, applied it) and b's answer went nowhere.
    await until(() => a.seen.length === 1, 'a to apply the message');
    link.cut();
    await published;
    await a.plane.publish({ kind: 'plugin', pluginKey: 'next' });
    await until(() => a.seen.some((s) => (s.m as { pluginKey: string }).pluginKey === 'next'), 'a to apply the next message');
    expect(a.seen.map((s) => (s.m as { pluginKey: string }).pluginKey)).toEqual(['once', 'next']);
  });

  it('a process cut off from Redis catches up from the log when it is back', async () => {
    const { a, b, link } = await twoPlanesOneBehindProxy();
    await a.plane.publish({ kind: 'plugin', pluginKey: 'before' });
    await until(() => b.seen.length === 1, 'b to apply the first message');

    // Its connections drop; the message is published while it is away, so its signal never reaches it.
    link.cut();
    await a.plane.publish({ kind: 'plugin', pluginKey: 'while away' });
    await until(() => b.seen.length === 2, 'b to catch up', 5000);
    expect(b.seen[1]).toEqual({ m: { kind: 'plugin', pluginKey: 'while away' }, live: false });

    // Back on the signal: the next message arrives live.
    await a.plane.publish({ kind: 'plugin', pluginKey: 'after' });
    await until(() => b.seen.length === 3, 'b to apply the next message');
    expect(b.seen.map((s) => (s.m as { pluginKey: string }).pluginKey)).toEqual(['before', 'while away', 'after']);
  });
});
