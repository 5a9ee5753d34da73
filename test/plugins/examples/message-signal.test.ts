import { afterEach, describe, expect, it } from 'vitest';
import plugin, { readNotes } from '../../../plugins/examples/message-signal/index.js';
import { makeMessage, until } from '../../support/messages.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const inGroup = (text: string, user = 'u1') => makeMessage(text, { chatType: 'group', chat: 'g1', user, toMe: false });
const countOf = async (userId: string) => Number((await plugin.store.get({ userKey: userId, storeKey: 'message_count' })) ?? '0');

describe('message-signal example', () => {
  it('BLOCK_ALL: a forbidden word is neither stored nor answered nor counted', async () => {
    ex = await startWithExample(plugin);
    const result = await ex.app.ingest(makeMessage('say forbidden_word please'));
    expect(result.outcome).toBe('stopped');
    expect(await ex.app.store.history.count('test-private_c1')).toBe(0);
    expect(await countOf('u1')).toBe(0);
    expect(ex.lines.some((l) => l.plugin === plugin.key && l.msg === 'message with a forbidden word dropped')).toBe(true);
  });

  it('BLOCK_TRIGGER: "!note" is kept in history and acknowledged, but never reaches the bot', async () => {
    ex = await startWithExample(plugin);
    // In a private chat the chat policy would buffer it; the signal overrides that.
    const result = await ex.app.ingest(makeMessage('!note buy milk'));
    expect(result.outcome).toBe('record');
    expect(await readNotes('test-private_c1')).toEqual(['buy milk']);
    expect(ex.adapter.sent).toEqual([{ chatKey: 'test-private_c1', text: 'Noted (1): buy milk' }]);
    const history = await ex.app.store.history.recent('test-private_c1', 10);
    // The reply is sent while the callback runs, before the message is recorded: compare without order.
    expect(history.map((h) => [h.role, h.text])).toHaveLength(2);
    expect(history.map((h) => [h.role, h.text])).toEqual(expect.arrayContaining([['user', '!note buy milk'], ['bot', 'Noted (1): buy milk']]));

    await ex.app.ingest(makeMessage('hello'));
    await until(() => ex!.batches.length === 1, 'the batch of "hello"');
    expect(ex.batches[0]!.messages.map((m) => m.text)).toEqual(['hello']);
  });

  it('FORCE_TRIGGER: "urgent" in a group is answered at once, with what the chat had buffered', async () => {
    ex = await startWithExample(plugin, { DEBOUNCE_MS: '60000', MAX_WAIT_MS: '60000' });
    // Group messages not addressed to the bot are only recorded by the chat policy.
    expect((await ex.app.ingest(inGroup('just chatting'))).outcome).toBe('record');
    expect((await ex.app.ingest(makeMessage('@bot hi', { chatType: 'group', chat: 'g1', toMe: true }))).outcome).toBe('buffer');
    expect((await ex.app.ingest(inGroup('this is URGENT', 'u2'))).outcome).toBe('flush');
    await until(() => ex!.batches.length === 1, 'the flushed batch');
    expect(ex.batches[0]).toMatchObject({ reason: 'flush', chatKey: 'test-group_g1' });
    expect(ex.batches[0]!.messages.map((m) => m.text)).toEqual(['@bot hi', 'this is URGENT']);
  });

  it('counts the messages of each user across chats', async () => {
    ex = await startWithExample(plugin);
    await ex.app.ingest(inGroup('one'));
    await ex.app.ingest(inGroup('two'));
    await ex.app.ingest(makeMessage('three'));
    await ex.app.ingest(inGroup('four', 'u2'));
    await ex.app.ingest(inGroup('!note not counted'));
    expect(await countOf('u1')).toBe(3);
    expect(await countOf('u2')).toBe(1);
  });

  it('has no say once disabled', async () => {
    ex = await startWithExample(plugin);
    await ex.app.plugins.disable(plugin.key);
    expect((await ex.app.ingest(makeMessage('forbidden_word'))).outcome).toBe('buffer');
  });
});
