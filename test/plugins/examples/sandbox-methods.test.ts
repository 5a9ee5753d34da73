import { afterEach, describe, expect, it } from 'vitest';
import { SandboxMethodType } from '../../../core/plugin/index.js';
import plugin from '../../../plugins/examples/sandbox-methods/index.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

const available = async (chatKey: string) =>
  (await ex!.app.plugins.availableMethods(ex!.app.plugins.chatContext(chatKey))).map((m) => [m.id, m.method.type]);

describe('sandbox-methods example', () => {
  it('offers one method of each type, and the group-only one only in groups', async () => {
    ex = await startWithExample(plugin);
    const everywhere = [
      [`${plugin.key}.roll_dice`, SandboxMethodType.TOOL],
      [`${plugin.key}.remember`, SandboxMethodType.BEHAVIOR],
      [`${plugin.key}.recall`, SandboxMethodType.AGENT],
      [`${plugin.key}.show_avatar`, SandboxMethodType.MULTIMODAL_AGENT],
    ];
    expect(await available('test-private_u1')).toEqual(everywhere);
    expect(await available('test-group_g1')).toEqual([...everywhere, [`${plugin.key}.kick_member`, SandboxMethodType.BEHAVIOR]]);
  });

  it('runs the methods with the context they are called in', async () => {
    ex = await startWithExample(plugin);
    const ctx = ex.app.plugins.chatContext('test-group_g1');
    const byName = new Map((await ex.app.plugins.availableMethods(ctx)).map((m) => [m.method.name, m.method.fn]));
    const roll = Number(await byName.get('roll_dice')!(ctx, { sides: 3 }));
    expect([1, 2, 3]).toContain(roll);
    expect(await byName.get('recall')!(ctx, {})).toBe('Nothing was remembered in this chat.');
    expect(await byName.get('remember')!(ctx, { text: 'the meeting is at 3' })).toBe('Remembered: the meeting is at 3');
    expect(await byName.get('recall')!(ctx, {})).toBe('the meeting is at 3');
    expect(await byName.get('kick_member')!(ctx, { userId: 'u9', reason: 'spam' })).toBe('Asked to remove u9: spam');
    await expect(Promise.resolve().then(() => byName.get('roll_dice')!(ctx, { sides: 1 }))).rejects.toThrow(/sides/);
  });

  it('registers the global tool and tag while enabled, and removes them when disabled or unloaded', async () => {
    ex = await startWithExample(plugin);
    const { app } = ex;
    const tool = app.tools.get('word_count');
    expect(app.tools.ownerOf('word_count')).toBe(plugin.key);
    expect(await tool?.execute({ text: ' three  little words ' }, { chatKey: 'test-private_u1', signal: new AbortController().signal })).toBe('3');
    const tag = app.tags.get('shout');
    expect(await tag?.handle('hello', { chatKey: 'test-private_u1', attributes: {} })).toEqual([{ type: 'text', text: 'HELLO' }]);

    await app.plugins.disable(plugin.key);
    expect(app.tools.has('word_count')).toBe(false);
    expect(app.tags.has('shout')).toBe(false);
    expect(await available('test-group_g1')).toEqual([]);
    await app.plugins.enable(plugin.key);
    expect(app.tools.has('word_count')).toBe(true);
    await app.plugins.unload(plugin.key);
    expect(app.tools.has('word_count')).toBe(false);
    expect(app.tags.has('shout')).toBe(false);
  });
});
