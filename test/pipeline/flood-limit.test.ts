import { afterEach, describe, expect, it } from 'vitest';
import { createInboundMessage, type Batch } from '../../core/message/index.js';
import type { IngestResult } from '../../core/pipeline/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { RecordingAdapter } from '../support/chat.js';
import { until } from '../support/messages.js';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Both limits off unless a test turns one on: each test looks at one. */
const OFF = { FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' };

let n = 0;

async function start(env: Record<string, string>) {
  const adapter = new RecordingAdapter();
  const handled: Batch[] = [];
  const made = makeTestApp({ ...OFF, SUPER_USERS: 'test:boss', ...env }, { adapters: [adapter], sessionHandler: async (batch) => void handled.push(batch) });
  app = made.app;
  await app.start();
  const a = app;
  /** A group message addressed to the bot (so it is buffered for an answer) from `user` in `chat`. */
  const send = (user: string, chat: string, text = 'hi', language?: string): Promise<IngestResult> =>
    a.ingest(
      createInboundMessage({
        adapter: 'test', botId: 'bot', chatType: 'group', chatId: chat, userId: user, userName: user, toMe: true,
        segments: [{ type: 'text', text }], messageId: `f${++n}`, ...(language ? { language } : {}),
      }),
    );
  const sentTo = (chat: string) => adapter.sent.filter((s) => s.chatKey === `test-group_${chat}`);
  const handledFrom = (user: string) => handled.flatMap((b) => b.messages).filter((m) => m.userId === user).length;
  const floodLogs = () => made.lines.filter((l) => String(l.msg).startsWith('flood limit:'));
  return { app: a, adapter, handled, send, sentTo, handledFrom, floodLogs };
}

const outcomes = (results: IngestResult[]) => results.reduce<Record<string, number>>((o, r) => ({ ...o, [r.outcome]: (o[r.outcome] ?? 0) + 1 }), {});

/** Sends until a message is refused; the number sent before it, and the refusal. */
async function untilLimited(send: () => Promise<IngestResult>): Promise<{ served: number; refused: IngestResult }> {
  for (let served = 0; served < 1000; served++) {
    const r = await send();
    if (r.outcome === 'rate_limited') return { served, refused: r };
  }
  throw new Error('never limited');
}

describe('the per-user flood limit', () => {
  it('lets a flooding user through up to the limit, tells them once, and leaves other users and chats alone', async () => {
    const { app: a, send, sentTo, handledFrom, floodLogs } = await start({ FLOOD_USER_MESSAGES: '5', FLOOD_USER_WINDOW_MS: '60000' });
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) => send('u1', 'g1', `spam ${i}`)));
    expect(outcomes(flood)).toEqual({ buffer: 5, rate_limited: 195 });
    // Commands come after the limit: nothing of the flooder's reaches them either.
    expect((await send('u1', 'g1', '/echo let me in')).outcome).toBe('rate_limited');
    expect(await Promise.all([send('u2', 'g2'), send('u2', 'g2'), send('u3', 'g1')])).toMatchObject([{ outcome: 'buffer' }, { outcome: 'buffer' }, { outcome: 'buffer' }]);
    // Super users are not counted.
    expect(outcomes(await Promise.all(Array.from({ length: 30 }, () => send('boss', 'g1'))))).toEqual({ buffer: 30 });

    const notices = sentTo('g1');
    expect(notices).toHaveLength(1);
    expect(notices[0]!.segments[0]).toEqual({ type: 'at', userId: 'u1', name: 'u1' });
    expect(notices[0]!.text).toMatch(/You are sending messages too fast; try again in (59|60) s\.$/);
    expect(sentTo('g2')).toEqual([]);
    expect(a.metrics.get('messages_total', { outcome: 'rate_limited' })).toBe(196);
    expect(floodLogs()).toHaveLength(1);
    expect(floodLogs()[0]).toMatchObject({ level: 40, limit: 'user', userId: 'u1', chatKey: 'test-group_g1', messages: 5 });

    // Nothing of the dropped messages was stored, buffered or handled.
    const stored = (await a.store.history.recent('test-group_g1', 1000)).filter((e) => e.role !== 'bot');
    expect(stored.filter((e) => e.userId === 'u1')).toHaveLength(5);
    await a.stop();
    expect(handledFrom('u1')).toBe(5);
    expect([handledFrom('u2'), handledFrom('u3'), handledFrom('boss')]).toEqual([2, 1, 30]);
  });

  it('serves the user again when the window ends, and tells them again only in the next window', async () => {
    const { send, sentTo } = await start({ FLOOD_USER_MESSAGES: '2', FLOOD_USER_WINDOW_MS: '300' });
    const first = await untilLimited(() => send('u1', 'g1'));
    expect(first.served).toBeLessThanOrEqual(2);
    const refusedAt = Date.now();
    expect(sentTo('g1')).toHaveLength(1);

    await until(() => Date.now() > refusedAt + first.refused.retryAfterMs!, 'the window to end');
    expect((await send('u1', 'g1')).outcome).toBe('buffer');
    const second = await untilLimited(() => send('u1', 'g1'));
    expect(second.served).toBeLessThanOrEqual(1);
    expect(sentTo('g1')).toHaveLength(2);
  });

  it('answers in the user\'s language', async () => {
    const { send, sentTo } = await start({ FLOOD_USER_MESSAGES: '1', FLOOD_USER_WINDOW_MS: '60000' });
    await untilLimited(() => send('u1', 'g1', '你好', 'zh-hans'));
    expect(sentTo('g1')[0]!.text).toMatch(/你发消息太快了，请 (59|60) 秒后再试。$/);
  });
});

