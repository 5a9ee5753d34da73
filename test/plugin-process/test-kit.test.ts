import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChat, type TestChat } from '../../core/testing/index.js';

// What a plugin author writes: the test kit loads the plugin's folder as the app would, plugin.toml included,
// so the isolated example runs in its own process here too.
const EXAMPLE = path.resolve(import.meta.dirname, '../../plugins/examples/isolated');

let chat: TestChat | undefined;
afterEach(async () => {
  await chat?.stop();
  chat = undefined;
});

describe('testing an isolated plugin with nekomata/testing', () => {
  it('talks to it as a chat, while it runs in a process of its own', async () => {
    chat = await startChat(EXAMPLE);
    const info = chat.app.plugins.list().find((p) => p.key === 'nekomata.example_isolated');
    expect(info?.process?.state).toBe('running');
    expect(info?.process?.pid).not.toBe(process.pid);
    await chat.shouldReply('/note water the plants', 'noted: water the plants');
    await chat.shouldReply('/recall', 'water the plants');
    await chat.shouldReply('/countdown', ['3', '2', '1', 'liftoff']);
  });

  it('says why when the folder does not load', async () => {
    await expect(startChat(path.join(EXAMPLE, 'missing'))).rejects.toThrow(/failed to load/);
  });
});
