import { afterEach, describe, expect, it } from 'vitest';
import plugin, { addTriggerWord } from '../../../plugins/examples/config/index.js';
import { makeMessage } from '../../support/messages.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const inGroup = (text: string, user = 'u1') => makeMessage(text, { chatType: 'group', chat: 'g1', user, toMe: false });
const outcome = async (text: string, user?: string) => (await ex!.app.ingest(inGroup(text, user))).outcome;

describe('config example', () => {
  it('starts from the schema defaults', async () => {
    ex = await startWithExample(plugin);
    expect(plugin.config).toEqual({ triggerWords: ['help'], mutedUsers: [], maxLength: 2000 });
    expect(await outcome('can you HELP me')).toBe('trigger');
    expect(await outcome('just chatting')).toBe('record');
  });

  it('updateConfig changes what the hook does from the next message on', async () => {
    ex = await startWithExample(plugin);
    await plugin.updateConfig({ triggerWords: ['sos'], mutedUsers: ['u2'], maxLength: 10 });
    expect(await outcome('help')).toBe('record');
    expect(await outcome('sos!')).toBe('trigger');
    expect(await outcome('sos!', 'u2')).toBe('record');
    expect(await outcome('sos, a long message')).toBe('discard');
    expect(await addTriggerWord('mayday')).toEqual(['sos', 'mayday']);
    expect(await outcome('mayday')).toBe('trigger');
  });

  it('refuses invalid settings, naming the field, and keeps the old ones', async () => {
    ex = await startWithExample(plugin);
    await expect(plugin.updateConfig({ maxLength: -5 })).rejects.toMatchObject({
      code: 'PLUGIN_CONFIG_INVALID',
      issues: [expect.objectContaining({ path: 'maxLength' })],
    });
    await expect(plugin.updateConfig({ triggerWords: [''] })).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'triggerWords.0' })] });
    expect(plugin.config.maxLength).toBe(2000);
    expect(plugin.config.triggerWords).toEqual(['help']);
  });

  it('persists settings across an unload and a new load', async () => {
    ex = await startWithExample(plugin);
    await addTriggerWord('sos');
    await ex.app.plugins.unload(plugin.key);
    expect(() => plugin.config).toThrow(expect.objectContaining({ code: 'PLUGIN_NOT_LOADED' }));
    await ex.app.plugins.load(plugin);
    expect(plugin.config.triggerWords).toEqual(['help', 'sos']);
    expect(await outcome('sos')).toBe('trigger');
  });
});