describe('the per-chat flood limit', () => {
  it('holds a chat to its limit across users, tells the chat once, and does not charge it for a flooder\'s dropped messages', async () => {
    const { app: a, send, sentTo, floodLogs } = await start({
      FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '6', FLOOD_CHAT_WINDOW_MS: '60000',
    });
    expect(outcomes(await Promise.all(Array.from({ length: 50 }, () => send('u1', 'g1'))))).toEqual({ buffer: 3, rate_limited: 47 });
    // u1's 47 dropped messages did not use up the chat: three more users get in.
    const others = [];
    for (const user of ['u2', 'u3', 'u4', 'u5', 'u6']) others.push(await send(user, 'g1'));
    expect(others.map((r) => r.outcome)).toEqual(['buffer', 'buffer', 'buffer', 'rate_limited', 'rate_limited']);
    expect((await send('u5', 'g2')).outcome).toBe('buffer');

    expect(sentTo('g1').map((s) => s.text)).toEqual([
      expect.stringMatching(/^@u1 You are sending messages too fast/),
      expect.stringMatching(/^This chat is sending messages too fast; I will read it again in (59|60) s\.$/),
    ]);
    expect(floodLogs().map((l) => l.limit)).toEqual(['user', 'chat']);
    expect(a.metrics.get('messages_total', { outcome: 'rate_limited' })).toBe(49);
  });
});

describe('the in-memory count', () => {
  it('forgets each user and chat when its window ends', async () => {
    const { app: a, send } = await start({ FLOOD_USER_MESSAGES: '5', FLOOD_USER_WINDOW_MS: '200', FLOOD_CHAT_MESSAGES: '5', FLOOD_CHAT_WINDOW_MS: '200', CHAT_GROUP_MENTIONED: 'discard' });
    await Promise.all(Array.from({ length: 500 }, (_, i) => send(`user${i}`, `chat${i}`)));
    expect(a.flood.trackedKeys()).toBeGreaterThan(0);
    await until(() => a.flood.trackedKeys() === 0, 'every key to expire');
  });
});

describe('one-to-one chats', () => {
  async function startPrivate(env: Record<string, string>) {
    const started = await start(env);
    const sendPrivate = (user: string): Promise<IngestResult> =>
      started.app.ingest(
        createInboundMessage({ adapter: 'test', botId: 'bot', chatType: 'private', chatId: user, userId: user, userName: user, segments: [{ type: 'text', text: 'hi' }], messageId: `f${++n}` }),
      );
    return { ...started, sendPrivate };
  }

  it('are not counted against a chat limit that the user limit always reaches first', async () => {
    // 6 ≥ 2 × 3 over the same window: the chat could only be over after the user is.
    const { app: a, send, sendPrivate } = await startPrivate({ FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '6', FLOOD_CHAT_WINDOW_MS: '60000' });
    expect((await sendPrivate('u1')).outcome).not.toBe('rate_limited');
    expect(a.flood.trackedKeys()).toBe(1);
    const { served, refused } = await untilLimited(() => sendPrivate('u1'));
    expect(served).toBe(2);
    expect(refused.retryAfterMs).toBeGreaterThan(59_000);
    // A group chat is counted against both.
    await send('u2', 'g1');
    expect(a.flood.trackedKeys()).toBe(3);
  });

  it('are held to a chat limit stricter than that', async () => {
    const { app: a, sendPrivate, floodLogs } = await startPrivate({ FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '2', FLOOD_CHAT_WINDOW_MS: '60000' });
    expect((await untilLimited(() => sendPrivate('u1'))).served).toBe(2);
    expect(floodLogs().map((l) => l.limit)).toEqual(['chat']);
    expect(a.flood.trackedKeys()).toBe(2);
  });

  it('are counted against a chat limit under twice the user limit: fixed windows let the user through twice in a chat window', async () => {
    const { send, sendPrivate, floodLogs } = await startPrivate({ FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '1000', FLOOD_CHAT_MESSAGES: '4', FLOOD_CHAT_WINDOW_MS: '1000' });
    await send('u1', 'g1'); // the user's window starts here, before the one-to-one chat's
    // Taken once the send is through, so that a slow first send cannot leave the user's window open past it.
    const userWindowEnds = Date.now() + 1000;
    await new Promise((r) => setTimeout(r, 400));
    // The chat's window starts here and ends ~400 ms after the user's: the late sends below fall between.
    for (let i = 0; i < 2; i++) expect((await sendPrivate('u1')).outcome).not.toBe('rate_limited');
    await until(() => Date.now() > userWindowEnds + 30, "the user's first window to end");
    const late = [];
    for (let i = 0; i < 3; i++) late.push((await sendPrivate('u1')).outcome);
    expect(late.map((o) => o === 'rate_limited')).toEqual([false, false, true]);
    expect(floodLogs().map((l) => l.limit)).toEqual(['chat']);
  });

  it('are counted against a chat limit over a longer window than the user\'s', async () => {
    const { app: a, sendPrivate } = await startPrivate({ FLOOD_USER_MESSAGES: '3', FLOOD_USER_WINDOW_MS: '60000', FLOOD_CHAT_MESSAGES: '60', FLOOD_CHAT_WINDOW_MS: '120000' });
    await sendPrivate('u1');
    expect(a.flood.trackedKeys()).toBe(2);
  });
});
