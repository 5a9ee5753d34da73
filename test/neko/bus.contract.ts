import { afterEach, describe, expect, it } from 'vitest';
import type { BusRecord, MessageBus } from '../../core/bus/index.js';
import { until } from '../support/messages.js';

/** What every bus backend must do; `make` builds a fresh bus keeping `history` records per topic. */
export function busContract(name: string, make: (history: number) => Promise<MessageBus>): void {
  describe(`the message bus (${name})`, () => {
    const open: MessageBus[] = [];
    afterEach(async () => {
      for (const b of open.splice(0)) await b.close();
    });
    const bus = async (history = 100): Promise<MessageBus> => {
      const b = await make(history);
      open.push(b);
      return b;
    };

    it('getRecent returns the newest matching records, oldest first, filtered by plugin, chat, type, time and text', async () => {
      const b = await bus();
      const messages = b.topic('messages');
      messages.publish({ type: 'text', plugin: 'a.one', chat: 'c-private_1', text: 'hello world', ts: 1000 });
      messages.publish({ type: 'url', plugin: 'a.one', chat: 'c-private_2', text: 'https://x.invalid', ts: 2000 });
      messages.publish({ type: 'text', plugin: 'b.two', chat: 'c-private_1', text: 'HELLO again', ts: 3000 });
      messages.publish({ type: 'sent', chat: 'c-private_1', text: 'bye', ts: 4000, payload: { n: 1 } });
      b.topic('events').publish({ type: 'text', plugin: 'a.one', text: 'other topic' });
      await b.flush();
      const texts = (rs: BusRecord[]) => rs.map((r) => r.text);
      expect(texts(await messages.getRecent())).toEqual(['hello world', 'https://x.invalid', 'HELLO again', 'bye']);
      expect(texts(await messages.getRecent({ limit: 2 }))).toEqual(['HELLO again', 'bye']);
      expect(texts(await messages.getRecent({ filter: { plugin: 'a.one' } }))).toEqual(['hello world', 'https://x.invalid']);
      expect(texts(await messages.getRecent({ filter: { chat: 'c-private_1' }, limit: 2 }))).toEqual(['HELLO again', 'bye']);
      expect(texts(await messages.getRecent({ filter: { type: ['url', 'sent'] } }))).toEqual(['https://x.invalid', 'bye']);
      expect(texts(await messages.getRecent({ filter: { since: 2000, until: 3000 } }))).toEqual(['https://x.invalid', 'HELLO again']);
      expect(texts(await messages.getRecent({ filter: { text: /^hello/i } }))).toEqual(['hello world', 'HELLO again']);
      expect(texts(await messages.getRecent({ filter: { text: /hello/gi } }))).toEqual(['hello world', 'HELLO again']);
      const last = (await messages.getRecent({ limit: 1 }))[0]!;
      expect(last).toMatchObject({ topic: 'messages', type: 'sent', ts: 4000, payload: { n: 1 } });
      expect(typeof last.id).toBe('string');
    });

    it('keeps a bounded history per topic', async () => {
      const b = await bus(10);
      const events = b.topic('events');
      for (let i = 0; i < 200; i++) events.publish({ type: 'n', text: String(i) });
      await b.flush();
      const all = await events.getRecent({ limit: 1000 });
      // Redis trims with MAXLEN ~ (whole nodes), so a little more may stay; never all of it.
      expect(all.length).toBeGreaterThanOrEqual(10);
      expect(all.length).toBeLessThan(200);
      expect(all[all.length - 1]!.text).toBe('199');
      expect((await events.getRecent({ limit: 3 })).map((r) => r.text)).toEqual(['197', '198', '199']);
    });

    it('recordHistory files each history entry on memory and what the bot sent on messages', async () => {
      const b = await bus();
      const seen: string[] = [];
      b.topic('memory').watch({ type: 'bot' }, (r) => void seen.push(r.text!));
      await new Promise((r) => setTimeout(r, 50));
      const base = { messageId: 'm1', userId: 'u1', userName: 'Ann', segments: [], time: 5000 };
      b.recordHistory({ ...base, chatKey: 'c-private_1', role: 'user', text: 'hi' }, undefined);
      b.recordHistory({ ...base, chatKey: 'c-private_1', role: 'bot', userId: 'bot', userName: 'bot', text: 'hello', time: 6000 }, undefined);
      await b.flush();
      const memory = await b.topic('memory').getRecent();
      expect(memory.map((r) => [r.type, r.chat, r.text, r.ts])).toEqual([['user', 'c-private_1', 'hi', 5000], ['bot', 'c-private_1', 'hello', 6000]]);
      expect(memory[0]!.payload).toEqual({ messageId: 'm1', userId: 'u1', userName: 'Ann' });
      const sent = await b.topic('messages').getRecent();
      expect(sent.map((r) => [r.type, r.chat, r.text])).toEqual([['sent', 'c-private_1', 'hello']]);
      await until(() => seen.length === 1, 'the bot entry on memory');
      expect(seen).toEqual(['hello']);
    });

    it('watch calls back for matching records published from then on, survives a throwing watcher, and stops when disposed', async () => {
      const b = await bus();
      const runs = b.topic('runs');
      runs.publish({ type: 'queued', plugin: 'a.one', text: 'match 0, before the watch' });
      await b.flush();
      const seen: string[] = [];
      const stop = runs.watch({ plugin: 'a.one', text: 'match' }, (r) => void seen.push(r.text!));
      runs.watch({}, () => {
        throw new Error('watcher boom');
      });
      // Let a Redis reader take its place before publishing.
      await new Promise((r) => setTimeout(r, 50));
      runs.publish({ type: 'running', plugin: 'a.one', text: 'match 1' });
      runs.publish({ type: 'running', plugin: 'b.two', text: 'match but other plugin' });
      runs.publish({ type: 'running', plugin: 'a.one', text: 'no' });
      runs.publish({ type: 'succeeded', plugin: 'a.one', text: 'match 2' });
      await until(() => seen.length === 2, 'both matching records');
      expect(seen).toEqual(['match 1', 'match 2']);
      stop();
      runs.publish({ type: 'succeeded', plugin: 'a.one', text: 'match 3' });
      await b.flush();
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual(['match 1', 'match 2']);
    });
  });
}
