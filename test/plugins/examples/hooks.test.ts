import { afterEach, describe, expect, it } from 'vitest';
import { Priority } from '../../../core/hooks/index.js';
import plugin from '../../../plugins/examples/hooks/index.js';
import { makeMessage, until } from '../../support/messages.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const inGroup = (text: string) => makeMessage(text, { chatType: 'group', chat: 'g1', toMe: false });

describe('hooks example', () => {
  it('HIGH + force: spam is discarded, not stored, even where the policy would buffer it', async () => {
    ex = await startWithExample(plugin);
    expect((await ex.app.ingest(makeMessage('free money here'))).outcome).toBe('discard');
    expect(await ex.app.store.history.count('test-private_c1')).toBe(0);
  });

  it('MEDIUM: "ping" in a group is triggered at once as a batch of its own', async () => {
    ex = await startWithExample(plugin);
    expect((await ex.app.ingest(inGroup('something'))).outcome).toBe('record');
    expect((await ex.app.ingest(inGroup('Ping'))).outcome).toBe('trigger');
    await until(() => ex!.batches.length === 1, 'the ping batch');
    expect(ex.batches[0]).toMatchObject({ reason: 'trigger', lane: 'triggered' });
    expect(ex.batches[0]!.messages.map((m) => m.text)).toEqual(['Ping']);
  });

  it('a lower hook overrides an unforced choice but not a forced one', async () => {
    ex = await startWithExample(plugin);
    const seen: { changed: boolean; strategy: string }[] = [];
    ex.app.hooks.on('im_message', (event) => void seen.push({ changed: event.buffer(), strategy: event.strategy }), { priority: Priority.LOW });
    // MEDIUM's unforced trigger: the LOW hook's buffer, called last, wins.
    expect((await ex.app.ingest(makeMessage('ping'))).outcome).toBe('buffer');
    // HIGH's forced discard: the LOW hook's buffer is refused.
    expect((await ex.app.ingest(makeMessage('spam'))).outcome).toBe('discard');
    expect(seen).toEqual([{ changed: true, strategy: 'buffer' }, { changed: false, strategy: 'discard' }]);
  });

  it('message_buffered: remembers the largest backlog of each chat', async () => {
    ex = await startWithExample(plugin, { DEBOUNCE_MS: '60000', MAX_WAIT_MS: '60000' });
    for (const text of ['a', 'b', 'c']) await ex.app.ingest(makeMessage(text));
    await ex.app.ingest(makeMessage('d', { chat: 'c2' }));
    expect(await plugin.store.get({ chatKey: 'test-private_c1', storeKey: 'max_pending' })).toBe('3');
    expect(await plugin.store.get({ chatKey: 'test-private_c2', storeKey: 'max_pending' })).toBe('1');
  });

  it('im_batch_message: a batch of acknowledgements only is stopped before the session', async () => {
    ex = await startWithExample(plugin);
    await ex.app.ingest(makeMessage('ok'));
    await ex.app.ingest(makeMessage('thanks'));
    await until(() => ex!.app.metrics.get('batches_stopped_total', {}) === 1, 'the stopped batch');
    await ex.app.ingest(makeMessage('ok'));
    await ex.app.ingest(makeMessage('what time is it?'));
    await until(() => ex!.batches.length === 1, 'the answered batch');
    expect(ex.batches[0]!.messages.map((m) => m.text)).toEqual(['ok', 'what time is it?']);
    // Both were kept in history: stopping a batch only spares the agent.
    expect(await ex.app.store.history.count('test-private_c1')).toBe(4);
  });

  it('its hooks are gone once unloaded', async () => {
    ex = await startWithExample(plugin);
    await ex.app.plugins.unload(plugin.key);
    expect((await ex.app.ingest(makeMessage('spam'))).outcome).toBe('buffer');
    expect(ex.app.hooks.count('im_batch_message')).toBe(0);
  });
});
