import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Plugin } from '../../core/index.js';
import { startChat } from '../../core/testing/index.js';

// What a plugin author writes: the entry, a run of it and its push to the chat, tested with nekomata/testing.
describe('testing an N.E.K.O-style plugin with the test kit', () => {
  it('calls an entry, runs it with progress, and sees the pushed message in the chat', async () => {
    const plugin = new Plugin({ name: 'Greeter', moduleName: 'greeter_kit', description: '', version: '1.0.0', author: 'me', url: '' });
    plugin.entry('greet', { input: z.object({ name: z.string(), chat: z.string().optional() }) }, async ({ name, chat }, call) => {
      await call.run?.progress(0.5, { stage: 'composing' });
      if (chat) await plugin.ctx.pushMessage({ content: `hello ${name}`, chatKey: chat });
      return `hello ${name}`;
    });
    const chat = await startChat(plugin);
    try {
      expect(await plugin.callPlugin(plugin.key, 'greet', { name: 'Ann' })).toBe('hello Ann');
      const run = await plugin.ctx.runs.start('greet', { name: 'Bob', chat: 'test-private_alice' });
      expect(await plugin.ctx.runs.wait(run.id)).toMatchObject({ status: 'succeeded', stage: 'composing', result: 'hello Bob' });
      expect(chat.sent.map((m) => [m.chatKey, m.text])).toEqual([['test-private_alice', 'hello Bob']]);
    } finally {
      await chat.stop();
    }
  });
});
