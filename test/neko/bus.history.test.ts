import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, type BusRecord } from '../../core/bus/index.js';
import { ChatHistory } from '../../core/session/index.js';
import { openSqliteStore, type SqliteStore } from '../../core/store/index.js';
import { testDeps } from '../support/logger.js';
import { makeMessage } from '../support/messages.js';
import { startChat } from '../support/chat.js';

/** A bus and a history writer over one SQLite file, wired as the app wires them. */
function open(file: string, history = 100) {
  const deps = testDeps();
  const store = openSqliteStore({ path: file, log: deps.log });
  const bus = new MemoryBus(history, { ...deps, historyStore: { newest: (q) => store.history.newest(q) } });
  const writer = new ChatHistory(store.history, { ...deps, onRecord: (entry, seq) => bus.recordHistory(entry, seq) });
  return { store, bus, writer, memory: bus.topic('memory') };
}

const texts = (rs: BusRecord[]) => rs.map((r) => r.text);
let dir: string;
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the memory topic over SQLite history (read through, no copy)', () => {
  it('returns stored history with filters, at most BUS_HISTORY entries, with the ids watchers saw', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bus-'));
    const a = open(path.join(dir, 'db.sqlite'), 5);
    stores.push(a.store);
    a.writer.record({ kind: 'message', message: makeMessage('hello one', { chat: 'c1' }) });
    a.writer.record({ kind: 'message', message: makeMessage('hello two', { chat: 'c2' }) });
    // A watcher added later sees only what is recorded from then on.
    const live: BusRecord[] = [];
    a.memory.watch({ chat: 'test-private_c1' }, (r) => void live.push(r));
    a.writer.record({ kind: 'reply', chatKey: 'test-private_c1', segments: [{ type: 'text', text: 'answer one' }] });
    a.writer.record({ kind: 'note', chatKey: 'test-private_c2', text: 'a note' });
    expect(texts(live)).toEqual(['answer one']);

    expect(texts(await a.memory.getRecent())).toEqual(['hello one', 'hello two', 'answer one', 'a note']);
    expect(texts(await a.memory.getRecent({ filter: { chat: 'test-private_c1' } }))).toEqual(['hello one', 'answer one']);
    expect(texts(await a.memory.getRecent({ filter: { type: ['bot', 'system'] } }))).toEqual(['answer one', 'a note']);
    expect(texts(await a.memory.getRecent({ filter: { text: /^hello/ }, limit: 1 }))).toEqual(['hello two']);
    const all = await a.memory.getRecent();
    expect(texts(await a.memory.getRecent({ filter: { since: all[2]!.ts, until: all[2]!.ts } }))).toContain('answer one');
    expect(all[2]).toMatchObject({ topic: 'memory', type: 'bot', chat: 'test-private_c1', id: live[0]!.id, payload: { userId: 'bot' } });
    // What the bot sent is on messages too.
    expect((await a.bus.topic('messages').getRecent()).map((r) => [r.type, r.text])).toEqual([['sent', 'answer one']]);

    // Bounded like every topic: the newest 5 entries are looked at, however many are stored.
    for (let i = 0; i < 6; i++) a.writer.record({ kind: 'note', chatKey: 'test-private_c3', text: `n${i}` });
    expect(texts(await a.memory.getRecent({ limit: 100 }))).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect(texts(await a.memory.getRecent({ filter: { chat: 'test-private_c1' } }))).toEqual(['hello one', 'answer one']);
  });

  it('is the history itself: entries from before a restart are there, and a reset chat is gone', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nekomata-bus-'));
    const file = path.join(dir, 'db.sqlite');
    const a = open(file);
    a.writer.record({ kind: 'note', chatKey: 'test-private_c1', text: 'before' });
    a.writer.record({ kind: 'note', chatKey: 'test-private_c2', text: 'other chat' });
    const [before] = await a.memory.getRecent({ limit: 1, filter: { chat: 'test-private_c1' } });
    await a.writer.flush();
    await a.store.close();

    const b = open(file);
    stores.push(b.store);
    b.writer.record({ kind: 'note', chatKey: 'test-private_c1', text: 'after' });
    const now = await b.memory.getRecent();
    expect(texts(now)).toEqual(['before', 'other chat', 'after']);
    expect(Number(now[2]!.id)).toBeGreaterThan(Number(before!.id));
    await b.store.history.clear('test-private_c1');
    expect(texts(await b.memory.getRecent())).toEqual(['other chat']);
  });
});

describe('what the bot sent, on the messages topic', () => {
  it('comes from the history writer: the core registers no message_sent hook, so a send runs none', async () => {
    const chat = await startChat({}, { builtinPluginDirs: [] });
    try {
      expect(chat.app.hooks.has('message_sent')).toBe(false);
      await chat.app.send('test-private_c9', [{ type: 'text', text: 'out' }]);
      const sent = await chat.app.neko.bus.topic('messages').getRecent({ filter: { type: 'sent' } });
      expect(sent.map((r) => [r.chat, r.text])).toEqual([['test-private_c9', 'out']]);
    } finally {
      await chat.app.stop();
    }
  });
});
