import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BufferDriver, BufferPolicy } from '../../core/buffer/index.js';
import type { Batch, InboundMessage } from '../../core/message/index.js';
import { makeMessage, sleep, until } from '../support/messages.js';

export type MakeDriver = (policy: BufferPolicy) => Promise<BufferDriver>;
/** A fresh backend per test; drivers made from one backend share it (for durable drivers: one Redis prefix). */
export type NewBackend = () => { make: MakeDriver };

const texts = (b: Batch): string[] => b.messages.map((m) => m.text);

/** Collects batches; `delayMs` makes the handler slow so that overlaps would show. */
function collector(delayMs = 0) {
  const batches: Batch[] = [];
  const inFlight = new Map<string, number>();
  let maxPerChat = 0;
  let active = 0;
  let maxActive = 0;
  const handler = async (batch: Batch): Promise<void> => {
    const n = (inFlight.get(batch.chatKey) ?? 0) + 1;
    inFlight.set(batch.chatKey, n);
    maxPerChat = Math.max(maxPerChat, n);
    maxActive = Math.max(maxActive, ++active);
    if (delayMs > 0) await sleep(delayMs);
    batches.push(batch);
    active--;
    inFlight.set(batch.chatKey, n - 1);
  };
  const count = (): number => batches.reduce((s, b) => s + b.messages.length, 0);
  return {
    batches,
    handler,
    count,
    get maxPerChat() { return maxPerChat; },
    get maxActive() { return maxActive; },
    waitMessages: (n: number) => until(() => count() >= n, `${n} messages to be released`),
  };
}

/**
 * The buffer contract (DESIGN §4). Every driver must pass it unchanged: `test/buffer/*.contract.test.ts`
 * runs it once per driver. Assertions are about grouping and order, never about how fast things are.
 */
