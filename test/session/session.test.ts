import { describe, expect, it } from 'vitest';
import type { Batch } from '../../core/message/index.js';
import { SessionManager, type SessionHandler } from '../../core/session/index.js';
import { makeTestApp } from '../support/app.js';
import { testDeps } from '../support/logger.js';
import { makeMessage, until } from '../support/messages.js';

function batchOf(texts: string[], firstSeq: number, lane: Batch['lane'] = 'buffered'): Batch {
  const messages = texts.map((t) => makeMessage(t));
  return { chatKey: 'test-private_c1', lane, firstSeq, lastSeq: firstSeq + texts.length - 1, messages, reason: 'idle', releasedAt: Date.now(), pushedAt: messages.map(() => Date.now()) };
}

function sessions(handler: SessionHandler, sent: string[] = []) {
  const deps = testDeps();
  const manager = new SessionManager({ ...deps, handler, send: async (_k, segs) => void sent.push(segs.map((s) => (s.type === 'text' ? s.text : s.type)).join('')) });
  return { manager, ...deps };
}

describe('sessions', () => {
  it('skips a batch delivered again, and the applied head of an overlapping one', async () => {
    const got: string[][] = [];
    const { manager, metrics } = sessions(async (b) => void got.push(b.messages.map((m) => m.text)));
    await manager.handle(batchOf(['a', 'b'], 1));
    await manager.handle(batchOf(['a', 'b'], 1));
    await manager.handle(batchOf(['b', 'c', 'd'], 2));
    expect(got).toEqual([['a', 'b'], ['c', 'd']]);
    expect(metrics.get('batches_redelivered_total')).toBe(1);
  });

  it('numbers the triggered lane apart from the buffered one', async () => {
    const got: string[] = [];
    const { manager } = sessions(async (b) => void got.push(...b.messages.map((m) => m.text)));
    await manager.handle(batchOf(['t1'], 1, 'triggered'));
    await manager.handle(batchOf(['b1', 'b2'], 1));
    await manager.handle(batchOf(['t2'], 2, 'triggered'));
    expect(got).toEqual(['t1', 'b1', 'b2', 't2']);
  });

  it('logs a failing handler and goes on with the next batch', async () => {
    const got: string[] = [];
    const { manager, lines, metrics } = sessions(async (b) => {
      if (b.messages[0]!.text === 'bad') throw new Error('handler bug');
      got.push(b.messages[0]!.text);
    });
    await manager.handle(batchOf(['bad'], 1));
    await manager.handle(batchOf(['good'], 2));
    expect(got).toEqual(['good']);
    expect(metrics.get('batch_errors_total')).toBe(1);
    expect(lines.some((l) => l.chatKey === 'test-private_c1' && (l.err as { message: string }).message === 'handler bug')).toBe(true);
  });

  it('reply sends to the chat until the batch is aborted', async () => {
    const sent: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { manager } = sessions(async (_b, ctx) => {
      await ctx.reply('before');
      await gate;
      await ctx.reply('after');
    }, sent);
    const run = manager.handle(batchOf(['x'], 1));
    await until(() => sent.length === 1, 'first reply');
    const aborting = manager.abort('test-private_c1', 'reset');
    release();
    // Resolves once the handler has returned: nothing of the run happens after it.
    expect(await aborting).toBe(true);
    await run;
    expect(sent).toEqual(['before']);
    expect(await manager.abort('test-private_c1', 'reset')).toBe(false);
  });
});

describe('channel reset', () => {
  it('clears the buffer, aborts the batch in flight, clears history and calls reset hooks despite errors', async () => {
    let signal: AbortSignal | undefined;
    let entered = 0;
    const { app } = makeTestApp({ DEBOUNCE_MS: '30' }, {
      sessionHandler: async (b, ctx) => {
        if (b.chatKey !== 'test-private_c1') return;
        entered++;
        signal = ctx.signal;
        await new Promise((r) => ctx.signal.addEventListener('abort', r));
      },
    });
    const resets: string[] = [];
    app.hooks.on('channel_reset', () => { throw new Error('bad plugin'); }, { owner: 'bad.plugin' });
    app.hooks.on('channel_reset', (e) => void resets.push(`${e.chatKey} by ${e.by}`), { owner: 'good.plugin' });
    await app.start();
    await app.ingest(makeMessage('first'));
    await until(() => entered === 1, 'batch in flight');
    await app.ingest(makeMessage('second'));
    await app.ingest(makeMessage('third'));
    await app.ingest(makeMessage('elsewhere', { chat: 'other' }));
    const result = await app.resetChannel('test-private_c1', 'command');
    expect(result).toEqual({ dropped: 2, archived: 3, aborted: true });
    expect(signal?.aborted).toBe(true);
    expect(resets).toEqual(['test-private_c1 by command']);
    expect(await app.store.history.count('test-private_c1')).toBe(0);
    expect(await app.store.history.count('test-private_other')).toBe(1);
    expect(app.metrics.get('hook_errors_total', { event: 'channel_reset', owner: 'bad.plugin' })).toBe(1);
    await app.stop();
  });
});

describe('channel reset of a batch not yet handed to its session', () => {
  it('skips a batch released before the reset that was still in im_batch_message hooks, and answers the next message', async () => {
    const handled: string[] = [];
    const { app } = makeTestApp({ DEBOUNCE_MS: '30' }, {
      sessionHandler: async (b) => void handled.push(...b.messages.map((m) => m.text)),
    });
    // A plugin's batch hook that takes its time (it calls out somewhere): the batch is released, not yet handled.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let hooked = 0;
    app.hooks.on('im_batch_message', async () => {
      if (++hooked === 1) await held;
    }, { owner: 'slow.plugin' });
    await app.start();
    await app.ingest(makeMessage('before the reset'));
    await until(() => hooked === 1, 'the batch in the hook');

    const result = await app.resetChannel('test-private_c1', 'command');
    release();
    await app.ingest(makeMessage('after the reset'));

    await until(() => handled.length > 0, 'the message after the reset');
    expect(result.aborted).toBe(false);
    expect(handled).toEqual(['after the reset']);
    expect(app.metrics.get('batches_reset_total')).toBe(1);
    await app.stop();
  });
});
