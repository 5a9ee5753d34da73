import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../core/errors/index.js';
import { PluginStore } from '../../core/plugin/plugin-store.js';
import { openSqliteStore, type Store } from '../../core/store/index.js';
import { captureLogger } from '../support/logger.js';

const CHAT = 'onebot-group_1';
const OTHER_CHAT = 'onebot-group_2';

describe('PluginStore', () => {
  let backend: Store;
  let store: PluginStore;

  beforeEach(() => {
    backend = openSqliteStore({ path: ':memory:', log: captureLogger().log });
    store = new PluginStore(backend.kv, 'me.notes');
  });

  afterEach(async () => {
    await backend.close();
  });

  it('keeps the global, chat, user and user-in-chat scopes exact, with no fallback', async () => {
    await store.set({ storeKey: 'k', value: 'global' });
    await store.set({ chatKey: CHAT, storeKey: 'k', value: 'chat' });
    await store.set({ userKey: 'u1', storeKey: 'k', value: 'user' });
    await store.set({ chatKey: CHAT, userKey: 'u1', storeKey: 'k', value: 'user in chat' });

    expect(await store.get({ storeKey: 'k' })).toBe('global');
    expect(await store.get({ chatKey: CHAT, storeKey: 'k' })).toBe('chat');
    expect(await store.get({ userKey: 'u1', storeKey: 'k' })).toBe('user');
    expect(await store.get({ chatKey: CHAT, userKey: 'u1', storeKey: 'k' })).toBe('user in chat');
    expect(await store.get({ chatKey: '', userKey: '', storeKey: 'k' })).toBe('global');

    expect(await store.get({ chatKey: OTHER_CHAT, storeKey: 'k' })).toBeUndefined();
    expect(await store.get({ userKey: 'u2', storeKey: 'k' })).toBeUndefined();
    expect(await store.get({ chatKey: CHAT, userKey: 'u2', storeKey: 'k' })).toBeUndefined();
    expect(await store.get({ chatKey: OTHER_CHAT, userKey: 'u1', storeKey: 'k' })).toBeUndefined();

    expect(await store.delete({ chatKey: CHAT, storeKey: 'k' })).toBe(true);
    expect(await store.get({ chatKey: CHAT, storeKey: 'k' })).toBeUndefined();
    expect(await store.get({ storeKey: 'k' })).toBe('global');
    expect(await store.get({ chatKey: CHAT, userKey: 'u1', storeKey: 'k' })).toBe('user in chat');
  });

  it('set resolves true when it creates and false when it replaces; delete resolves whether it deleted', async () => {
    expect(await store.set({ userKey: 'u1', storeKey: 'prefs', value: '{"theme":"dark"}' })).toBe(true);
    expect(await store.set({ userKey: 'u1', storeKey: 'prefs', value: '{"theme":"light"}' })).toBe(false);
    expect(await store.get({ userKey: 'u1', storeKey: 'prefs' })).toBe('{"theme":"light"}');

    expect(await store.delete({ userKey: 'u1', storeKey: 'prefs' })).toBe(true);
    expect(await store.delete({ userKey: 'u1', storeKey: 'prefs' })).toBe(false);
    expect(await store.set({ userKey: 'u1', storeKey: 'prefs', value: '{}' })).toBe(true);
  });

  it('legacy keeps Nekro codes: set 1 updated / 0 created, delete 0 deleted / 1 not found', async () => {
    expect(await store.legacy.set({ chatKey: CHAT, storeKey: 'last_command', value: '/weather London' })).toBe(0);
    expect(await store.legacy.set({ chatKey: CHAT, storeKey: 'last_command', value: '/weather Paris' })).toBe(1);
    expect(await store.legacy.get({ chatKey: CHAT, storeKey: 'last_command' })).toBe('/weather Paris');
    expect(await store.legacy.get({ storeKey: 'last_command' })).toBeUndefined();

    expect(await store.legacy.delete({ chatKey: CHAT, storeKey: 'last_command' })).toBe(0);
    expect(await store.legacy.delete({ chatKey: CHAT, storeKey: 'last_command' })).toBe(1);
    expect(await store.get({ chatKey: CHAT, storeKey: 'last_command' })).toBeUndefined();
  });

  it('lists by prefix and by scope, every scope when none is given', async () => {
    await store.set({ storeKey: 'model_info:a', value: '1' });
    await store.set({ storeKey: 'model_info:b', value: '2' });
    await store.set({ storeKey: 'data_version', value: '3' });
    await store.set({ chatKey: CHAT, storeKey: 'model_info:c', value: '4' });
    await store.set({ chatKey: CHAT, userKey: 'u1', storeKey: 'model_info:d', value: '5' });
    await store.set({ userKey: 'u1', storeKey: 'notes', value: '6' });
    await new PluginStore(backend.kv, 'someone.else').set({ storeKey: 'model_info:x', value: 'not mine' });

    const values = async (q?: Parameters<PluginStore['list']>[0]) => (await store.list(q)).map((e) => e.value);
    expect(await store.list()).toEqual([
      { chatKey: '', userKey: '', key: 'data_version', value: '3' },
      { chatKey: '', userKey: '', key: 'model_info:a', value: '1' },
      { chatKey: '', userKey: '', key: 'model_info:b', value: '2' },
      { chatKey: '', userKey: 'u1', key: 'notes', value: '6' },
      { chatKey: CHAT, userKey: '', key: 'model_info:c', value: '4' },
      { chatKey: CHAT, userKey: 'u1', key: 'model_info:d', value: '5' },
    ]);
    expect(await values({ prefix: 'model_info:' })).toEqual(['1', '2', '4', '5']);
    expect(await values({ prefix: 'model_info:', chatKey: '', userKey: '' })).toEqual(['1', '2']);
    expect(await values({ chatKey: CHAT })).toEqual(['4', '5']);
    expect(await values({ chatKey: CHAT, userKey: '' })).toEqual(['4']);
    expect(await values({ userKey: 'u1' })).toEqual(['6', '5']);
    expect(await values({ prefix: 'nothing' })).toEqual([]);
  });

  it('clear removes every value of this plugin and no other', async () => {
    const other = new PluginStore(backend.kv, 'someone.else');
    await store.set({ storeKey: 'a', value: '1' });
    await store.set({ chatKey: CHAT, storeKey: 'b', value: '2' });
    await store.set({ chatKey: CHAT, userKey: 'u1', storeKey: 'c', value: '3' });
    await other.set({ storeKey: 'a', value: 'kept' });
    await other.set({ chatKey: CHAT, storeKey: 'b', value: 'kept' });

    expect(await store.clear()).toBe(3);
    expect(await store.list()).toEqual([]);
    expect(await other.get({ storeKey: 'a' })).toBe('kept');
    expect(await other.get({ chatKey: CHAT, storeKey: 'b' })).toBe('kept');
    expect(await store.clear()).toBe(0);
  });

  describe('validation of what plain-JS plugins pass', () => {
    const invalid = async (p: Promise<unknown>, message: RegExp) => {
      const err: unknown = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ValidationError);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(message) });
    };
    const loose = (args: unknown) => args as never;

    it('refuses a value that is not a string, saying to JSON.stringify it', async () => {
      await invalid(store.set(loose({ storeKey: 'prefs', value: { theme: 'dark' } })), /value must be a string, got an object.*JSON\.stringify/);
      await invalid(store.set(loose({ storeKey: 'n', value: 3 })), /value must be a string, got number 3.*JSON\.stringify/);
      await invalid(store.set(loose({ storeKey: 'n' })), /value must be a string, got undefined/);
      await invalid(store.legacy.set(loose({ storeKey: 'n', value: null })), /JSON\.stringify/);
      expect(await store.list()).toEqual([]);
    });

    it('refuses a missing, empty, non-string or too long storeKey', async () => {
      await invalid(store.get(loose({})), /storeKey must be a non-empty string of at most 128 characters, got undefined/);
      await invalid(store.get(loose({ store_key: 'k' })), /storeKey must be/);
      await invalid(store.get({ storeKey: '' }), /storeKey must be .*got ""/);
      await invalid(store.delete(loose({ storeKey: 7 })), /storeKey must be .*got number 7/);
      await invalid(store.set({ storeKey: 'k'.repeat(129), value: 'v' }), /storeKey must be .*a string of 129 characters/);
      expect(await store.set({ storeKey: 'k'.repeat(128), value: 'v' })).toBe(true);
    });

    it('refuses chatKey or userKey that is not a string of at most 256 characters', async () => {
      await invalid(store.get(loose({ chatKey: 12345, storeKey: 'k' })), /chatKey must be a string of at most 256 characters when given, got number 12345/);
      await invalid(store.set(loose({ userKey: null, storeKey: 'k', value: 'v' })), /userKey must be .*got null/);
      await invalid(store.get({ userKey: 'u'.repeat(257), storeKey: 'k' }), /userKey must be/);
      await invalid(store.list(loose({ chatKey: ['c'] })), /chatKey must be .*got an array/);
      await invalid(store.list(loose({ prefix: 1 })), /prefix must be a string/);
      expect(await store.set({ chatKey: 'c'.repeat(256), userKey: 'u'.repeat(256), storeKey: 'k', value: 'v' })).toBe(true);
    });

    it('refuses arguments that are not an object, naming every problem at once', async () => {
      await invalid(store.get(loose('last_command')), /arguments must be an object such as \{ chatKey, userKey, storeKey \}/);
      await invalid(store.list(loose(5)), /arguments must be an object/);
      await invalid(store.set(loose({ chatKey: 1, userKey: 2, storeKey: '', value: 'v' })), /chatKey must be.*userKey must be.*storeKey must be/);
    });
  });
});