export function describeBufferContract(name: string, newBackend: NewBackend, opts: { durable?: boolean } = {}): void {
  describe(`buffer contract: ${name}`, () => {
    const open: BufferDriver[] = [];
    let backend = newBackend();
    const driver = async (policy: Partial<BufferPolicy> = {}): Promise<BufferDriver> => {
      const d = await backend.make({ debounceMs: 60, maxBatch: 10, maxWaitMs: 2000, ...policy });
      open.push(d);
      return d;
    };
    beforeEach(() => {
      backend = newBackend();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((d) => d.close({ timeoutMs: 1000 })));
    });

    it('releases a burst as one batch once the chat has been idle for the debounce window', async () => {
      const d = await driver();
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      let lastPush = 0;
      for (const t of ['a', 'b', 'c']) {
        // Before the call, not after it resolves: the window runs from the push, and resolving a push on Redis
        // takes a round trip (several ms under load) that the window does not wait for.
        lastPush = Date.now();
        await d.push(makeMessage(t));
      }
      await c.waitMessages(3);
      expect(c.batches.map(texts)).toEqual([['a', 'b', 'c']]);
      expect(c.batches[0]!.reason).toBe('idle');
      // Timers may fire a millisecond early; never a whole window early.
      expect(c.batches[0]!.releasedAt).toBeGreaterThanOrEqual(lastPush + 60 - 2);
    });

    it('messages separated by more than the window form separate batches', async () => {
      const d = await driver();
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      await d.push(makeMessage('one'));
      await c.waitMessages(1);
      await d.push(makeMessage('two'));
      await c.waitMessages(2);
      expect(c.batches.map(texts)).toEqual([['one'], ['two']]);
    });

    it('releases at once when the buffer reaches maxBatch', async () => {
      const d = await driver({ maxBatch: 4, debounceMs: 300 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      for (let i = 0; i < 10; i++) await d.push(makeMessage(`m${i}`));
      await c.waitMessages(10);
      expect(c.batches.map((b) => b.messages.length)).toEqual([4, 4, 2]);
      expect(c.batches.map((b) => b.reason)).toEqual(['maxBatch', 'maxBatch', 'idle']);
    });

    it('a chat that never goes quiet is still released after maxWait', async () => {
      const d = await driver({ debounceMs: 100, maxWaitMs: 250, maxBatch: 1000 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      const sent: string[] = [];
      const until = Date.now() + 800;
      for (let i = 0; Date.now() < until; i++) {
        sent.push(`m${i}`);
        await d.push(makeMessage(`m${i}`));
        await sleep(20);
      }
      await c.waitMessages(sent.length);
      expect(c.batches.length).toBeGreaterThan(1);
      expect(c.batches[0]!.reason).toBe('maxWait');
      expect(c.batches.flatMap(texts)).toEqual(sent);
    });

    it('flush releases the whole buffer with this message now', async () => {
      const d = await driver({ debounceMs: 5000, maxWaitMs: 10_000 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      await d.push(makeMessage('a'));
      await d.push(makeMessage('b'));
      const r = await d.push(makeMessage('c'), 'flush');
      expect(r.pending).toBe(0);
      await c.waitMessages(3);
      expect(c.batches.map(texts)).toEqual([['a', 'b', 'c']]);
      expect(c.batches[0]!.reason).toBe('flush');
    });

    it('trigger releases the message alone and leaves the buffer as it is', async () => {
      const d = await driver({ debounceMs: 150 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      await d.push(makeMessage('a'));
      await d.push(makeMessage('b'));
      const r = await d.push(makeMessage('now'), 'trigger');
      expect(r.pending).toBe(2);
      await c.waitMessages(1);
      expect(c.batches.map(texts)).toEqual([['now']]);
      expect(c.batches[0]).toMatchObject({ lane: 'triggered', reason: 'trigger', firstSeq: 1, lastSeq: 1 });
      await c.waitMessages(3);
      expect(c.batches.map(texts)).toEqual([['now'], ['a', 'b']]);
      expect(c.batches[1]).toMatchObject({ lane: 'buffered', firstSeq: 1, lastSeq: 2 });
    });

    it('pushes made in one turn, in any mix of modes, keep their order, numbering and pending counts', async () => {
      const d = await driver({ debounceMs: 150 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      const modes = ['buffer', 'buffer', 'trigger', 'buffer', 'flush', 'buffer', 'buffer'] as const;
      const results = await Promise.all(modes.map((mode, i) => d.push(makeMessage(`m${i}`), mode)));
      expect(results.map((r) => r.seq)).toEqual([1, 2, 1, 3, 4, 5, 6]);
      // After a flush, what counts as pending differs by driver (Redis counts the flushed batch until handled).
      expect(results.slice(0, 5).map((r) => r.pending)).toEqual([1, 2, 2, 3, 0]);
      await c.waitMessages(7);
      const lane = (l: string): string[] => c.batches.filter((b) => b.lane === l).flatMap(texts);
      expect(lane('triggered')).toEqual(['m2']);
      expect(lane('buffered')).toEqual(['m0', 'm1', 'm3', 'm4', 'm5', 'm6']);
    });

    it('numbers each lane of a chat 1, 2, 3 … across batches', async () => {
      const d = await driver({ maxBatch: 3 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await d.push(makeMessage(`m${i}`)));
      expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      await c.waitMessages(7);
      expect(c.batches.map((b) => [b.firstSeq, b.lastSeq])).toEqual([[1, 3], [4, 6], [7, 7]]);
    });

    it('clear drops what this process pushed before it, stored or still on its way', async () => {
      const d = await driver({ debounceMs: 100 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      // Not awaited: the pipeline hands a chat's push to the buffer and takes the chat's next message (a /reset).
      const pushes = ['a', 'b'].map((t) => d.push(makeMessage(t, { chat: 'x' })));
      expect(await d.clear('test-private_x')).toBe(2);
      await Promise.all(pushes);
      await d.push(makeMessage('after', { chat: 'x' }));
      await c.waitMessages(1);
      await sleep(250);
      expect(c.batches.map(texts)).toEqual([['after']]);
    });

    it('clear drops what the chat has waiting, and only that chat', async () => {
      const d = await driver({ debounceMs: 100 });
      const c = collector();
      d.consume(c.handler, { concurrency: 4 });
      for (const t of ['a', 'b', 'c']) await d.push(makeMessage(t, { chat: 'x' }));
      await d.push(makeMessage('keep', { chat: 'y' }));
      expect(await d.clear('test-private_x')).toBe(3);
      await c.waitMessages(1);
      await sleep(250);
      expect(c.batches.map(texts)).toEqual([['keep']]);
      await d.push(makeMessage('after', { chat: 'x' }));
      await c.waitMessages(2);
      expect(c.batches.map(texts)).toEqual([['keep'], ['after']]);
    });

    it('keeps per-chat order with one batch per chat in flight, even when handling is slow', async () => {
      const d = await driver({ maxBatch: 3, debounceMs: 20 });
      const c = collector(30);
      d.consume(c.handler, { concurrency: 8 });
      const sent: Record<string, string[]> = { a: [], b: [] };
      for (let i = 0; i < 30; i++) {
        for (const chat of ['a', 'b']) {
          sent[chat]!.push(`${chat}${i}`);
          await d.push(makeMessage(`${chat}${i}`, { chat }));
        }
        if (i % 7 === 0) await sleep(25);
      }
      await c.waitMessages(60);
      for (const chat of ['a', 'b']) {
        const got = c.batches.filter((b) => b.chatKey === `test-private_${chat}`).flatMap(texts);
        expect(got).toEqual(sent[chat]);
      }
      expect(c.maxPerChat).toBe(1);
    });

    it('handles many chats in parallel, up to the concurrency limit', async () => {
      const d = await driver({ debounceMs: 10 });
      const c = collector(80);
      d.consume(c.handler, { concurrency: 5 });
      for (let i = 0; i < 20; i++) await d.push(makeMessage('hi', { chat: `chat${i}` }));
      await c.waitMessages(20);
      expect(c.maxActive).toBeGreaterThan(1);
      expect(c.maxActive).toBeLessThanOrEqual(5);
      expect(new Set(c.batches.map((b) => b.chatKey)).size).toBe(20);
    });

    it('holds batches released before consume() until a consumer arrives', async () => {
      const d = await driver({ debounceMs: 10 });
      await d.push(makeMessage('early'), 'flush');
      await sleep(50);
      const c = collector();
      d.consume(c.handler, { concurrency: 1 });
      await c.waitMessages(1);
      expect(c.batches.map(texts)).toEqual([['early']]);
    });

    it('a failing batch does not stop the next batch of the same chat', async () => {
      const d = await driver({ debounceMs: 10 });
      const seen: string[][] = [];
      d.consume(async (b) => {
        seen.push(texts(b));
        if (seen.length === 1) throw new Error('boom');
      }, { concurrency: 2 });
      await d.push(makeMessage('first'), 'flush');
      await until(() => seen.length === 1, 'first batch');
      await d.push(makeMessage('second'), 'flush');
      await until(() => seen.length === 2, 'second batch');
      expect(seen).toEqual([['first'], ['second']]);
    });

    if (!opts.durable) {
      it('close releases every buffer and lets the batches finish', async () => {
        const d = await driver({ debounceMs: 10_000, maxWaitMs: 20_000 });
        const c = collector(20);
        d.consume(c.handler, { concurrency: 2 });
        for (let i = 0; i < 4; i++) await d.push(makeMessage(`m${i}`, { chat: `c${i % 2}` }));
        const result = await d.close({ timeoutMs: 5000 });
        expect(result.unhandled).toEqual([]);
        expect(c.count()).toBe(4);
        expect(c.batches.every((b) => b.reason === 'shutdown')).toBe(true);
        await expect(d.push(makeMessage('late'))).rejects.toMatchObject({ code: 'CLOSED' });
      });

      it('close returns the messages it could not get handled in time', async () => {
        const d = await driver({ debounceMs: 10_000, maxWaitMs: 20_000 });
        const started: InboundMessage[] = [];
        d.consume(async (b) => {
          started.push(...b.messages);
          await new Promise(() => {});
        }, { concurrency: 1 });
        await d.push(makeMessage('stuck', { chat: 'a' }));
        await d.push(makeMessage('queued', { chat: 'b' }));
        const result = await d.close({ timeoutMs: 200 });
        expect(result.unhandled.map((m) => m.text).sort()).toEqual(['queued', 'stuck']);
      });
    } else {
      it('close leaves waiting messages to the next consumer, and refuses new ones', async () => {
        const first = await driver({ debounceMs: 300 });
        for (let i = 0; i < 4; i++) await first.push(makeMessage(`m${i}`, { chat: `c${i % 2}` }));
        expect((await first.close({ timeoutMs: 2000 })).unhandled).toEqual([]);
        await expect(first.push(makeMessage('late'))).rejects.toMatchObject({ code: 'CLOSED' });
        const next = await driver({ debounceMs: 300 });
        const c = collector();
        next.consume(c.handler, { concurrency: 2 });
        await c.waitMessages(4);
        expect(c.batches.flatMap(texts).sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
      });

      it('a batch stuck at close is released to the next consumer, nothing lost', async () => {
        const first = await driver({ debounceMs: 30 });
        let started = 0;
        first.consume(async () => {
          started++;
          await new Promise(() => {});
        }, { concurrency: 1 });
        await first.push(makeMessage('stuck', { chat: 'a' }));
        await until(() => started === 1, 'the stuck batch to start');
        await first.push(makeMessage('queued', { chat: 'b' }));
        expect((await first.close({ timeoutMs: 200 })).unhandled).toEqual([]);
        const next = await driver({ debounceMs: 30 });
        const c = collector();
        next.consume(c.handler, { concurrency: 2 });
        await c.waitMessages(2);
        expect(c.batches.flatMap(texts).sort()).toEqual(['queued', 'stuck']);
      });
    }
  });
}
