import { afterEach, describe, expect, it } from 'vitest';
import { OneBotAdapter } from '../../../adapters/onebot/index.js';
import type { App } from '../../../core/runtime/index.js';
import { makeTestApp } from '../../support/app.js';
import { until } from '../../support/messages.js';
import { FakeOneBot } from '../../peers/onebot/fake-onebot.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../peers/openai/index.js';

let app: App | undefined;
let peer: FakeOneBot | undefined;
let llm: FakeOpenAI | undefined;
let lines: Record<string, unknown>[] = [];
afterEach(async () => {
  await peer?.stop();
  await app?.stop();
  await llm?.close();
  peer = app = llm = undefined;
});

const SELF = 10001;
const textOf = (params: Record<string, unknown>) =>
  (params.message as { type: string; data: { text?: string } }[]).filter((s) => s.type === 'text').map((s) => s.data.text).join('');

/** The bot dials a forward-mode fake (heartbeats off: the tests send their own). */
async function connect(env: Record<string, string> = {}, mode: 'forward' | 'reverse' = 'forward'): Promise<OneBotAdapter> {
  if (mode === 'forward') {
    peer = await FakeOneBot.start({ selfId: SELF, mode, token: 'secret' });
    const adapter = new OneBotAdapter({ wsUrls: [peer.url], accessToken: 'secret', backoff: { baseMs: 5, capMs: 20 } });
    ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '20', ...env }, { adapters: [adapter] }));
    await app.start();
    await until(() => adapter.accountIds.includes(String(SELF)), 'the account to identify');
    return adapter;
  }
  const adapter = new OneBotAdapter({ reverse: { host: '127.0.0.1', port: 0 }, accessToken: 'secret' });
  ({ app, lines } = makeTestApp({ DEBOUNCE_MS: '20', ...env }, { adapters: [adapter] }));
  await app.start();
  peer = await FakeOneBot.start({ selfId: SELF, mode, token: 'secret', url: `ws://127.0.0.1:${adapter.reverseAddress!.port}/onebot/v11/ws`, reconnectMs: 5 });
  await until(() => adapter.accountIds.includes(String(SELF)), 'the account to identify');
  return adapter;
}

async function echoed(text: string): Promise<void> {
  peer!.emitEvent(peer!.groupMessage(3, 4, `/echo ${text}`));
  await peer!.waitForCall('send_group_msg', (c) => textOf(c.params) === text);
}

describe('OneBot: a peer that sends garbage', () => {
  it('logs 10,000 hostile frames in a few lines, counts every one, and keeps serving', async () => {
    await connect();
    const at = lines.length;
    const hostile: (string | Buffer)[] = [
      'this is not json',
      '[1,2,3]',
      Buffer.from([0xde, 0xad]),
      JSON.stringify({ post_type: 'weird', self_id: SELF, time: 1 }),
      JSON.stringify({ post_type: 'message', message_type: 'group', self_id: SELF, time: 1, user_id: true }),
      JSON.stringify({ status: 'ok', retcode: 0, data: null, echo: 'nobody' }),
      JSON.stringify({ post_type: 'notice', notice_type: 'odd_notice', self_id: SELF, time: 1, group_id: '' }),
      JSON.stringify({ post_type: 'meta_event', meta_event_type: 'lifecycle', self_id: SELF, time: 1 }),
    ];
    for (let i = 0; i < 10_000; i++) peer!.sendRaw(hostile[i % hostile.length]!);
    const m = app!.metrics;
    const counted = () =>
      m.total('onebot_malformed_frames_total') + m.total('onebot_bad_frames_total') + m.total('onebot_unmatched_responses_total');
    await until(() => counted() === 10_000, 'every hostile frame counted');
    await echoed('still alive');

    expect(m.get('onebot_malformed_frames_total', { kind: 'not-json' })).toBe(1250);
    expect(m.get('onebot_bad_frames_total', { category: 'bad-chat-key' })).toBe(1250);
    expect(m.get('onebot_unmatched_responses_total')).toBe(1250);
    const logged = lines.slice(at).filter((l) => (l.level as number) >= 40);
    expect(logged.length).toBeLessThanOrEqual(hostile.length);
    expect(new Set(logged.map((l) => l.kind)).size).toBe(logged.length);
  });

  it('sums up the repeats in one line a window, with the counts', async () => {
    peer = await FakeOneBot.start({ selfId: SELF, mode: 'forward' });
    const adapter = new OneBotAdapter({ wsUrls: [peer.url], logSummaryMs: 50 });
    ({ app, lines } = makeTestApp({}, { adapters: [adapter] }));
    await app.start();
    await until(() => adapter.accountIds.length === 1, 'the account');
    for (let i = 0; i < 100; i++) peer.sendRaw('not json');
    await until(() => lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('OneBot input ignored: 99 more')), 'the summary');
    expect(lines.filter((l) => l.kind === 'malformed-not-json')).toHaveLength(1);
  });

  it('counts a frame whose ids make no chat key as bad input (bad-chat-key), logged once', async () => {
    await connect();
    for (let i = 0; i < 3; i++) peer!.sendRaw(JSON.stringify({ post_type: 'notice', notice_type: 'odd', self_id: SELF, time: 1, user_id: '' }));
    await until(() => app!.metrics.get('onebot_bad_frames_total', { category: 'bad-chat-key' }) === 3, 'three counted');
    expect(lines.filter((l) => l.kind === 'bad-chat-key' || l.msg === 'OneBot event was not handled')).toHaveLength(1);
  });
});