describe('PluginStore on a SQLite file', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-plugin-store-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every scope across closing and reopening the store', async () => {
    const file = path.join(dir, 'store.db');
    const { log } = captureLogger();
    const first = openSqliteStore({ path: file, log });
    const store = new PluginStore(first.kv, 'me.notes');
    await store.set({ storeKey: 'data_version', value: '2.0.0' });
    await store.set({ chatKey: CHAT, storeKey: 'topic', value: 'cats' });
    await store.set({ userKey: 'u1', storeKey: 'prefs', value: '{"theme":"dark"}' });
    await store.set({ chatKey: CHAT, userKey: 'u1', storeKey: 'mood', value: 'ねこ 🐈' });
    await first.close();

    const second = openSqliteStore({ path: file, log });
    try {
      const again = new PluginStore(second.kv, 'me.notes');
      expect(await again.get({ storeKey: 'data_version' })).toBe('2.0.0');
      expect(await again.get({ chatKey: CHAT, storeKey: 'topic' })).toBe('cats');
      expect(await again.get({ userKey: 'u1', storeKey: 'prefs' })).toBe('{"theme":"dark"}');
      expect(await again.get({ chatKey: CHAT, userKey: 'u1', storeKey: 'mood' })).toBe('ねこ 🐈');
      expect(await again.list()).toHaveLength(4);
      expect(await again.set({ storeKey: 'data_version', value: '3.0.0' })).toBe(false);
    } finally {
      await second.close();
    }
  });
});
