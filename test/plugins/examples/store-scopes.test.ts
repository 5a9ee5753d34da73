import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { scopesOf } from '../../../plugins/examples/store-scopes/index.js';
import { makeMessage } from '../../support/messages.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const inGroup = (text: string, user: string) => makeMessage(text, { chatType: 'group', chat: 'g1', user, toMe: false });

/** The `messages` counter in each scope of a user in a chat. */
async function counts(chatKey: string, userId: string) {
  const out: Record<string, string | undefined> = {};
  for (const [name, scope] of Object.entries(scopesOf({ chatKey, userId }))) out[name] = await plugin.store.get({ ...scope, storeKey: 'messages' });
  return out;
}

describe('store-scopes example', () => {
  it('keeps one key in four exact scopes, with no fallback between them', async () => {
    ex = await startWithExample(plugin);
    await ex.app.ingest(inGroup('a', 'u1'));
    await ex.app.ingest(inGroup('b', 'u1'));
    await ex.app.ingest(inGroup('c', 'u2'));
    await ex.app.ingest(makeMessage('d', { chat: 'u1', user: 'u1' }));

    expect(await counts('test-group_g1', 'u1')).toEqual({ global: '4', chat: '3', user: '3', member: '2' });
    expect(await counts('test-group_g1', 'u2')).toEqual({ global: '4', chat: '3', user: '1', member: '1' });
    expect(await counts('test-private_u1', 'u1')).toEqual({ global: '4', chat: '1', user: '3', member: '1' });
    // Never written in that scope: nothing falls back to the user's or the chat's value.
    expect(await counts('test-group_g2', 'u1')).toMatchObject({ chat: undefined, member: undefined });
    expect((await plugin.store.list({ chatKey: 'test-group_g1' })).map((e) => [e.userKey, e.value])).toEqual([['', '3'], ['u1', '2'], ['u2', '1']]);
  });

  it('a channel reset drops the chat and member values and keeps the user and global ones', async () => {
    ex = await startWithExample(plugin);
    await ex.app.ingest(inGroup('a', 'u1'));
    await ex.app.ingest(inGroup('b', 'u2'));
    await ex.app.ingest(makeMessage('c', { chat: 'u1', user: 'u1' }));
    await ex.app.resetChannel('test-group_g1');

    expect(await counts('test-group_g1', 'u1')).toEqual({ global: '3', chat: undefined, user: '2', member: undefined });
    expect(await counts('test-private_u1', 'u1')).toEqual({ global: '3', chat: '1', user: '2', member: '1' });
  });

  it('"!stats" writes the counts to a file in the plugin\'s data directory', async () => {
    ex = await startWithExample(plugin);
    await ex.app.ingest(inGroup('a', 'u1'));
    await ex.app.ingest(inGroup('b', 'u2'));
    expect((await ex.app.ingest(inGroup('!stats', 'u1'))).outcome).toBe('record');

    const file = path.join(ex.dataDir, 'plugins', plugin.key, 'exports', `${encodeURIComponent('test-group_g1')}.json`);
    expect(plugin.getPluginPath('exports')).toBe(path.dirname(file));
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ chatKey: 'test-group_g1', userId: 'u1', global: 2, chat: 2, user: 1, member: 1 });
    expect(ex.adapter.sent).toEqual([{ chatKey: 'test-group_g1', text: 'Stats written: 2 messages in this chat, 1 of them yours.' }]);
    // The command itself is not counted.
    expect(await counts('test-group_g1', 'u1')).toMatchObject({ chat: '2' });
  });

  it('its data directory refuses paths that would leave it', async () => {
    ex = await startWithExample(plugin);
    expect(() => plugin.getPluginPath('..', 'other.plugin')).toThrow(expect.objectContaining({ code: 'PATH_ESCAPE' }));
  });
});
