import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboundMessage, Segment } from '../../core/message/index.js';
import type { HistoryEntry, KVKey, Store, WaitRecord } from '../../core/store/index.js';

/** What a backend hands the contract suite for one test. */
export interface StoreFixture {
  store: Store;
  /** Opens a second store on the same data (the suite closes the first before calling it); omit if not durable. */
  reopen?: () => Promise<Store>;
  /** Releases what `open` made (temp files, Redis keys); called after every store of the test is closed. */
  dispose?: () => Promise<void>;
}

const P = 'test.plugin';
const OTHER = 'other.plugin';
const CHAT_A = 'onebot-group_1';
const CHAT_B = 'onebot-group_2';

function entry(chatKey: string, n: number, segments: Segment[] = [{ type: 'text', text: `m${n}` }]): HistoryEntry {
  return {
    chatKey,
    role: n % 3 === 0 ? 'bot' : 'user',
    messageId: `${chatKey}#${n}`,
    userId: `u${n % 4}`,
    userName: `User ${n % 4}`,
    segments,
    text: `m${n}`,
    time: 1_700_000_000_000 + n,
  };
}

function inbound(n: number): InboundMessage {
  return {
    adapter: 'onebot',
    botId: 'bot1',
    chatKey: CHAT_A,
    chatType: 'group',
    chatId: '1',
    userId: `u${n}`,
    userName: `User ${n}`,
    segments: [{ type: 'text', text: `pending ${n}` }, { type: 'at', userId: 'bot1', name: 'Neko' }],
    text: `pending ${n}`,
    toMe: n % 2 === 0,
    messageId: `p${n}`,
    time: 1_700_000_000_000 + n,
    raw: { post_type: 'message', n },
  };
}

async function expectClosed(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({ code: 'CLOSED' });
}

