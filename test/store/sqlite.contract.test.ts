import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, type HistoryEntry, type SqliteStore } from '../../core/store/index.js';
import { describeStoreContract } from './store.contract.js';

interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown>>;
}

function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-store-'));
}

describeStoreContract('sqlite file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'store.db');
  const { log } = captureLog();
  return {
    store: openSqliteStore({ path: file, log }),
    reopen: async () => openSqliteStore({ path: file, log }),
    dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describeStoreContract('sqlite :memory:', async () => ({ store: openSqliteStore({ path: ':memory:', log: captureLog().log }) }));

function entry(n: number, segments: HistoryEntry['segments'] = [{ type: 'text', text: `m${n}` }]): HistoryEntry {
  return {
    chatKey: 'onebot-group_1',
    role: 'user',
    messageId: String(n),
    userId: 'u1',
    userName: 'U',
    segments,
    text: `m${n}`,
    time: n,
  };
}

describe('sqlite store', () => {
  let dir: string;
  let file: string;
  let captured: CapturedLog;
  let store: SqliteStore | undefined;
  let peer: Database.Database | undefined;

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'store.db');
    captured = captureLog();
  });

  afterEach(async () => {
    await store?.close();
    peer?.close();
    store = undefined;
    peer = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('puts the database in WAL mode', () => {
    store = openSqliteStore({ path: file, log: captured.log });
    peer = new Database(file);
    expect(peer.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(peer.pragma('user_version', { simple: true })).toBeGreaterThan(0);
  });

  it('creates the missing directories of the path', async () => {
    const nested = path.join(dir, 'a', 'b', 'store.db');
    store = openSqliteStore({ path: nested, log: captured.log });
    await store.kv.set({ pluginKey: 'p', key: 'k' }, 'v');
    expect(fs.existsSync(nested)).toBe(true);
  });

  it('writes appended history shortly after, without a flush or a reader', async () => {
    store = openSqliteStore({ path: file, log: captured.log });
    peer = new Database(file, { readonly: true });
    const rows = () => (peer!.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    for (let i = 0; i < 3; i++) store.history.append(entry(i));
    expect(rows()).toBe(0);
    await vi.waitFor(() => expect(rows()).toBe(3), { timeout: 2000, interval: 5 });
  });

  it('writes a full batch of 256 appends at once, in one transaction', () => {
    store = openSqliteStore({ path: file, log: captured.log });
    peer = new Database(file, { readonly: true });
    const rows = () => (peer!.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n;
    for (let i = 0; i < 255; i++) store.history.append(entry(i));
    expect(rows()).toBe(0);
    store.history.append(entry(255));
    expect(rows()).toBe(256);
  });

  it('logs and counts a failed batch write, and append does not throw', async () => {
    store = openSqliteStore({ path: file, log: captured.log });
    peer = new Database(file);
    peer.exec('DROP TABLE history');

    expect(() => {
      store!.history.append(entry(1));
      store!.history.append(entry(2));
    }).not.toThrow();
    await vi.waitFor(() => expect(store!.history.writeErrors).toBe(1), { timeout: 2000, interval: 5 });

    expect(store.history.writeErrors).toBe(1);
    expect(store.history.droppedEntries).toBe(2);
    const errors = captured.lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ entries: 2, err: expect.objectContaining({ message: expect.stringMatching(/history/) }) });

    expect(() => store!.history.append(entry(3))).not.toThrow();
    await expect(store.history.flush()).resolves.toBeUndefined();
    expect(store.history.writeErrors).toBe(2);
    expect(store.history.droppedEntries).toBe(3);
  });

  it('stores a single text segment as JSON.stringify does, escapes included, and other segments as they are', async () => {
    store = openSqliteStore({ path: file, log: captured.log });
    const texts = ['plain', 'quote " backslash \\ newline \n tab \t', 'control \u0001 \u001f', '猫又 😺', 'lone \ud800 surrogate', ''];
    const others: HistoryEntry['segments'][] = [
      // A property beyond the model (a JavaScript plugin's own) must survive the write.
      [{ type: 'text', text: 'x', extra: 1 } as unknown as HistoryEntry['segments'][number]],
      [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }],
      [{ type: 'at', userId: '42' }],
      [],
    ];
    const all = [...texts.map((text) => [{ type: 'text' as const, text }]), ...others];
    all.forEach((segments, i) => store!.history.append(entry(i, segments)));
    await store.history.flush();
    peer = new Database(file, { readonly: true });
    const stored = (peer.prepare('SELECT segments FROM history ORDER BY id').all() as { segments: string }[]).map((r) => r.segments);
    expect(stored).toEqual(all.map((segments) => JSON.stringify(segments)));
    expect((await store.history.recent('onebot-group_1', 100)).map((e) => e.segments)).toEqual(all);
  });

  it('drops only an entry whose segments cannot be stored, logging and counting it', async () => {
    store = openSqliteStore({ path: file, log: captured.log });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    store.history.append(entry(1));
    store.history.append(entry(2, [{ type: 'raw', platform: 'onebot', kind: 'x', data: cyclic }]));
    store.history.append(entry(3));

    expect((await store.history.recent('onebot-group_1', 10)).map((e) => e.messageId)).toEqual(['1', '3']);
    expect(store.history.writeErrors).toBe(1);
    expect(store.history.droppedEntries).toBe(1);
    expect(captured.lines.filter((l) => l.level === 50)).toMatchObject([{ entries: 1, messageId: '2' }]);
  });

  it('saves a pending message whose raw event is not JSON, without the raw event', async () => {
    store = openSqliteStore({ path: file, log: captured.log });
    const msg = {
      adapter: 'onebot',
      botId: 'b',
      chatKey: 'onebot-group_1',
      chatType: 'group' as const,
      chatId: '1',
      userId: 'u',
      userName: 'U',
      segments: [],
      text: '',
      toMe: false,
      messageId: 'm1',
      time: 1,
      raw: { id: 10n },
    };
    await store.pending.save([msg]);
    const { raw: _raw, ...withoutRaw } = msg;
    expect(await store.pending.takeAll()).toEqual([withoutRaw]);
    expect(captured.lines.filter((l) => l.level === 40)).toMatchObject([{ messageId: 'm1' }]);
  });

  it('refuses a database from a newer schema version', () => {
    peer = new Database(file);
    peer.pragma('user_version = 999');
    expect(() => openSqliteStore({ path: file, log: captured.log })).toThrow(
      expect.objectContaining({ code: 'STORE_SCHEMA_NEWER' }),
    );
  });
});
