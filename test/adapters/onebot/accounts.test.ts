import { afterEach, describe, expect, it } from 'vitest';
import { OneBotAdapter, type OneBotAdapterOptions } from '../../../adapters/onebot/index.js';
import type { App } from '../../../core/index.js';
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
