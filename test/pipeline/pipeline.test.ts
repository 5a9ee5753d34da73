import { afterEach, describe, expect, it } from 'vitest';
import { MsgSignal, Priority, applySignal } from '../../core/hooks/index.js';
import type { Batch } from '../../core/message/index.js';
import type { App } from '../../core/runtime/index.js';
import { makeTestApp } from '../support/app.js';
import { makeMessage, until } from '../support/messages.js';

describe('pipeline: the way of a message', () => {
  let app: App;
  const batches: Batch[] = [];
  const start = async (env: Record<string, string> = {}) => {
    batches.length = 0;
    ({ app } = makeTestApp(env, { sessionHandler: async (b) => void batches.push(b) }));
    await app.start();
    return app;
  };
  afterEach(async () => app.stop());

  it('buffers a private chat and releases one batch, recorded in history', async () => {
    await start();
    for (const t of ['hi', 'are you there', '?']) expect((await app.ingest(makeMessage(t))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['hi', 'are you there', '?']);
    const history = await app.store.history.recent('test-private_c1', 10);
    expect(history.map((h) => h.text)).toEqual(['hi', 'are you there', '?']);
  });

  it('records group messages not addressed to the bot and buffers those that are', async () => {
    await start();
    expect((await app.ingest(makeMessage('chatter', { chatType: 'group', chat: 'g' }))).outcome).toBe('record');
    expect((await app.ingest(makeMessage('@bot hello', { chatType: 'group', chat: 'g', toMe: true }))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['@bot hello']);
    expect(await app.store.history.count('test-group_g')).toBe(2);
  });

  it('drops a second delivery of the same message id', async () => {
    await start();
    const m = makeMessage('once');
    expect((await app.ingest(m)).outcome).toBe('buffer');
    expect((await app.ingest({ ...m })).outcome).toBe('duplicate');
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.messages).toHaveLength(1);
    expect(app.metrics.get('messages_total', { outcome: 'duplicate' })).toBe(1);
  });

  it("keeps two accounts' messages with the same id apart: ids are per account", async () => {
    await start();
    const a = makeMessage('to account a', { id: '17' });
    const b = { ...makeMessage('to account b', { id: '17' }), botId: 'other-bot' };
    expect((await app.ingest(a)).outcome).toBe('buffer');
    expect((await app.ingest(b)).outcome).toBe('buffer');
    expect((await app.ingest({ ...b })).outcome).toBe('duplicate');
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['to account a', 'to account b']);
  });

  it('lets hooks choose the strategy: discard is not stored, stop ends processing, trigger goes alone', async () => {
    await start();
    app.hooks.on('im_message', (e) => {
      if (e.message.text === 'secret') e.discard();
      if (e.message.text === 'halt') e.stop();
      if (e.message.text === 'urgent') e.trigger();
    });
    expect((await app.ingest(makeMessage('secret'))).outcome).toBe('discard');
    expect((await app.ingest(makeMessage('halt'))).outcome).toBe('stopped');
    expect((await app.ingest(makeMessage('waiting'))).outcome).toBe('buffer');
    expect((await app.ingest(makeMessage('urgent'))).outcome).toBe('trigger');
    await until(() => batches.length === 2, 'two batches');
    expect(batches.map((b) => b.messages.map((m) => m.text))).toEqual([['urgent'], ['waiting']]);
    expect((await app.store.history.recent('test-private_c1', 10)).map((h) => h.text)).toEqual(['waiting', 'urgent']);
  });

  it('applies a combined MsgSignal: BLOCK_TRIGGER records, FORCE_TRIGGER flushes', async () => {
    await start();
    app.hooks.on('im_message', (e) => {
      if (e.message.text.startsWith('quiet')) applySignal(e, MsgSignal.BLOCK_TRIGGER);
      if (e.message.text === 'go') applySignal(e, MsgSignal.FORCE_TRIGGER);
    }, { priority: Priority.LOW });
    await app.ingest(makeMessage('first'));
    expect((await app.ingest(makeMessage('quiet one'))).outcome).toBe('record');
    expect((await app.ingest(makeMessage('go'))).outcome).toBe('flush');
    await until(() => batches.length === 1, 'one batch');
    expect(batches[0]!.reason).toBe('flush');
    expect(batches[0]!.messages.map((m) => m.text)).toEqual(['first', 'go']);
  });

  it('runs message_buffered per buffered message and lets im_batch_message stop a batch', async () => {
    await start();
    const buffered: [string, number][] = [];
    app.hooks.on('message_buffered', (e) => void buffered.push([e.message.text, e.pending]));
    app.hooks.on('im_batch_message', (e) => {
      if (e.messages.some((m) => m.text === 'drop me')) e.stop();
    });
    await app.ingest(makeMessage('a'));
    await app.ingest(makeMessage('b'));
    await until(() => batches.length === 1, 'first batch');
    await app.ingest(makeMessage('drop me', { chat: 'other' }));
    await until(() => app.metrics.get('batches_stopped_total') === 1, 'stopped batch');
    expect(buffered).toEqual([['a', 1], ['b', 2], ['drop me', 1]]);
    expect(batches).toHaveLength(1);
  });

  it('offers messages to interceptors first; a taken message never reaches hooks or the buffer', async () => {
    await start();
    const seenByHooks: string[] = [];
    app.hooks.on('im_message', (e) => void seenByHooks.push(e.message.text));
    app.interceptors.add((m) => m.text.startsWith('/'), { owner: 'commands' });
    expect((await app.ingest(makeMessage('/help'))).outcome).toBe('intercepted');
    expect((await app.ingest(makeMessage('plain'))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'one batch');
    expect(seenByHooks).toEqual(['plain']);
    expect(await app.store.history.count('test-private_c1')).toBe(1);
  });

  it('keeps working when a hook throws', async () => {
    const { app: a, lines } = makeTestApp({}, { sessionHandler: async (b) => void batches.push(b) });
    app = a;
    batches.length = 0;
    await app.start();
    app.hooks.on('im_message', () => { throw new Error('plugin bug'); }, { owner: 'someone.buggy' });
    expect((await app.ingest(makeMessage('still fine'))).outcome).toBe('buffer');
    await until(() => batches.length === 1, 'one batch');
    expect(lines.some((l) => l.plugin === 'someone.buggy' && l.level === 50)).toBe(true);
  });
});
