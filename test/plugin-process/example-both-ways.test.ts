import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Plugin } from '../../core/plugin/index.js';
import { makeMessage } from '../support/messages.js';
import { startWithFolders, type FolderApp } from './example-app.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../plugins/examples/isolated');
const KEY = 'nekomata.example_isolated';

// One suite, two ways to host the same plugin folder: PLUGIN_ISOLATION=inline overrides its manifest's "process".
describe.each(['inline', 'process'] as const)('the isolated example, hosted %s', (mode) => {
  let ex: FolderApp;
  // An inline plugin the example's entry calls back into, to close a cycle through the example's process.
  const caller = new Plugin({ name: 'caller', moduleName: 'caller', description: 'calls back', version: '1.0.0', author: 'test', url: 'test' });
  caller.entry('back', {}, () => caller.callPlugin(KEY, 'relay', { plugin: caller.key, entry: 'back' }));
  beforeAll(async () => {
    ex = await startWithFolders([EXAMPLE], [KEY, caller.key], { PLUGIN_ISOLATION: mode === 'inline' ? 'inline' : 'manifest', HTTP_PORT: '0' }, [caller]);
  });
  afterAll(() => ex.close());

  const say = async (text: string, chat = 'c1') => (await ex.app.ingest(makeMessage(text, { chat }))).outcome;
  const replies = (chat = 'c1') => ex.adapter.sent.filter((s) => s.chatKey === `test-private_${chat}`).map((s) => s.text);

  it('loads and enables the plugin, in a process of its own only when isolated', () => {
    const info = ex.info(KEY);
    expect(info).toMatchObject({ state: 'enabled', version: '1.0.0' });
    if (mode === 'process') expect(info?.process).toMatchObject({ state: 'running', restarts: 0, memoryMb: 128 });
    else expect(info?.process).toBeUndefined();
  });

  it('its im_message hook decides the strategy', async () => {
    expect(await say('this is urgent', 'h1')).toBe('trigger');
    expect(await say('cheap spam here', 'h1')).toBe('discard');
    expect(await say('hello there', 'h1')).toBe('buffer');
  });

  it('its commands use the store, the config and the data directory, and log under its key', async () => {
    await say('/note buy milk', 'n1');
    await vi.waitFor(() => expect(replies('n1')).toEqual(['noted: buy milk']));
    await say('/recall', 'n1');
    await vi.waitFor(() => expect(replies('n1')).toEqual(['noted: buy milk', 'buy milk']));
    const log = fs.readFileSync(path.join(ex.dataDir, 'plugins', KEY, 'notes.log'), 'utf8');
    expect(log).toBe('test-private_n1\tbuy milk\n');
    expect(ex.lines.some((l) => l.msg === 'note kept' && l.plugin === KEY && l.chatKey === 'test-private_n1')).toBe(true);
  });

  it('a streaming command reaches the chat step by step', async () => {
    await say('/countdown', 's1');
    await vi.waitFor(() => expect(replies('s1')).toEqual(['3', '2', '1', 'liftoff']));
  });

  it('a settings change made in the app reaches the plugin', async () => {
    await ex.app.plugins.get(KEY)!.config.update({ greeting: 'kept' });
    // Isolated, the process reads the settings again as the change is announced: a moment later at most.
    await vi.waitFor(async () => {
      await say('/note tea', 'g1');
      await vi.waitFor(() => expect(replies('g1').length).toBeGreaterThan(0));
      expect(replies('g1').at(-1)).toBe('kept: tea');
    });
  });

  it('its tool answers from the store, and a channel reset reaches its reset callback', async () => {
    await say('/note call mum', 'r1');
    await vi.waitFor(() => expect(replies('r1')).toHaveLength(1));
    const tool = ex.app.tools.get('example_isolated_note')!;
    const ctx = { chatKey: 'test-private_r1', signal: new AbortController().signal };
    expect(await tool.execute({ chatKey: 'test-private_r1' }, ctx)).toBe('call mum');
    await ex.app.resetChannel('test-private_r1');
    expect(await tool.execute({ chatKey: 'test-private_r1' }, ctx)).toBe('no note');
  });

  it('disable and enable undo and restore its hooks', async () => {
    await ex.app.plugins.disable(KEY);
    expect(await say('so urgent', 'd1')).toBe('buffer');
    await ex.app.plugins.enable(KEY);
    expect(await say('so urgent', 'd1')).toBe('trigger');
  });

  // --- N.E.K.O's registrations ---

  it('its entry validates its input with its schema and answers calls', async () => {
    await say('/note water the plants', 'e1');
    await vi.waitFor(() => expect(replies('e1')).toHaveLength(1));
    const entries = ex.app.neko.entries;
    expect(await entries.call(KEY, 'recall', { chatKey: 'test-private_e1', times: 2 })).toBe('water the plants water the plants');
    // The default of `times` comes from the plugin's own schema.
    expect(await entries.call(KEY, 'recall', { chatKey: 'test-private_e1' })).toBe('water the plants');
    await expect(entries.call(KEY, 'recall', { chatKey: 'test-private_e1', times: 9 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('times') });
    await expect(entries.call(KEY, 'nope', {})).rejects.toMatchObject({ code: 'ENTRY_NOT_FOUND' });
  });

  it('a cycle through its entry is refused by the A1 policy, naming the chain', async () => {
    await expect(caller.callPlugin(caller.key, 'back')).rejects.toMatchObject({
      code: 'PLUGIN_CALL_REFUSED', message: expect.stringContaining(`${caller.key}:back → ${KEY}:relay → ${caller.key}:back`),
    });
  });

  it('a run of its entry reports progress and exports, and a cancel reaches its signal', async () => {
    await say('/note read a book', 'a1');
    await vi.waitFor(() => expect(replies('a1')).toHaveLength(1));
    const runs = ex.app.neko.runs;
    const done = await runs.wait((await runs.create({ plugin: KEY, entry: 'archive', args: {} })).id);
    expect(done).toMatchObject({ status: 'succeeded', progress: 1, stage: 'done' });
    const exports = await runs.exports(done.id);
    expect(exports.map((e) => e.type)).toEqual(['text', 'binary']);
    expect(exports[0]).toMatchObject({ text: expect.stringContaining('read a book') });
    const blob = exports[1] as Extract<(typeof exports)[number], { type: 'binary' }>;
    expect(Number(fs.readFileSync(blob.path, 'utf8'))).toBeGreaterThan(0);
    const slow = await runs.create({ plugin: KEY, entry: 'archive', args: { slow: true } });
    await vi.waitFor(async () => expect(await runs.get(slow.id)).toMatchObject({ status: 'running', stage: 'collect' }));
    await runs.cancel(slow.id, 'enough');
    expect(await runs.wait(slow.id)).toMatchObject({ status: 'canceled' });
  });

  it('its startup handler reported its status, and its timer keeps firing', async () => {
    expect(ex.info(KEY)?.status?.value).toEqual({ ready: true });
    const beats = async () => Number((await ex.app.plugins.get(KEY)!.store.get({ storeKey: 'beats' })) ?? '0');
    const first = await beats();
    await vi.waitFor(async () => expect(await beats()).toBeGreaterThan(first + 1));
  });

  it('its custom event handler pushes a message to the bus and to the chat', async () => {
    await say('/note feed the cat', 'v1');
    await vi.waitFor(() => expect(replies('v1')).toHaveLength(1));
    await caller.emit('note_wanted', { chatKey: 'test-private_v1' });
    await vi.waitFor(() => expect(replies('v1')).toEqual([expect.stringMatching(/: feed the cat$/), 'feed the cat']));
    const pushed = await ex.app.neko.bus.topic('messages').getRecent({ filter: { plugin: KEY, chat: 'test-private_v1' } });
    expect(pushed.map((r) => r.text)).toEqual(['feed the cat']);
  });

  it('its HTTP route is served under /plugins/<key>/', async () => {
    await say('/note buy bread', 'w1');
    await vi.waitFor(() => expect(replies('w1')).toHaveLength(1));
    const res = await fetch(`${ex.app.http.url}/plugins/${KEY}/notes?chat=test-private_w1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ note: 'buy bread' });
    expect((await fetch(`${ex.app.http.url}/plugins/${KEY}/notes?chat=nobody`)).status).toBe(404);
  });

  it('its bus watch sees what the bot sends', async () => {
    const before = (await ex.app.neko.entries.call(KEY, 'sent_notes', {})) as number;
    await say('/note one more', 'x1');
    await vi.waitFor(async () => expect(await ex.app.neko.entries.call(KEY, 'sent_notes', {})).toBe(before + 1));
  });
});
