import { afterAll, describe, expect, it } from 'vitest';
import { makeMessage } from '../support/messages.js';
import { manifest, PluginFolders } from '../support/plugin-folders.js';
import { startWithFolders } from './example-app.js';

const folders = new PluginFolders();
folders.add('slowpoke', {
  toml: manifest('slowpoke', '[plugin.runtime]\nisolation = "process"\ncall_timeout_ms = 5000'),
  body: `plugin.on('im_message', async (event) => {
  if (event.message.text === 'slow') await new Promise((r) => setTimeout(r, 300));
  event.trigger({ force: true });
});`,
});
afterAll(() => folders.remove());

describe('reloading an isolated plugin', () => {
  it('starts the new process first, lets the old one finish its calls, and loses none under load', async () => {
    const ex = await startWithFolders([folders.root], ['tester.slowpoke'], { FLOOD_USER_MESSAGES: '0', FLOOD_CHAT_MESSAGES: '0' });
    try {
      const key = 'tester.slowpoke';
      const oldPid = ex.info(key)!.process!.pid!;
      const say = (text: string, chat: string) => ex.app.ingest(makeMessage(text, { chat }));
      // Messages keep coming in ten chats while the reload happens; one call is in flight in the old process.
      let flowing = true;
      const load = Array.from({ length: 10 }, async (_, c) => {
        const outcomes: string[] = [];
        while (flowing) {
          outcomes.push((await say('hi', `load${c}`)).outcome);
          // Between the swap's steps no hook may be registered, and ingest is then all microtasks: let the reload run.
          await new Promise((r) => setImmediate(r));
        }
        return outcomes;
      });
      const slow = say('slow', 'slow');
      const reloaded = await ex.app.plugins.reload(key);
      flowing = false;
      const outcomes = (await Promise.all(load)).flat();

      expect((await slow).outcome).toBe('trigger');
      expect(outcomes.length).toBeGreaterThan(0);
      expect(new Set(outcomes)).toEqual(new Set(['trigger']));
      expect(ex.lines.filter((l) => l.plugin === key && l.level === 50)).toEqual([]);
      expect(reloaded.process).toMatchObject({ state: 'running', restarts: 0 });
      expect(reloaded.process!.pid).not.toBe(oldPid);
      // The old process is gone.
      expect(() => process.kill(oldPid, 0)).toThrow();
    } finally {
      await ex.close();
    }
  });
});
