import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeMessage } from '../support/messages.js';
import { startWithFolders, type FolderApp } from './example-app.js';

const EXAMPLE = path.resolve(import.meta.dirname, '../../plugins/examples/isolated');
const KEY = 'nekomata.example_isolated';

// One suite, two ways to host the same plugin folder: PLUGIN_ISOLATION=inline overrides its manifest's "process".
describe.each(['inline', 'process'] as const)('the isolated example, hosted %s', (mode) => {
  let ex: FolderApp;
  beforeAll(async () => {
    ex = await startWithFolders([EXAMPLE], [KEY], { PLUGIN_ISOLATION: mode === 'inline' ? 'inline' : 'manifest' });
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
});