describe('OneBot: a time no Date can hold', () => {
  it("is replaced by the time of arrival, counted, and the group's agent keeps answering", async () => {
    llm = await startFakeOpenAI();
    await connect({ LLM_BASE_URL: llm.url, LLM_MODEL: 'm', LLM_API_KEY: 'k', LLM_MAX_RETRIES: '0', AGENT_REPLY_FORMAT: 'text' });
    llm.respond(() => ({ text: 'answered' }));
    const at = { type: 'at', data: { qq: String(SELF) } };
    for (const [i, time] of [1e20, -1, 'NaN', 'soon', 1715587200].entries()) {
      peer!.sendRaw(JSON.stringify({ ...peer!.groupMessage(7, 4, [at, { type: 'text', data: { text: ` question ${i}` } }]), time }));
      await peer!.waitForCall('send_group_msg', (c) => textOf(c.params) === 'answered');
    }
    expect(app!.metrics.get('onebot_repaired_frames_total', { field: 'time' })).toBe(4);
    expect(app!.metrics.total('batch_errors_total')).toBe(0);
  });
});

describe('OneBot: a heartbeat interval beyond what a timer holds', () => {
  it('is clamped (counted, logged once) and the link stays up', async () => {
    await connect();
    const heartbeat = (interval: number) => JSON.stringify({ post_type: 'meta_event', meta_event_type: 'heartbeat', self_id: SELF, time: 1, status: { online: true }, interval });
    for (const interval of [2 ** 31, 1e12, 2 ** 31]) peer!.sendRaw(heartbeat(interval));
    await echoed('after the heartbeats');
    await echoed('and later');
    expect(app!.metrics.total('onebot_link_down_total')).toBe(0);
    expect(peer!.connectionCount).toBe(1);
    expect(app!.metrics.get('onebot_heartbeat_intervals_clamped_total')).toBe(3);
    expect(lines.filter((l) => l.kind === 'heartbeat-interval')).toHaveLength(1);
  });
});

describe.each(['forward', 'reverse'] as const)('OneBot over %s WS: a dropped link', (mode) => {
  it('is counted once and logged in one line', async () => {
    await connect({}, mode);
    const at = lines.length;
    await peer!.drop();
    await until(() => app!.metrics.get('onebot_connection_states_total', { state: 'online' }) === 2, 'the link back online');
    await peer!.waitForConnections(2);
    await echoed('back');
    expect(app!.metrics.total('onebot_link_down_total')).toBe(1);
    const about = lines.slice(at).filter((l) => (l.level as number) >= 30 && l.state !== 'online');
    expect(about.map((l) => l.msg)).toEqual([expect.stringMatching(/socket lost .*; link reconnecting$/)]);
  });
});
