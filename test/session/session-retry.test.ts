import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../core/errors/index.js';
import type { Batch } from '../../core/message/index.js';
import { SessionManager, type SessionHandler } from '../../core/session/index.js';
import { OutboxTimeoutError } from '../../core/outbox/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';

const messages = ['a', 'b', 'c'].map((t, i) => makeMessage(t, { id: `id-${t}`, user: `u${i}` }));

function batchOf(from: number, to: number): Batch {
  const slice = messages.slice(from - 1, to);
  return { chatKey: 'test-private_c1', lane: 'buffered', firstSeq: from, lastSeq: to, messages: slice, reason: 'idle', releasedAt: Date.now(), pushedAt: slice.map(() => Date.now()) };
}

/** A session whose sends record each reply's key; `failing(n)` makes the n-th send (from 1) fail with an error. */
function sessions(handler: SessionHandler, failing: (n: number) => Error | undefined = () => undefined) {
  const deps = testDeps();
  const sent: { text: string; key: string }[] = [];
  let sends = 0;
  const manager = new SessionManager({
    ...deps, handler,
    send: async (_chat, segments, key) => {
      const err = failing(++sends);
      if (err) throw err;
      sent.push({ text: segments.map((s) => (s.type === 'text' ? s.text : '')).join(''), key });
    },
  });
  return { manager, sent, ...deps };
}

const echo: SessionHandler = async (batch, ctx) => {
  for (const m of batch.messages) await ctx.reply(`echo ${m.text}`);
};

describe('sessions: a handler that could not reach Redis or a gateway', () => {
  it('is not applied: the error goes to the driver, and the batch delivered again is handled again', async () => {
    const { manager, sent, metrics } = sessions(echo, (n) => (n === 1 ? new OutboxTimeoutError('test', 30_000) : undefined));
    await expect(manager.handle(batchOf(1, 2))).rejects.toBeInstanceOf(OutboxTimeoutError);
    await manager.handle(batchOf(1, 2));
    expect(sent.map((s) => s.text)).toEqual(['echo a', 'echo b']);
    // The driver counts and logs the retry; the session does not count it as a handler error.
    expect(metrics.get('batch_errors_total')).toBe(0);
  });

  it('other errors are logged and the batch is applied (not run again)', async () => {
    const calls: number[] = [];
    const { manager, metrics } = sessions(async (b) => {
      calls.push(b.firstSeq);
      throw new Error('plugin bug');
    });
    await manager.handle(batchOf(1, 1));
    await manager.handle(batchOf(1, 1));
    expect(calls).toEqual([1]);
    expect(metrics.get('batch_errors_total')).toBe(1);
  });

  it('gives a reply run again the same key, so the outbox sends it once', async () => {
    // The second reply's send fails: the first went out, and the batch runs again.
    const { manager, sent } = sessions(async (batch, ctx) => {
      await ctx.reply('first');
      await ctx.reply('second');
    }, (n) => (n === 2 ? new UnavailableError('redis away') : undefined));
    await expect(manager.handle(batchOf(1, 1))).rejects.toBeInstanceOf(UnavailableError);
    await manager.handle(batchOf(1, 1));
    expect(sent.map((s) => s.text)).toEqual(['first', 'first', 'second']);
    expect(sent[0]!.key).toBe(sent[1]!.key);
    expect(sent[2]!.key).not.toBe(sent[0]!.key);
  });

  it('keys a reply by its place from the batch as delivered, when a head already applied is skipped', async () => {
    const { manager, sent } = sessions(echo);
    await manager.handle(batchOf(1, 1));
    await manager.handle(batchOf(1, 3));
    const other = sessions(echo);
    await other.manager.handle(batchOf(1, 3));
    // This worker answered a, then only b and c of the batch delivered again; another worker running the
    // whole batch gives each reply the key this one gave it.
    expect(sent.map((s) => s.text)).toEqual(['echo a', 'echo b', 'echo c']);
    expect(sent.map((s) => s.key)).toEqual(other.sent.map((s) => s.key));
    expect(new Set(sent.map((s) => s.key)).size).toBe(3);
  });
});
