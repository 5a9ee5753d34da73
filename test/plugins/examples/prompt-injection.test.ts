import { afterEach, describe, expect, it } from 'vitest';
import type { ChatContext } from '../../../core/plugin/index.js';
import type { App } from '../../../core/runtime/index.js';
import plugin from '../../../plugins/examples/prompt-injection/index.js';
import { makeMessage } from '../../support/messages.js';
import { startWithExample, type ExampleApp } from './example-app.js';

let ex: ExampleApp | undefined;
afterEach(async () => {
  await ex?.close();
  ex = undefined;
});

/** Calls one of the example's sandbox methods the way the agent will: found among the available ones. */
async function call(app: App, ctx: ChatContext, name: string, args: Record<string, unknown>): Promise<unknown> {
  const methods = await app.plugins.availableMethods(ctx);
  const found = methods.find((m) => m.id === `${plugin.key}.${name}`);
  if (!found) throw new Error(`${name} is not available in ${ctx.chatKey}`);
  return found.method.fn(ctx, args);
}

describe('prompt-injection example', () => {
  it('injects nothing while nothing is stored', async () => {
    ex = await startWithExample(plugin);
    expect(await ex.app.plugins.promptInjections(ex.app.plugins.chatContext('test-private_u1'))).toEqual([]);
  });

  it("injects the user's preferences and the chat's mode once stored", async () => {
    ex = await startWithExample(plugin);
    const { app } = ex;
    const ctx = app.plugins.chatContext('test-private_u1');
    expect(await call(app, ctx, 'save_preferences', { preferences: 'short answers, metric units' })).toBe('Preferences saved: short answers, metric units');
    expect(await call(app, ctx, 'set_chat_mode', { mode: 'formal' })).toBe('Chat mode set to formal');

    expect(await app.plugins.promptInjections(app.plugins.chatContext('test-private_u1'))).toEqual([{
      pluginKey: plugin.key,
      moduleName: 'example_prompt_injection',
      name: 'user_preference_injection',
      text: 'User preference settings: short answers, metric units\nCurrent session mode: formal',
    }]);
  });

  it('in a group, takes the user from the message and the mode from the group', async () => {
    ex = await startWithExample(plugin);
    const { app } = ex;
    await plugin.store.set({ userKey: 'u7', storeKey: 'preferences', value: 'likes cats' });
    await plugin.store.set({ chatKey: 'test-group_g1', storeKey: 'mode', value: 'casual' });

    // A whole-group context names no user: only the mode is known.
    const [groupOnly] = await app.plugins.promptInjections(app.plugins.chatContext('test-group_g1'));
    expect(groupOnly?.text).toBe('Current session mode: casual');

    const message = makeMessage('hi', { chatType: 'group', chat: 'g1', user: 'u7' });
    const [withUser] = await app.plugins.promptInjections(app.plugins.chatContext('test-group_g1', message));
    expect(withUser?.text).toBe('User preference settings: likes cats\nCurrent session mode: casual');
  });

  it('refuses malformed arguments from the model', async () => {
    ex = await startWithExample(plugin);
    const ctx = ex.app.plugins.chatContext('test-private_u1');
    await expect(call(ex.app, ctx, 'set_chat_mode', { mode: 42 })).rejects.toThrow(/mode/);
    expect(await plugin.store.get({ chatKey: 'test-private_u1', storeKey: 'mode' })).toBeUndefined();
  });

  it('injects nothing once disabled', async () => {
    ex = await startWithExample(plugin);
    await plugin.store.set({ chatKey: 'test-private_u1', storeKey: 'mode', value: 'formal' });
    await ex.app.plugins.disable(plugin.key);
    expect(await ex.app.plugins.promptInjections(ex.app.plugins.chatContext('test-private_u1'))).toEqual([]);
    expect(await ex.app.plugins.availableMethods(ex.app.plugins.chatContext('test-private_u1'))).toEqual([]);
  });
});