/**
 * The behaviour every `Store` backend must have. Call it from a backend's test file with a factory that
 * opens a fresh, empty store for each test.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    const opened: Store[] = [];

    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
      opened.push(store);
    });

    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fixture.dispose?.();
    });

    async function reopen(): Promise<Store> {
      await store.close();
      store = await fixture.reopen!();
      opened.push(store);
      return store;
    }

    describe('kv', () => {
      const at = (scope: Partial<KVKey>, key = 'k'): KVKey => ({ pluginKey: P, key, ...scope });

      it('keeps global, chat, user and chat+user scopes apart with no fallback', async () => {
        await store.kv.set(at({}), 'global');
        await store.kv.set(at({ chatKey: CHAT_A }), 'chat');
        await store.kv.set(at({ userKey: 'u1' }), 'user');
        await store.kv.set(at({ chatKey: CHAT_A, userKey: 'u1' }), 'chat+user');

        expect(await store.kv.get(at({}))).toBe('global');
        expect(await store.kv.get(at({ chatKey: CHAT_A }))).toBe('chat');
        expect(await store.kv.get(at({ userKey: 'u1' }))).toBe('user');
        expect(await store.kv.get(at({ chatKey: CHAT_A, userKey: 'u1' }))).toBe('chat+user');
        expect(await store.kv.get(at({ chatKey: CHAT_B }))).toBeUndefined();
        expect(await store.kv.get(at({ userKey: 'u2' }))).toBeUndefined();
        expect(await store.kv.get(at({ chatKey: CHAT_A, userKey: 'u2' }))).toBeUndefined();
        expect(await store.kv.get(at({ chatKey: CHAT_B, userKey: 'u1' }))).toBeUndefined();

        expect(await store.kv.delete(at({}))).toBe(true);
        expect(await store.kv.get(at({}))).toBeUndefined();
        expect(await store.kv.get(at({ chatKey: CHAT_A }))).toBe('chat');
      });

      it('treats a missing chatKey or userKey as the empty string', async () => {
        await store.kv.set({ pluginKey: P, key: 'k' }, 'v');
        expect(await store.kv.get({ pluginKey: P, chatKey: '', userKey: '', key: 'k' })).toBe('v');
        expect(await store.kv.set({ pluginKey: P, chatKey: '', key: 'k' }, 'w')).toBe(false);
        expect(await store.kv.get({ pluginKey: P, key: 'k' })).toBe('w');
      });

      it('set resolves true when it creates and false when it replaces; get returns the latest value', async () => {
        expect(await store.kv.set(at({ chatKey: CHAT_A }), 'one')).toBe(true);
        expect(await store.kv.set(at({ chatKey: CHAT_A }), 'two')).toBe(false);
        expect(await store.kv.set(at({ chatKey: CHAT_A }), 'two')).toBe(false);
        expect(await store.kv.get(at({ chatKey: CHAT_A }))).toBe('two');
        expect(await store.kv.set(at({ chatKey: CHAT_B }), 'one')).toBe(true);
      });

      it('delete resolves true when a value was removed and false when there was none', async () => {
        await store.kv.set(at({ userKey: 'u1' }), 'v');
        expect(await store.kv.delete(at({}))).toBe(false);
        expect(await store.kv.delete(at({ userKey: 'u1' }))).toBe(true);
        expect(await store.kv.delete(at({ userKey: 'u1' }))).toBe(false);
        expect(await store.kv.get(at({ userKey: 'u1' }))).toBeUndefined();
        expect(await store.kv.set(at({ userKey: 'u1' }), 'again')).toBe(true);
      });

      it('lists by scope and prefix, ordered by chatKey, userKey, key', async () => {
        await store.kv.set(at({ chatKey: 'c2' }, 'b'), '1');
        await store.kv.set(at({ chatKey: 'c1', userKey: 'u2' }, 'a'), '2');
        await store.kv.set(at({ chatKey: 'c1' }, 'z'), '3');
        await store.kv.set(at({ chatKey: 'c1' }, 'a'), '4');
        await store.kv.set(at({ userKey: 'u1' }, 'm'), '5');
        await store.kv.set(at({}, 'g'), '6');
        await store.kv.set({ pluginKey: OTHER, chatKey: 'c1', key: 'a' }, 'not mine');

        const all = await store.kv.list({ pluginKey: P });
        expect(all).toEqual([
          { chatKey: '', userKey: '', key: 'g', value: '6' },
          { chatKey: '', userKey: 'u1', key: 'm', value: '5' },
          { chatKey: 'c1', userKey: '', key: 'a', value: '4' },
          { chatKey: 'c1', userKey: '', key: 'z', value: '3' },
          { chatKey: 'c1', userKey: 'u2', key: 'a', value: '2' },
          { chatKey: 'c2', userKey: '', key: 'b', value: '1' },
        ]);
        expect((await store.kv.list({ pluginKey: P, chatKey: '' })).map((e) => e.value)).toEqual(['6', '5']);
        expect((await store.kv.list({ pluginKey: P, chatKey: 'c1' })).map((e) => e.value)).toEqual(['4', '3', '2']);
        expect((await store.kv.list({ pluginKey: P, chatKey: 'c1', userKey: '' })).map((e) => e.value)).toEqual([
          '4',
          '3',
        ]);
        expect((await store.kv.list({ pluginKey: P, userKey: 'u2' })).map((e) => e.value)).toEqual(['2']);
        expect((await store.kv.list({ pluginKey: P, prefix: 'a' })).map((e) => e.value)).toEqual(['4', '2']);
        expect(await store.kv.list({ pluginKey: P, chatKey: 'c3' })).toEqual([]);
        expect(await store.kv.list({ pluginKey: 'nobody' })).toEqual([]);
      });

      it('matches a prefix literally, wildcard characters included', async () => {
        for (const key of ['a:1', 'a:2', 'ab', 'a%x', 'a_x', 'a%', 'b:a:1']) await store.kv.set(at({}, key), key);
        const keys = async (prefix: string) => (await store.kv.list({ pluginKey: P, prefix })).map((e) => e.key);
        expect(await keys('a:')).toEqual(['a:1', 'a:2']);
        expect(await keys('a%')).toEqual(['a%', 'a%x']);
        expect(await keys('a_')).toEqual(['a_x']);
        expect(await keys('')).toHaveLength(7);
        expect(await keys('zzz')).toEqual([]);
      });

      it('clearPlugin removes only that plugin and resolves the count', async () => {
        await store.kv.set(at({}, 'a'), '1');
        await store.kv.set(at({ chatKey: CHAT_A }, 'b'), '2');
        await store.kv.set(at({ chatKey: CHAT_A, userKey: 'u1' }, 'c'), '3');
        await store.kv.set({ pluginKey: OTHER, key: 'a' }, 'kept');
        await store.kv.set({ pluginKey: `${P}.x`, key: 'a' }, 'kept too');

        expect(await store.kv.clearPlugin(P)).toBe(3);
        expect(await store.kv.list({ pluginKey: P })).toEqual([]);
        expect(await store.kv.get({ pluginKey: OTHER, key: 'a' })).toBe('kept');
        expect(await store.kv.get({ pluginKey: `${P}.x`, key: 'a' })).toBe('kept too');
        expect(await store.kv.clearPlugin(P)).toBe(0);
        expect(await store.kv.clearPlugin('nobody')).toBe(0);
      });

      it('stores unicode and empty strings exactly', async () => {
        const k = { pluginKey: 'neko.插件', chatKey: 'telegram-group_-100_7', userKey: 'ユーザー', key: 'ключ 🐈‍⬛' };
        const value = 'ねこ 🐈 \u0000 ñ\r\n\t"\'\\ \u{1F600} 𝕏';
        expect(await store.kv.set(k, value)).toBe(true);
        expect(await store.kv.get(k)).toBe(value);
        expect(await store.kv.list({ pluginKey: 'neko.插件', userKey: 'ユーザー' })).toEqual([
          { chatKey: k.chatKey, userKey: k.userKey, key: k.key, value },
        ]);

        expect(await store.kv.set(at({}, 'empty'), '')).toBe(true);
        expect(await store.kv.get(at({}, 'empty'))).toBe('');
        expect(await store.kv.set(at({}, ''), 'empty key')).toBe(true);
        expect(await store.kv.get(at({}, ''))).toBe('empty key');
      });

      it('stores a 100 KB value intact', async () => {
        const big = Array.from({ length: 100 * 1024 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
        await store.kv.set(at({}, 'big'), big);
        const back = await store.kv.get(at({}, 'big'));
        expect(back).toHaveLength(big.length);
        expect(back === big).toBe(true);
      });
    });

    describe('history', () => {
      it('recent returns the newest `limit` entries oldest first, with every field intact', async () => {
        const segments: Segment[] = [
          { type: 'at', userId: 'bot', name: 'Neko' },
          { type: 'text', text: ' look ' },
          { type: 'image', url: 'https://x/cat.png', name: 'cat.png', size: 10 },
          { type: 'raw', platform: 'onebot', kind: 'poke', data: { target: 1, nested: { ok: true } } },
        ];
        for (let i = 1; i <= 5; i++) store.history.append(entry(CHAT_A, i, i === 5 ? segments : undefined));

        expect(await store.history.recent(CHAT_A, 3)).toEqual([entry(CHAT_A, 3), entry(CHAT_A, 4), entry(CHAT_A, 5, segments)]);
        expect((await store.history.recent(CHAT_A, 10)).map((e) => e.messageId)).toEqual(
          [1, 2, 3, 4, 5].map((i) => `${CHAT_A}#${i}`),
        );
        expect(await store.history.recent(CHAT_A, 1)).toEqual([entry(CHAT_A, 5, segments)]);
        expect(await store.history.recent(CHAT_A, 0)).toEqual([]);
        expect(await store.history.recent('onebot-group_404', 5)).toEqual([]);
      });

      it('keeps chats apart', async () => {
        for (let i = 0; i < 6; i++) store.history.append(entry(i % 2 === 0 ? CHAT_A : CHAT_B, i));
        expect((await store.history.recent(CHAT_A, 10)).map((e) => e.messageId)).toEqual([0, 2, 4].map((i) => `${CHAT_A}#${i}`));
        expect((await store.history.recent(CHAT_B, 2)).map((e) => e.messageId)).toEqual([3, 5].map((i) => `${CHAT_B}#${i}`));
        expect(await store.history.count(CHAT_A)).toBe(3);
        expect(await store.history.count(CHAT_B)).toBe(3);
        expect(await store.history.count('onebot-group_404')).toBe(0);
      });

      it('clear resolves how many entries it removed and leaves other chats alone', async () => {
        for (let i = 0; i < 5; i++) store.history.append(entry(CHAT_A, i));
        for (let i = 0; i < 2; i++) store.history.append(entry(CHAT_B, i));
        await store.history.flush();
        expect(await store.history.clear(CHAT_A)).toBe(5);
        expect(await store.history.count(CHAT_A)).toBe(0);
        expect(await store.history.recent(CHAT_A, 10)).toEqual([]);
        expect(await store.history.count(CHAT_B)).toBe(2);
        expect(await store.history.clear(CHAT_A)).toBe(0);

        store.history.append(entry(CHAT_A, 9));
        expect((await store.history.recent(CHAT_A, 10)).map((e) => e.messageId)).toEqual([`${CHAT_A}#9`]);
      });

      it('lists the chats that have history, most recently active first, up to a limit', async () => {
        expect(await store.history.chats(10)).toEqual([]);
        store.history.append({ ...entry(CHAT_A, 0), time: 1_000 });
        store.history.append({ ...entry(CHAT_B, 0), time: 2_000 });
        store.history.append({ ...entry(CHAT_A, 1), time: 3_000 });
        expect(await store.history.chats(10)).toEqual([
          { chatKey: CHAT_A, count: 2, lastTime: 3_000 },
          { chatKey: CHAT_B, count: 1, lastTime: 2_000 },
        ]);
        expect(await store.history.chats(1)).toEqual([{ chatKey: CHAT_A, count: 2, lastTime: 3_000 }]);
        await store.history.clear(CHAT_A);
        expect((await store.history.chats(10)).map((c) => c.chatKey)).toEqual([CHAT_B]);
      });

      it('readers see appended entries at once, without a flush', async () => {
        store.history.append(entry(CHAT_A, 1));
        expect(await store.history.count(CHAT_A)).toBe(1);
        store.history.append(entry(CHAT_A, 2));
        expect((await store.history.recent(CHAT_A, 5)).map((e) => e.messageId)).toEqual([`${CHAT_A}#1`, `${CHAT_A}#2`]);
        store.history.append(entry(CHAT_A, 3));
        store.history.append(entry(CHAT_B, 3));
        expect(await store.history.clear(CHAT_A)).toBe(3);
        expect(await store.history.count(CHAT_B)).toBe(1);
      });

      it('keeps every one of 10,000 appends made in one loop', async () => {
        for (let i = 0; i < 10_000; i++) store.history.append(entry(CHAT_A, i));
        expect(await store.history.count(CHAT_A)).toBe(10_000);
        expect((await store.history.recent(CHAT_A, 2)).map((e) => e.messageId)).toEqual([
          `${CHAT_A}#9998`,
          `${CHAT_A}#9999`,
        ]);
      });

      it('flush resolves with nothing queued', async () => {
        await expect(store.history.flush()).resolves.toBeUndefined();
      });
    });

    describe('pending', () => {
      it('takeAll returns saved messages in save order, then nothing', async () => {
        await store.pending.save([inbound(1), inbound(2)]);
        await store.pending.save([]);
        await store.pending.save([inbound(3)]);
        expect(await store.pending.takeAll()).toEqual([inbound(1), inbound(2), inbound(3)]);
        expect(await store.pending.takeAll()).toEqual([]);
        await store.pending.save([inbound(4)]);
        expect(await store.pending.takeAll()).toEqual([inbound(4)]);
      });

      it('takeAll on an empty store resolves an empty list', async () => {
        expect(await store.pending.takeAll()).toEqual([]);
      });
    });

    describe('waits', () => {
      const NOW = 1_700_000_000_000;
      const wait = (chatKey: string, userId: string, id: string, deadline = NOW + 60_000): WaitRecord => ({ chatKey, userId, id, deadline, data: `{"ask":"${id}"}` });

      it('take returns the wait once: a second take, from any caller, gets nothing', async () => {
        await store.waits.put(wait(CHAT_A, 'u1', 'w1'));
        const takes = await Promise.all([store.waits.take(CHAT_A, 'u1', NOW), store.waits.take(CHAT_A, 'u1', NOW)]);
        expect(takes.filter((t) => t !== undefined)).toEqual([wait(CHAT_A, 'u1', 'w1')]);
        expect(await store.waits.take(CHAT_A, 'u1', NOW)).toBeUndefined();
      });

      it('a later wait of the same user in the same chat replaces the earlier; other users and chats are apart', async () => {
        await store.waits.put(wait(CHAT_A, 'u1', 'w1'));
        await store.waits.put(wait(CHAT_A, 'u1', 'w2'));
        await store.waits.put(wait(CHAT_A, 'u2', 'w3'));
        await store.waits.put(wait(CHAT_B, 'u1', 'w4'));
        expect((await store.waits.take(CHAT_A, 'u1', NOW))?.id).toBe('w2');
        expect((await store.waits.list(NOW)).map((w) => w.id).sort()).toEqual(['w3', 'w4']);
      });

      it('expires at its deadline: not taken and not listed from then on', async () => {
        await store.waits.put(wait(CHAT_A, 'u1', 'w1', NOW + 1000));
        await store.waits.put(wait(CHAT_A, 'u2', 'w2', NOW + 2000));
        expect((await store.waits.list(NOW + 1000)).map((w) => w.id)).toEqual(['w2']);
        expect(await store.waits.take(CHAT_A, 'u1', NOW + 1000)).toBeUndefined();
        expect(await store.waits.take(CHAT_A, 'u2', NOW + 1999)).toMatchObject({ id: 'w2' });
      });

      it('expire removes only the named wait, once', async () => {
        await store.waits.put(wait(CHAT_A, 'u1', 'w1'));
        expect(await store.waits.expire(CHAT_A, 'u1', 'w0')).toBe(false);
        expect(await store.waits.expire(CHAT_A, 'u1', 'w1')).toBe(true);
        expect(await store.waits.expire(CHAT_A, 'u1', 'w1')).toBe(false);
        expect(await store.waits.list(NOW)).toEqual([]);
      });

      it('clearChat drops every wait of the chat and counts the live ones', async () => {
        await store.waits.put(wait(CHAT_A, 'u1', 'w1'));
        await store.waits.put(wait(CHAT_A, 'u2', 'w2', NOW - 1));
        await store.waits.put(wait(CHAT_B, 'u1', 'w3'));
        expect(await store.waits.clearChat(CHAT_A, NOW)).toBe(1);
        expect((await store.waits.list(NOW)).map((w) => w.id)).toEqual(['w3']);
        expect(await store.waits.take(CHAT_A, 'u2', NOW - 10)).toBeUndefined();
      });
    });

    describe('close', () => {
      it('rejects every method afterwards with code CLOSED, and append throws it', async () => {
        await store.close();
        const k = { pluginKey: P, key: 'k' };
        await expectClosed(store.kv.get(k));
        await expectClosed(store.kv.set(k, 'v'));
        await expectClosed(store.kv.delete(k));
        await expectClosed(store.kv.list({ pluginKey: P }));
        await expectClosed(store.kv.clearPlugin(P));
        expect(() => store.history.append(entry(CHAT_A, 1))).toThrow(expect.objectContaining({ code: 'CLOSED' }));
        await expectClosed(store.history.recent(CHAT_A, 1));
        await expectClosed(store.history.count(CHAT_A));
        await expectClosed(store.history.clear(CHAT_A));
        await expectClosed(store.history.flush());
        await expectClosed(store.pending.save([inbound(1)]));
        await expectClosed(store.pending.takeAll());
      });

      it('a second close resolves', async () => {
        await store.close();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });

    describe('persistence across close and reopen', () => {
      const durable = (t: (ctx: { skip: () => void }) => Promise<void>) => async (ctx: { skip: () => void }) => {
        if (!fixture.reopen) return ctx.skip();
        await t(ctx);
      };

      it(
        'keeps kv values',
        durable(async () => {
          await store.kv.set({ pluginKey: P, chatKey: CHAT_A, userKey: 'u1', key: 'k' }, 'kept');
          await store.kv.set({ pluginKey: P, key: 'g' }, 'global');
          const s = await reopen();
          expect(await s.kv.get({ pluginKey: P, chatKey: CHAT_A, userKey: 'u1', key: 'k' })).toBe('kept');
          expect(await s.kv.list({ pluginKey: P })).toHaveLength(2);
          expect(await s.kv.set({ pluginKey: P, key: 'g' }, 'x')).toBe(false);
        }),
      );

      it(
        'keeps history appended just before close, without a flush',
        durable(async () => {
          for (let i = 0; i < 3; i++) store.history.append(entry(CHAT_A, i));
          const s = await reopen();
          expect(await s.history.recent(CHAT_A, 10)).toEqual([0, 1, 2].map((i) => entry(CHAT_A, i)));
          s.history.append(entry(CHAT_A, 3));
          expect((await s.history.recent(CHAT_A, 1))[0]?.messageId).toBe(`${CHAT_A}#3`);
        }),
      );

      it(
        'keeps pending messages until taken',
        durable(async () => {
          await store.pending.save([inbound(1), inbound(2)]);
          let s = await reopen();
          expect(await s.pending.takeAll()).toEqual([inbound(1), inbound(2)]);
          s = await reopen();
          expect(await s.pending.takeAll()).toEqual([]);
        }),
      );
    });
  });
}
