import { afterEach, describe, expect, it } from 'vitest';
import { OneBotAdapter, type OneBotAdapterOptions } from '../../../adapters/onebot/index.js';
import { ConfigError } from '../../../core/errors/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeOneBot, type FakeOneBotOptions } from '../../peers/onebot/fake-onebot.js';

let app: App | undefined;
let lines: Record<string, unknown>[] = [];
const peers: FakeOneBot[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.stop()));
  await app?.stop();
  app = undefined;
});

const textOf = (params: Record<string, unknown>) =>
  (params.message as { type: string; data: { text?: string } }[]).filter((s) => s.type === 'text').map((s) => s.data.text).join('');

async function startReverse(options: Partial<OneBotAdapterOptions> = {}, env: Record<string, string> = {}): Promise<{ adapter: OneBotAdapter; url: string }> {
  const adapter = new OneBotAdapter({ reverse: { host: '127.0.0.1', port: 0 }, accessToken: 'secret', ...options });
  ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '30', ...env }, { adapters: [adapter] }));
  await app.start();
  return { adapter, url: `ws://127.0.0.1:${adapter.reverseAddress!.port}/onebot/v11/ws` };
}

async function dial(url: string, selfId: number, options: Partial<FakeOneBotOptions> = {}): Promise<FakeOneBot> {
  const peer = new FakeOneBot({ selfId, mode: 'reverse', token: 'secret', url, ...options });
  peers.push(peer);
  await peer.start();
  return peer;
}

describe('OneBot: several accounts on one bot', () => {
  it("handles two accounts' messages that carry the same message_id (each account numbers its own)", async () => {
    const { adapter, url } = await startReverse();
    const a = await dial(url, 10001);
    const b = await dial(url, 10002);
    await until(() => adapter.accountIds.length === 2, 'both accounts');
    for (let i = 0; i < 20; i++) {
      a.emitEvent(a.groupMessage(555, 42, `/echo a${i}`));
      b.emitEvent(b.groupMessage(556, 43, `/echo b${i}`));
    }
    const echoed = () => [...a.calls, ...b.calls].filter((c) => c.action === 'send_group_msg').map((c) => textOf(c.params));
    await until(() => echoed().length === 40, '40 echoes', 5000).catch(() => undefined);
    expect(echoed().filter((t) => t.startsWith('b'))).toHaveLength(20);
    expect(echoed()).toHaveLength(40);
    expect(app!.metrics.get('messages_total', { outcome: 'duplicate' })).toBe(0);
  });
});

describe('OneBot: reverse-WS accounts that leave', () => {
  it('a thousand accounts that connect, talk and leave leave nothing behind once their grace period is over', async () => {
    const { adapter, url } = await startReverse({ accountGraceMs: 50 });
    for (let first = 0; first < 1000; first += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const peer = new FakeOneBot({ selfId: 30000 + first + i, mode: 'reverse', token: 'secret', url, reconnectMs: 0 });
          await peer.start();
          // Frames are read in order: the bot has the message before it sees the close.
          peer.emitEvent(peer.groupMessage(40000 + first + i, 50000 + first + i, 'hello'));
          await peer.stop();
        }),
      );
    }
    await until(() => app!.metrics.get('messages_total', { outcome: 'record' }) === 1000, 'every message recorded', 30_000);
    await until(() => adapter.held.reverseConnections === 0, 'every account released', 30_000);
    expect(adapter.held).toEqual({ accounts: 0, links: 0, routes: 0, reverseConnections: 0 });
    expect(adapter.accountIds).toEqual([]);
  }, 60_000);

  it('keeps the state of an account that redials within its grace period, and starts afresh after it', async () => {
    const { adapter, url } = await startReverse({ accountGraceMs: 60_000 });
    const peer = await dial(url, 10001, { reconnectMs: 10 });
    await until(() => adapter.accountIds.length === 1, 'the account');
    peer.emitEvent(peer.groupMessage(555, 42, '/echo one'));
    await peer.waitForCall('send_group_msg');
    await peer.drop();
    await peer.waitForConnections(2);
    peer.emitEvent(peer.groupMessage(555, 42, '/echo two'));
    expect(textOf((await peer.waitForCall('send_group_msg')).params)).toBe('two');
    expect(adapter.held).toEqual({ accounts: 1, links: 1, routes: 1, reverseConnections: 1 });
    expect(lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('released'))).toEqual([]);
  });

  it('serves an account that comes back after it was released as a new one', async () => {
    const { adapter, url } = await startReverse({ accountGraceMs: 20 });
    const first = await dial(url, 10001, { reconnectMs: 0 });
    first.emitEvent(first.groupMessage(555, 42, '/echo one'));
    await first.waitForCall('send_group_msg');
    await first.stop();
    await until(() => adapter.held.accounts === 0, 'released');
    const again = await dial(url, 10001, { reconnectMs: 0 });
    again.emitEvent({ ...again.groupMessage(555, 42, '/echo two'), message_id: 2 });
    expect(textOf((await again.waitForCall('send_group_msg')).params)).toBe('two');
    expect(adapter.held).toEqual({ accounts: 1, links: 1, routes: 1, reverseConnections: 1 });
  });
});

describe('OneBot reverse WS: who may dial in', () => {
  it('says at start that every dial must carry the token', async () => {
    await startReverse();
    const line = lines.find((l) => l.tokenChecked !== undefined);
    expect(line).toMatchObject({ level: 30, tokenChecked: true, msg: expect.stringContaining('every dial must carry ONEBOT_ACCESS_TOKEN') });
  });

  it('says at start that no token is checked on loopback without one', async () => {
    await startReverse({ accessToken: undefined });
    expect(lines.find((l) => l.tokenChecked !== undefined)).toMatchObject({ level: 30, tokenChecked: false, msg: expect.stringContaining('no access token is checked') });
  });

  it('refuses to start beyond loopback without a token, and warns at start when allowed to', async () => {
    const refused = new OneBotAdapter({ reverse: { host: '0.0.0.0', port: 0 } });
    ({ app, lines } = makeTestApp({}, { adapters: [refused] }));
    const err = await app.start().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual(['ONEBOT_ACCESS_TOKEN', 'ONEBOT_ALLOW_NO_TOKEN']);
    await app.stop();

    await startReverse({ reverse: { host: '0.0.0.0', port: 0 }, accessToken: undefined, allowNoToken: true });
    expect(lines.find((l) => l.tokenChecked !== undefined)).toMatchObject({ level: 40, tokenChecked: false, msg: expect.stringContaining('NO access token') });
  });
});
